package transform

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// block makes a record with int64 column "id" = lo..hi-1, string column "s" and a
// fixed-size-list<float32>[2] column "v" (the tensor layout).
func block(mem memory.Allocator, lo, hi int64) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "v", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32)},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	vb := b.Field(2).(*array.FixedSizeListBuilder)
	for v := lo; v < hi; v++ {
		b.Field(0).(*array.Int64Builder).Append(v)
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprint("s", v))
		vb.Append(true)
		vb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{float32(v), -float32(v)}, nil)
	}
	return b.NewRecordBatch()
}

func checkRows(t *testing.T, rec arrow.RecordBatch, want []int64) {
	t.Helper()
	if int(rec.NumRows()) != len(want) {
		t.Fatalf("%d rows, want %d", rec.NumRows(), len(want))
	}
	ids := rec.Column(0).(*array.Int64)
	s := rec.Column(1).(*array.String)
	v := rec.Column(2).(*array.FixedSizeList)
	vals := v.ListValues().(*array.Float32)
	for i, w := range want {
		lo, _ := v.ValueOffsets(i)
		if ids.Value(i) != w || s.Value(i) != fmt.Sprint("s", w) || vals.Value(int(lo)) != float32(w) || vals.Value(int(lo)+1) != -float32(w) {
			t.Fatalf("row %d: id %d s %s v %v, want %d", i, ids.Value(i), s.Value(i), vals.Value(int(lo)), w)
		}
	}
}

func span(lo, hi int64) []int64 {
	var out []int64
	for v := lo; v < hi; v++ {
		out = append(out, v)
	}
	return out
}

func TestRebatcher(t *testing.T) {
	cases := []struct {
		name   string
		blocks [][2]int64
		n      int
		sizes  []int64
	}{
		{"inside one block", [][2]int64{{0, 100}}, 30, []int64{30, 30, 30, 10}},
		{"spanning blocks", [][2]int64{{0, 7}, {7, 9}, {9, 30}}, 10, []int64{10, 10, 10}},
		{"empty blocks dropped", [][2]int64{{0, 0}, {0, 5}, {5, 5}}, 2, []int64{2, 2, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			r := NewRebatcher(mem, c.n)
			defer r.Release()
			for _, b := range c.blocks {
				r.Push(block(mem, b[0], b[1]))
			}
			var next int64
			var sizes []int64
			for {
				rec, ok, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					if rec, err = r.Flush(); err != nil {
						t.Fatal(err)
					}
					if rec == nil {
						break
					}
				}
				checkRows(t, rec, span(next, next+rec.NumRows()))
				next += rec.NumRows()
				sizes = append(sizes, rec.NumRows())
				rec.Release()
			}
			if fmt.Sprint(sizes) != fmt.Sprint(c.sizes) {
				t.Fatalf("sizes %v, want %v", sizes, c.sizes)
			}
		})
	}
}

func TestRebatcherZeroCopyInsideBlock(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := NewRebatcher(mem, 10)
	src := block(mem, 0, 100)
	src.Retain()
	r.Push(src)
	rec, ok, err := r.Next()
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if &rec.Column(0).(*array.Int64).Int64Values()[0] != &src.Column(0).(*array.Int64).Int64Values()[0] {
		t.Fatal("a batch inside one block was copied")
	}
	rec.Release()
	src.Release()
	r.Release()
}

func TestConcatSchemaMismatch(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := block(mem, 0, 3)
	defer a.Release()
	renamed := arrow.NewSchema([]arrow.Field{{Name: "other", Type: arrow.PrimitiveTypes.Int64}, a.Schema().Field(1), a.Schema().Field(2)}, nil)
	b := array.NewRecordBatch(renamed, a.Columns(), a.NumRows())
	defer b.Release()
	if _, err := ConcatRecords(mem, []arrow.RecordBatch{a, b}); err == nil {
		t.Fatal("concatenated blocks with different schemas")
	}
}

func TestTake(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := block(mem, 0, 50)
	defer src.Release()
	sl := src.NewSlice(10, 50) // offsets must be honoured
	defer sl.Release()
	idx := []int64{5, 0, 39, 5, 17}
	out, err := Take(context.Background(), mem, sl, idx)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	checkRows(t, out, []int64{15, 10, 49, 15, 27})
}

func TestShufflerIsSeededPermutation(t *testing.T) {
	run := func(seed uint64) []int64 {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		s := NewShuffler(mem, 100, 32, seed)
		defer s.Release()
		var out []int64
		take := func(final bool) {
			for {
				rec, err := s.Next(context.Background(), final)
				if err != nil {
					t.Fatal(err)
				}
				if rec == nil {
					return
				}
				if rec.NumRows() != 32 && !final {
					t.Fatalf("short batch %d before the end", rec.NumRows())
				}
				out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
				rec.Release()
			}
		}
		for lo := int64(0); lo < 1000; lo += 37 {
			s.Push(block(mem, lo, min(lo+37, 1000)))
			take(false)
		}
		take(true)
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different order")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("different seeds, same order")
	}
	seen := map[int64]bool{}
	for _, v := range a {
		seen[v] = true
	}
	if len(a) != 1000 || len(seen) != 1000 {
		t.Fatalf("%d rows, %d distinct", len(a), len(seen))
	}
}
