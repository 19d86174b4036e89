package read

import (
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// pageBuffers is the allocator ReadParquet gives arrow-go's file reader, whose page readers
// (one per column chunk) each allocate three page-sized buffers (compressed bytes, data
// page, dictionary page) and free them when the chunk closes. pageBuffers keeps what they
// free of at least recycleMin bytes and hands it to the next chunk's page reader, so a file
// of many row groups allocates (and the Go allocator zeroes) its page buffers once per column
// rather than once per column chunk: in BenchmarkParquetRead the growth of those buffers took
// about a quarter of the page reader's CPU. Everything still comes from, and is counted by,
// the caller's allocator; release gives it all back at the end of the read. Smaller
// allocations pass straight through (to smallAllocs, see parquet_alloc.go).
//
// The memory handed out again is not zeroed: arrow-go's page reader overwrites the bytes it
// asks for (a decompression or a full read), as an allocator without zeroing (arrow-go's
// Mallocator) already requires of every caller.
type pageBuffers struct {
	next memory.Allocator
	mu   sync.Mutex
	free [][]byte                  // freed buffers, whole (their allocated length)
	out  map[unsafe.Pointer][]byte // buffers handed out, by first byte, whole
}

// recycleMin is the size from which pageBuffers keeps freed buffers: page buffers (pages are
// usually about 1 MiB), not the small allocations of footers and headers.
const recycleMin = 32 << 10

// recycleKeep bounds the buffers kept free, against a file whose page sizes vary widely.
const recycleKeep = 64

func newPageBuffers(next memory.Allocator) *pageBuffers {
	return &pageBuffers{next: next, out: make(map[unsafe.Pointer][]byte)}
}

func (a *pageBuffers) Allocate(n int) []byte {
	if n < recycleMin {
		return a.next.Allocate(n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	best := -1
	for i, b := range a.free {
		if len(b) >= n && (best < 0 || len(b) < len(a.free[best])) {
			best = i
		}
	}
	var whole []byte
	if best >= 0 {
		whole = a.free[best]
		a.free[best] = a.free[len(a.free)-1]
		a.free = a.free[:len(a.free)-1]
	} else {
		whole = a.next.Allocate(n)
	}
	a.out[unsafe.Pointer(unsafe.SliceData(whole))] = whole
	return whole[:n]
}

// whole returns the buffer b is the front of, if pageBuffers handed it out, and forgets it.
func (a *pageBuffers) take(b []byte) ([]byte, bool) {
	if cap(b) == 0 {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p := unsafe.Pointer(unsafe.SliceData(b))
	whole, ok := a.out[p]
	if ok {
		delete(a.out, p)
	}
	return whole, ok
}

func (a *pageBuffers) Free(b []byte) {
	if whole, ok := a.take(b); ok {
		a.keep(whole)
		return
	}
	a.next.Free(b)
}

func (a *pageBuffers) Reallocate(n int, b []byte) []byte {
	whole, ok := a.take(b)
	if !ok {
		if n < recycleMin && len(b) < recycleMin {
			return a.next.Reallocate(n, b)
		}
		out := a.Allocate(n)
		copy(out, b)
		a.next.Free(b)
		return out
	}
	if n <= len(whole) {
		a.mu.Lock()
		a.out[unsafe.Pointer(unsafe.SliceData(whole))] = whole
		a.mu.Unlock()
		return whole[:n]
	}
	out := a.Allocate(n)
	copy(out, b)
	a.keep(whole)
	return out
}

// keep adds whole, a buffer no longer handed out, to the free ones.
func (a *pageBuffers) keep(whole []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.free) < recycleKeep {
		a.free = append(a.free, whole)
		return
	}
	a.next.Free(whole)
}

// release frees the kept buffers to the caller's allocator, at the end of the read, after
// the file reader closed. A buffer still handed out (none, once every page reader closed)
// stays its holder's to free.
func (a *pageBuffers) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.free {
		a.next.Free(b)
	}
	a.free = nil
}

var _ memory.Allocator = (*pageBuffers)(nil)
