package read

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestPageBuffers checks that freed page buffers are handed out again, small allocations pass
// through, growth within a kept buffer reuses it, and release gives everything back.
func TestPageBuffers(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := newPageBuffers(mem)
	big := a.Allocate(1 << 20)
	small := a.Allocate(100)
	if mem.CurrentAlloc() != 1<<20+100 {
		t.Fatalf("allocated %d", mem.CurrentAlloc())
	}
	a.Free(big)
	a.Free(small)
	if mem.CurrentAlloc() != 1<<20 {
		t.Fatalf("after frees %d allocated, want the kept 1 MiB", mem.CurrentAlloc())
	}
	again := a.Allocate(600 << 10)
	if &again[0] != &big[0] || len(again) != 600<<10 {
		t.Fatal("a freed buffer large enough was not handed out again")
	}
	grown := a.Reallocate(1<<20, again)
	if &grown[0] != &big[0] {
		t.Fatal("growth within the kept buffer moved it")
	}
	larger := a.Reallocate(2<<20, grown)
	if len(larger) != 2<<20 || mem.CurrentAlloc() != 3<<20 {
		t.Fatalf("growth past the buffer: %d bytes, %d allocated", len(larger), mem.CurrentAlloc())
	}
	a.Free(larger)
	a.release()
}
