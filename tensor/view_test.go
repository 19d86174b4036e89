package tensor

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestColumnView(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	data := make([]float32, 4*2*3)
	for i := range data {
		data[i] = float32(i)
	}
	col, err := FromSlice(mem, []int{2, 3}, data, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Release()
	sliced := array.NewSlice(col, 1, 3)
	defer sliced.Release()

	tests := []struct {
		name  string
		arr   arrow.Array
		shape []int
		first float32
	}{
		{"whole column", col, []int{4, 2, 3}, 0},
		{"sliced column", sliced, []int{2, 2, 3}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ColumnView[float32](tt.arr)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(v.Shape, tt.shape) || !v.Contiguous() || v.Len() != len(v.Data) {
				t.Fatalf("shape %v strides %v len %d", v.Shape, v.Strides, len(v.Data))
			}
			if v.At(0, 0, 0) != tt.first || v.At(1, 1, 2) != tt.first+11 {
				t.Fatalf("values %v", v.Data)
			}
			row := v.Row(1)
			if !equalInts(row.Shape, []int{2, 3}) || row.At(0, 1) != tt.first+7 {
				t.Fatalf("row view %v", row)
			}
		})
	}
	t.Run("shares memory", func(t *testing.T) {
		v, err := ColumnView[float32](col)
		if err != nil {
			t.Fatal(err)
		}
		storage := col.(*FixedShapeTensorArray).Storage().(*array.FixedSizeList).ListValues().(*array.Float32)
		if &v.Data[0] != &storage.Float32Values()[0] {
			t.Fatal("ColumnView copied the data")
		}
	})
}

func TestColumnViewPrimitiveAndFloat16(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewFloat16Builder(mem)
	defer b.Release()
	b.AppendValues([]float16.Num{float16.New(1), float16.New(2.5), float16.New(-3)}, nil)
	a := b.NewArray()
	defer a.Release()
	v, err := ColumnView[float16.Num](a)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(v.Shape, []int{3}) || v.At(1).Float32() != 2.5 {
		t.Fatalf("view %v", v)
	}
}

func TestViewErrors(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col, err := FromSlice(mem, []int{2}, []int32{1, 2, 3, 4}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Release()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.Append("x")
	str := sb.NewArray()
	defer str.Release()
	variable, err := FromRows(mem, 1, [][]int32{{1}}, [][]int{{1}})
	if err != nil {
		t.Fatal(err)
	}
	defer variable.Release()
	ray := rayFixedArray(t, mem, false) // row 1 null with no elements: uneven rows
	defer ray.Release()

	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"wrong element type", func() error { _, err := ColumnView[float32](col); return err }, "element type is int32"},
		{"string column", func() error { _, err := ColumnView[int32](str); return err }, "not a tensor column"},
		{"variable column", func() error { _, err := ColumnView[int32](variable); return err }, "not a fixed-shape"},
		{"uneven ray rows", func() error { _, err := ColumnView[float32](ray); return err }, "ToCanonical"},
		{"row out of range", func() error { _, err := RowView[int32](col, 2); return err }, "out of range"},
		{"negative row", func() error { _, err := RowView[int32](col, -1); return err }, "out of range"},
		{"null row", func() error { _, err := RowView[float32](ray, 1); return err }, "is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRowViewRayAndVariable(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ray := rayFixedArray(t, mem, true)
	defer ray.Release()
	v, err := RowView[float32](ray, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(v.Shape, []int{2}) || v.At(0) != 4 || v.At(1) != 5 {
		t.Fatalf("ray row %v", v)
	}
	perm, err := FromRows(mem, 2, [][]uint16{{1, 2, 3, 4, 5, 6}}, [][]int{{2, 3}}, WithPermutation(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer perm.Release()
	pv, err := RowView[uint16](perm, 0)
	if err != nil {
		t.Fatal(err)
	}
	// physical [[1,2,3],[4,5,6]]; logical is its transpose
	if !equalInts(pv.Shape, []int{3, 2}) || pv.At(2, 1) != 6 || pv.At(0, 1) != 4 || pv.Contiguous() {
		t.Fatalf("permuted row %+v", pv)
	}
}

func TestViewAtPanicsOnBadIndex(t *testing.T) {
	v := View[int8]{Shape: []int{2}, Strides: []int{1}, Data: []int8{1, 2}}
	for _, idx := range [][]int{{2}, {-1}, {0, 0}} {
		t.Run("", func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("At(%v) did not panic", idx)
				}
			}()
			v.At(idx...)
		})
	}
}
