package tensor

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestFromTensorAndStack(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	data := []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	col, err := FromTensor(mem, New(data, 2, 3, 2).Tensor())
	if err != nil {
		t.Fatal(err)
	}
	if got := TypeString(col.DataType()); got != "tensor(shape=(3, 2), dtype=float32)" {
		t.Fatalf("type %s", got)
	}
	v, err := RowView[float32](col, 1)
	if err != nil || v.At(2, 1) != 11 {
		t.Fatalf("row 1 [2,1] = %v, %v", v.At(2, 1), err)
	}
	col.Release()

	// A transposed (non-contiguous) view is copied in C order.
	tr := New(data[:6], 2, 3).Tensor()
	tr.Shape, tr.Strides = []int{3, 2}, []int{1, 3}
	col, err = FromTensor(mem, tr)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ColumnView[float32](col)
	if fmt.Sprint(got.Data) != "[0 3 1 4 2 5]" {
		t.Fatalf("transposed copy %v", got.Data)
	}
	col.Release()

	// Rows of one shape stack to a fixed shape; of different shapes to a variable shape.
	a, b := New([]uint8{1, 2, 3, 4}, 2, 2).Tensor(), New([]uint8{5, 6}, 1, 2).Tensor()
	for _, c := range []struct {
		rows []Tensor
		want string
	}{{[]Tensor{a, a}, "tensor(shape=(2, 2), dtype=uint8)"}, {[]Tensor{a, b}, "tensor(ndim=2, dtype=uint8)"}} {
		col, err := Stack(mem, c.rows)
		if err != nil {
			t.Fatal(err)
		}
		if TypeString(col.DataType()) != c.want {
			t.Fatalf("stack type %s, want %s", TypeString(col.DataType()), c.want)
		}
		r1, err := RowView[uint8](col, 1)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(r1.Shape) != fmt.Sprint(c.rows[1].Shape) {
			t.Fatalf("row 1 shape %v", r1.Shape)
		}
		col.Release()
	}
	if _, err := Stack(mem, []Tensor{a, New([]float32{1}, 1).Tensor()}); err == nil {
		t.Fatal("stacked rows of different dtypes")
	}
}

func TestConvert(t *testing.T) {
	src := New([]uint8{0, 128, 255}, 3).Tensor()
	f, err := Convert(src, arrow.PrimitiveTypes.Float32)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ViewOf[float32](f)
	if fmt.Sprint(v.Data) != "[0 128 255]" {
		t.Fatalf("converted %v", v.Data)
	}
	if _, err := Convert(src, arrow.BinaryTypes.String); err == nil {
		t.Fatal("converted to string")
	}
}
