package gorgonia

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	gt "gorgonia.org/tensor"

	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
)

func TestFromColumnSharesMemory(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col, err := tensor.FromSlice(mem, []int{2, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Release()
	d, err := FromColumn[float32](col)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int(d.Shape()); len(got) != 3 || got[0] != 2 || got[2] != 2 {
		t.Fatalf("shape %v", got)
	}
	x, err := d.At(1, 0, 1)
	if err != nil || x.(float32) != 6 {
		t.Fatalf("At(1,0,1) = %v, %v", x, err)
	}
	v, err := tensor.ColumnView[float32](col)
	if err != nil {
		t.Fatal(err)
	}
	if &d.Data().([]float32)[0] != &v.Data[0] {
		t.Fatal("Dense does not share the Arrow buffer")
	}
}

func TestToColumn(t *testing.T) {
	tests := []struct {
		name  string
		dense *gt.Dense
		want  string
		rows  int
	}{
		{"3-d float64", gt.New(gt.WithShape(3, 2, 2), gt.WithBacking([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})), "tensor(shape=(2, 2), dtype=float64)", 3},
		{"1-d int32", gt.New(gt.WithShape(4), gt.WithBacking([]int32{1, 2, 3, 4})), "int32", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			col, err := ToColumn(mem, tt.dense)
			if err != nil {
				t.Fatal(err)
			}
			defer col.Release()
			if got := tensor.TypeString(col.DataType()); got != tt.want || col.Len() != tt.rows {
				t.Fatalf("got %s with %d rows, want %s with %d", got, col.Len(), tt.want, tt.rows)
			}
		})
	}
	t.Run("transposed view is materialized", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		d := gt.New(gt.WithShape(2, 3), gt.WithBacking([]int64{1, 2, 3, 4, 5, 6}))
		if err := d.T(); err != nil {
			t.Fatal(err)
		}
		col, err := ToColumn(mem, d)
		if err != nil {
			t.Fatal(err)
		}
		defer col.Release()
		v, err := tensor.ColumnView[int64](col)
		if err != nil {
			t.Fatal(err)
		}
		if v.Shape[0] != 3 || v.At(0, 1) != 4 || v.At(2, 0) != 3 {
			t.Fatalf("transposed column %v %v", v.Shape, v.Data)
		}
	})
}

func TestDenseErrors(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col, err := tensor.FromSlice(mem, []int{2, 3}, []uint8{1, 2, 3, 4, 5, 6}, 1, tensor.WithPermutation(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Release()
	b := array.NewInt8Builder(mem)
	defer b.Release()
	empty := b.NewArray()
	defer empty.Release()
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"permuted", func() error { _, err := FromColumn[uint8](col); return err }, "not row-major"},
		{"wrong type", func() error { _, err := FromColumn[float32](col); return err }, "element type"},
		{"empty", func() error { _, err := FromColumn[int8](empty); return err }, "no elements"},
		{"0-d", func() error { _, err := Dense(tensor.View[int8]{}); return err }, "0-d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
