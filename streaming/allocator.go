package streaming

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CountingAllocator wraps an allocator and counts the bytes it has handed out and not yet
// had back. The executor reads Live to decide whether a new task may start, so the memory
// budget is a measurement, not an estimate. Safe for concurrent use.
type CountingAllocator struct {
	mem  memory.Allocator
	live atomic.Int64
	peak atomic.Int64
}

var _ memory.Allocator = (*CountingAllocator)(nil)

// NewCountingAllocator counts the allocations made through mem (nil: memory.DefaultAllocator).
func NewCountingAllocator(mem memory.Allocator) *CountingAllocator {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &CountingAllocator{mem: mem}
}

func (a *CountingAllocator) add(n int64) {
	v := a.live.Add(n)
	for {
		p := a.peak.Load()
		if v <= p || a.peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// Allocate implements memory.Allocator.
func (a *CountingAllocator) Allocate(size int) []byte {
	b := a.mem.Allocate(size)
	a.add(int64(size))
	return b
}

// Reallocate implements memory.Allocator.
func (a *CountingAllocator) Reallocate(size int, b []byte) []byte {
	old := len(b)
	nb := a.mem.Reallocate(size, b)
	a.add(int64(size - old))
	return nb
}

// Free implements memory.Allocator.
func (a *CountingAllocator) Free(b []byte) {
	n := len(b)
	a.mem.Free(b)
	a.add(-int64(n))
}

// Live is the number of bytes allocated and not yet freed.
func (a *CountingAllocator) Live() int64 { return a.live.Load() }

// Peak is the largest value Live has had.
func (a *CountingAllocator) Peak() int64 { return a.peak.Load() }

// ResetPeak sets Peak to the current Live value (at the start of a run).
func (a *CountingAllocator) ResetPeak() { a.peak.Store(a.live.Load()) }
