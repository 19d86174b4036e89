package expr

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Readers and writers of variable-length binary layouts (utf8, large_utf8, binary,
// large_binary) for the kernels: offsets and data straight from the buffers, no builder.

func isLarge(t arrow.DataType) bool {
	return t.ID() == arrow.LARGE_STRING || t.ID() == arrow.LARGE_BINARY
}

// binaryReader reads the values of one binary-like array; O is its offset type.
type binaryReader[O int32 | int64] struct {
	offs []O // len rows+1, from the array's offset
	data []byte
}

func readBinary[O int32 | int64](d arrow.ArrayData) binaryReader[O] {
	r := binaryReader[O]{data: nil}
	if d.Len() == 0 || d.Buffers()[1] == nil {
		r.offs = make([]O, d.Len()+1)
		return r
	}
	r.offs = arrow.GetOffsets[O](d, 1)
	if d.Buffers()[2] != nil {
		r.data = d.Buffers()[2].Bytes()
	}
	return r
}

func (r binaryReader[O]) value(i int) []byte { return r.data[r.offs[i]:r.offs[i+1]] }

// binaryWriter builds the offsets and data of a binary-like array of known row count.
type binaryWriter[O int32 | int64] struct {
	mem     memory.Allocator
	offsets *memory.Buffer
	offs    []O
	data    *memory.Buffer
	size    int // bytes of data written
	row     int
	limit   int64 // the largest offset O holds
	err     error
}

// newBinaryWriter expects rows values (more may come) of dataHint bytes in all.
func newBinaryWriter[O int32 | int64](mem memory.Allocator, rows, dataHint int) *binaryWriter[O] {
	w := &binaryWriter[O]{mem: mem}
	w.offsets, w.offs = newFixed[O](mem, rows+1)
	w.offs[0] = 0
	w.limit = maxOffset[O]()
	w.data = memory.NewResizableBuffer(mem)
	w.data.Reserve(max(dataHint, 1))
	return w
}

// growOffsets doubles the room for offsets when a row passes the expected count.
func (w *binaryWriter[O]) growOffsets() {
	var o O
	size := int(unsafe.Sizeof(o))
	rows := 2 * len(w.offs)
	w.offsets.Reserve(rows * size)
	w.offsets.Resize(rows * size)
	w.offs = arrow.GetData[O](w.offsets.Bytes())[:rows]
}

// reserve makes room for n more bytes and returns the slice to write them to.
func (w *binaryWriter[O]) reserve(n int) []byte {
	need := w.size + n
	if need > w.data.Cap() {
		w.data.Reserve(max(need, 2*w.data.Cap()))
	}
	w.data.ResizeNoShrink(need)
	return w.data.Bytes()[w.size:need]
}

// commit ends the current row after n bytes were written to reserve's slice.
func (w *binaryWriter[O]) commit(n int) {
	w.size += n
	w.row++
	if w.row >= len(w.offs) {
		w.growOffsets()
	}
	if int64(w.size) > w.limit && w.err == nil {
		w.err = fmt.Errorf("the result passes %d bytes, the most a %T-offset array holds", w.limit, O(0))
	}
	w.offs[w.row] = O(w.size)
}

func (w *binaryWriter[O]) append(b []byte) {
	copy(w.reserve(len(b)), b)
	w.commit(len(b))
}

func (w *binaryWriter[O]) appendString(s string) {
	copy(w.reserve(len(s)), s)
	w.commit(len(s))
}

func maxOffset[O int32 | int64]() int64 {
	var o O
	if any(o) == any(int32(0)) {
		return math.MaxInt32
	}
	return math.MaxInt64
}

// finish assembles the array of type t with the given validity.
func (w *binaryWriter[O]) finish(t arrow.DataType, validity *memory.Buffer, nulls int) (compute.Datum, error) {
	if w.err != nil {
		w.release()
		if validity != nil {
			validity.Release()
		}
		return nil, w.err
	}
	var o O
	w.offsets.Resize((w.row + 1) * int(unsafe.Sizeof(o)))
	if w.data.Cap() > 2*w.size+4096 {
		w.data.Resize(w.size) // give back a doubling's slack (one copy)
	} else {
		w.data.ResizeNoShrink(w.size)
	}
	return arrayDatum(t, w.row, nulls, []*memory.Buffer{validity, w.offsets, w.data}, nil), nil
}

func (w *binaryWriter[O]) release() {
	w.offsets.Release()
	w.data.Release()
}
