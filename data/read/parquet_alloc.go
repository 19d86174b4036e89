package read

import "github.com/apache/arrow-go/v18/arrow/memory"

// smallAllocs is the allocator ReadParquet gives pqarrow: allocations under smallAlloc bytes
// are ordinary Go memory, the rest come from the caller's allocator. arrow-go v18.8.0's
// DELTA_BINARY_PACKED decoder (also inside DELTA_BYTE_ARRAY and DELTA_LENGTH_BYTE_ARRAY)
// allocates a buffer of one byte per miniblock, 64 bytes once aligned, from the record
// reader's allocator and never releases it (encoding/delta_bit_packing.go, deltaBitWidths): an
// exact count such as the executor's memory budget would drift up by that much for every
// page decoder, forever. The Go heap takes those, and any other allocation too small to
// matter to a budget; everything sized by the data still counts.
type smallAllocs struct{ memory.Allocator }

// smallAlloc is the size under which smallAllocs leaves the caller's allocator out.
const smallAlloc = 256

func (a smallAllocs) Allocate(n int) []byte {
	if n < smallAlloc {
		return make([]byte, n)
	}
	return a.Allocator.Allocate(n)
}

// Free releases b, which the caller's allocator gave out when it is at least smallAlloc
// long: memory.Buffer frees the slice an Allocate or Reallocate returned, at its length.
func (a smallAllocs) Free(b []byte) {
	if len(b) >= smallAlloc {
		a.Allocator.Free(b)
	}
}

func (a smallAllocs) Reallocate(n int, b []byte) []byte {
	switch {
	case len(b) >= smallAlloc && n >= smallAlloc:
		return a.Allocator.Reallocate(n, b)
	case len(b) < smallAlloc && n < smallAlloc:
		if n <= cap(b) {
			return b[:n]
		}
		out := make([]byte, n)
		copy(out, b)
		return out
	}
	out := a.Allocate(n)
	copy(out, b)
	a.Free(b)
	return out
}

var _ memory.Allocator = smallAllocs{}
