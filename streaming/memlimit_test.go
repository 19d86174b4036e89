package streaming

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

func TestHoldMemoryLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: runs leave the limit alone")
	}
	before := debug.SetMemoryLimit(-1)
	if before != math.MaxInt64 {
		t.Skip("the process already has a memory limit")
	}
	endA := holdMemoryLimit(Options{MemoryBudget: 64 << 20})
	if got := debug.SetMemoryLimit(-1); got != 128<<20 {
		t.Fatalf("one run of 64 MiB: limit %d, want 128 MiB", got)
	}
	endB := holdMemoryLimit(Options{MemoryBudget: 100 << 20})
	if got := debug.SetMemoryLimit(-1); got != 128<<20+200<<20 {
		t.Fatalf("two runs: limit %d, want their sum", got)
	}
	endA()
	if got := debug.SetMemoryLimit(-1); got != 200<<20 {
		t.Fatalf("after the first ends: limit %d", got)
	}
	endB()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("after both: limit %d, want %d back", got, before)
	}
	holdMemoryLimit(Options{MemoryBudget: 1 << 20, NoMemoryLimit: true})()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("NoMemoryLimit changed the limit to %d", got)
	}
	if residentBytes() <= 0 {
		t.Fatal("no resident size read")
	}
}
