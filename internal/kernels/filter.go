package kernels

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rowRun is rows [start, start+n) of a column.
type rowRun struct{ start, n int }

// Filter keeps the rows of rec where mask (a boolean array of rec's length) is true; a null in
// mask drops its row. The kept rows are found as runs of consecutive rows, and each column
// copies a run at a time (one copy for the values, and for a string column one for its bytes
// and a loop over its offsets): a selective filter such as TPC-H Q1's, which keeps 98% of the
// rows, then costs about a memmove of the columns. arrow's filter gathers row by row through
// its take kernel (a builder append per string), which was a third of BenchmarkGroupByAggregate.
// When the kept runs are short (on average under minRunRows rows), the rows are gathered by
// index instead, with Take. The caller owns the result; rec is not released.
func Filter(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, mask *array.Boolean) (arrow.RecordBatch, error) {
	n := int(rec.NumRows())
	if mask.Len() != n {
		return nil, fmt.Errorf("sluice: filter: a mask of %d rows for %d", mask.Len(), n)
	}
	runs, kept := maskRuns(mask)
	if kept > 0 && len(runs)*minRunRows > kept {
		indices := make([]int64, 0, kept)
		for _, r := range runs {
			for i := r.start; i < r.start+r.n; i++ {
				indices = append(indices, int64(i))
			}
		}
		return Take(ctx, mem, rec, indices)
	}
	cols := make([]arrow.Array, rec.NumCols())
	defer releaseAll(cols)
	for i := range cols {
		c, err := filterColumn(ctx, mem, rec.Column(i), runs, kept)
		if err != nil {
			return nil, fmt.Errorf("sluice: filter: column %q: %w", rec.Schema().Field(i).Name, err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(kept)), nil
}

// minRunRows is the average run length below which Filter gathers rows by index: a copy() per
// run of a row or two costs more than a gather.
const minRunRows = 4

// filterColumn copies the runs of one column.
func filterColumn(ctx context.Context, mem memory.Allocator, col arrow.Array, runs []rowRun, kept int) (arrow.Array, error) {
	switch col.DataType().ID() {
	case arrow.STRING, arrow.BINARY:
		if a, ok := filterVarBinary[int32](mem, col, runs, kept); ok {
			return a, nil
		}
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		if a, ok := filterVarBinary[int64](mem, col, runs, kept); ok {
			return a, nil
		}
	case arrow.BOOL:
		data := col.Data()
		if b := data.Buffers()[1]; b != nil {
			vals := memory.NewResizableBuffer(mem)
			defer vals.Release()
			vals.Resize(int(bitutil.BytesForBits(int64(kept))))
			o := 0
			for _, r := range runs {
				bitutil.CopyBitmap(b.Bytes(), data.Offset()+r.start, r.n, vals.Bytes(), o)
				o += r.n
			}
			return finish(mem, col, runs, kept, []*memory.Buffer{nil, vals}), nil
		}
	default:
		if width, values, child, ok := fixedLayout(col); ok && child == nil {
			vals := memory.NewResizableBuffer(mem)
			defer vals.Release()
			vals.Resize(width * kept)
			dst := vals.Bytes()
			o := 0
			for _, r := range runs {
				o += copy(dst[o:], values[r.start*width:(r.start+r.n)*width])
			}
			return finish(mem, col, runs, kept, []*memory.Buffer{nil, vals}), nil
		}
	}
	indices := make([]int64, 0, kept)
	for _, r := range runs {
		for i := r.start; i < r.start+r.n; i++ {
			indices = append(indices, int64(i))
		}
	}
	return takeColumn1(ctx, mem, col, indices)
}

// finish makes the filtered column from its buffers (the validity one is made here from col's).
func finish(mem memory.Allocator, col arrow.Array, runs []rowRun, kept int, bufs []*memory.Buffer) arrow.Array {
	nulls := 0
	if col.NullN() > 0 {
		validity := memory.NewResizableBuffer(mem)
		defer validity.Release()
		validity.Resize(int(bitutil.BytesForBits(int64(kept))))
		src := col.Data().Buffers()[0].Bytes()
		o := 0
		for _, r := range runs {
			bitutil.CopyBitmap(src, col.Data().Offset()+r.start, r.n, validity.Bytes(), o)
			o += r.n
		}
		nulls = kept - bitutil.CountSetBits(validity.Bytes(), 0, kept)
		bufs[0] = validity
	}
	d := array.NewData(col.DataType(), kept, bufs, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// filterVarBinary copies the runs of a string or binary column: each run's bytes in one copy,
// its offsets shifted by where the run lands.
func filterVarBinary[O int32 | int64](mem memory.Allocator, col arrow.Array, runs []rowRun, kept int) (arrow.Array, bool) {
	offsets, values, ok := varBinaryBuffers[O](col)
	if !ok {
		return nil, false
	}
	var total int64
	for _, r := range runs {
		total += int64(offsets[r.start+r.n] - offsets[r.start])
	}
	ob := memory.NewResizableBuffer(mem)
	defer ob.Release()
	ob.Resize(int(unsafe.Sizeof(O(0))) * (kept + 1))
	vb := memory.NewResizableBuffer(mem)
	defer vb.Release()
	vb.Resize(int(total))
	outOff := arrow.GetData[O](ob.Bytes())[:kept+1]
	dst := vb.Bytes()
	var pos O
	o := 0
	for _, r := range runs {
		src := offsets[r.start : r.start+r.n+1]
		shift := pos - src[0]
		out := outOff[o : o+r.n]
		for j := range out {
			out[j] = src[j] + shift
		}
		pos += O(copy(dst[pos:], values[src[0]:src[r.n]]))
		o += r.n
	}
	outOff[kept] = pos
	return finish(mem, col, runs, kept, []*memory.Buffer{nil, ob, vb}), true
}

// maskRuns returns the runs of rows where mask is true and not null, and their total length.
func maskRuns(mask *array.Boolean) ([]rowRun, int) {
	n := mask.Len()
	data := mask.Data()
	bm := data.Buffers()[1].Bytes()
	off := data.Offset()
	if mask.NullN() > 0 || off%8 != 0 {
		// Align the bitmap, and clear the bits of nulls.
		buf := make([]byte, bitutil.BytesForBits(int64(n)))
		if mask.NullN() > 0 {
			bitutil.BitmapAnd(bm, data.Buffers()[0].Bytes(), int64(off), int64(off), buf, 0, int64(n))
		} else {
			bitutil.CopyBitmap(bm, off, n, buf, 0)
		}
		bm, off = buf, 0
	}
	bm = bm[off/8:]
	var runs []rowRun
	kept := 0
	start := -1 // the open run's first row, -1 for none
	for base := 0; base < n; base += 64 {
		width := min(64, n-base)
		var w uint64
		if b := bm[base/8:]; len(b) >= 8 {
			w = binary.LittleEndian.Uint64(b)
		} else {
			for j := len(b) - 1; j >= 0; j-- {
				w = w<<8 | uint64(b[j])
			}
		}
		if width < 64 {
			w &= 1<<width - 1
		}
		for pos := 0; pos < width; {
			if start < 0 {
				rest := w >> pos
				if rest == 0 {
					break
				}
				pos += bits.TrailingZeros64(rest)
				start = base + pos
			} else {
				rest := ^w >> pos
				if rest == 0 {
					break // ones to the end of the word: the run goes on
				}
				pos += bits.TrailingZeros64(rest)
				if pos >= width {
					break
				}
				runs = append(runs, rowRun{start, base + pos - start})
				kept += base + pos - start
				start = -1
			}
		}
	}
	if start >= 0 {
		runs = append(runs, rowRun{start, n - start})
		kept += n - start
	}
	return runs, kept
}
