package bench

import (
	"os"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/memory/mallocator"
)

// benchAllocator is the Go allocator, or C malloc when SLUICE_BENCH_MALLOC=1: with it the
// resident memory follows live bytes instead of the garbage collector's heap goal.
func benchAllocator() memory.Allocator {
	if os.Getenv("SLUICE_BENCH_MALLOC") == "1" {
		return mallocator.NewMallocator()
	}
	return memory.DefaultAllocator
}
