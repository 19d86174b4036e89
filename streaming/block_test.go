package streaming

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestBlockBytesCountsSlicesByShare(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "v", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32)},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for r := 0; r < 1000; r++ {
		b.Field(0).(*array.Int64Builder).Append(int64(r))
		b.Field(1).(*array.StringBuilder).Append("abcd")
		fl := b.Field(2).(*array.FixedSizeListBuilder)
		fl.Append(true)
		fl.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{1, 2, 3, 4}, nil)
		ll := b.Field(3).(*array.ListBuilder)
		ll.Append(true)
		ll.ValueBuilder().(*array.Int32Builder).AppendValues([]int32{1, 2}, nil)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	// Per row: 8 (int64) + 4 (string bytes) + 4 (offset) + 16 (tensor) + 4 (offset) + 8 (list
	// values), plus the builders' validity bitmaps: 125 bytes for each of the four columns, 500
	// for the 4000 tensor values and 250 for the 2000 list values.
	whole := BlockBytes(rec)
	if lo, hi := int64(1000*44+4+4), int64(1000*44+4+4+1250); whole < lo || whole > hi {
		t.Fatalf("whole block: %d bytes, want %d to %d", whole, lo, hi)
	}
	var parts int64
	for lo := int64(0); lo < 1000; lo += 100 {
		s := rec.NewSlice(lo, lo+100)
		parts += BlockBytes(s)
		s.Release()
	}
	if parts < whole || parts > whole+10*16 { // each slice adds an offset per list and rounds its bitmaps up
		t.Fatalf("ten slices count %d bytes, the block %d", parts, whole)
	}
}
