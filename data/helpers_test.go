package data

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

// testContext returns a Context over a checked allocator; the test fails if any byte is still
// allocated, or any goroutine still running, when it ends.
func testContext(t *testing.T) *Context {
	t.Helper()
	mem := memcheck.New(memory.NewGoAllocator())
	t.Cleanup(func() {
		goleak.VerifyNone(t)
		mem.AssertSize(t, 0)
	})
	return &Context{Allocator: mem, CPUs: 2, MemoryBudget: 64 << 20}
}
