package tensor

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestFromSliceErrors(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tests := []struct {
		name  string
		shape []int
		data  []uint8
		nrows int
		want  string
	}{
		{"too few elements", []int{2, 2}, []uint8{1, 2, 3}, 1, "data has 3 elements"},
		{"negative rows", []int{1}, nil, -1, "data has 0 elements"},
		{"negative dimension", []int{-2}, nil, 0, "negative dimension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FromSlice(mem, tt.shape, tt.data, tt.nrows); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFromBools(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	arr, err := FromBools(mem, []int{3}, []bool{true, false, true, false, false, true}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	if got := TypeString(arr.DataType()); got != "tensor(shape=(3,), dtype=bool)" {
		t.Fatalf("TypeString = %q", got)
	}
	var sb strings.Builder
	if err := WriteNpyArray(&sb, arr); err != nil {
		t.Fatal(err)
	}
	npy, err := ReadNpy(strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if string(npy.Data) != "\x01\x00\x01\x00\x00\x01" || !equalInts(npy.Shape, []int{2, 3}) {
		t.Fatalf("npy %v %q", npy.Shape, npy.Data)
	}
}

func TestFromRows(t *testing.T) {
	tests := []struct {
		name   string
		rows   [][]float32
		shapes [][]int
		opts   []Option
		want   string // error substring; "" for success
	}{
		{name: "ok", rows: [][]float32{{1, 2, 3, 4, 5, 6}, {7}}, shapes: [][]int{{2, 3}, {1, 1}}},
		{name: "empty", rows: nil, shapes: nil},
		{name: "count mismatch", rows: [][]float32{{1, 2}}, shapes: [][]int{{3, 1}}, want: "row 0: shape [3 1] holds 3 elements but the row has 2"},
		{name: "ndim mismatch", rows: [][]float32{{1}}, shapes: [][]int{{1}}, want: "has 1 dimensions, want 2"},
		{name: "rows and shapes", rows: [][]float32{{1}}, shapes: nil, want: "1 rows but 0 shapes"},
		{name: "uniform broken", rows: [][]float32{{1, 2}}, shapes: [][]int{{1, 2}}, opts: []Option{WithUniformShape(-1, 3)}, want: "uniform_shape"},
		{name: "overflow", rows: [][]float32{{}}, shapes: [][]int{{1 << 40, 1 << 40}}, want: "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			arr, err := FromRows(mem, 2, tt.rows, tt.shapes, tt.opts...)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer arr.Release()
			if arr.Len() != len(tt.rows) {
				t.Fatalf("len %d", arr.Len())
			}
			for i, row := range tt.rows {
				v, err := RowView[float32](arr, i)
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(v.Shape, tt.shapes[i]) || len(v.Data) != len(row) {
					t.Fatalf("row %d: %v", i, v)
				}
				for j := range row {
					if v.Data[j] != row[j] {
						t.Fatalf("row %d: %v, want %v", i, v.Data, row)
					}
				}
			}
		})
	}
}

func TestTypeString(t *testing.T) {
	u8 := arrow.PrimitiveTypes.Uint8
	must := func(dt arrow.DataType, err error) arrow.DataType {
		if err != nil {
			t.Fatal(err)
		}
		return dt
	}
	fixed := func(shape []int, opts ...Option) arrow.DataType { return must(NewFixedShape(u8, shape, opts...)) }
	variable := func(ndim int, opts ...Option) arrow.DataType { return must(NewVariableShape(u8, ndim, opts...)) }
	tests := []struct {
		dt   arrow.DataType
		want string
	}{
		{fixed([]int{32, 32, 3}), "tensor(shape=(32, 32, 3), dtype=uint8)"},
		{fixed([]int{3, 32, 32}, WithPermutation(1, 2, 0)), "tensor(shape=(32, 32, 3), dtype=uint8)"},
		{fixed([]int{10}), "tensor(shape=(10,), dtype=uint8)"},
		{variable(3, WithUniformShape(-1, -1, 3)), "tensor(shape=(None, None, 3), dtype=uint8)"},
		{variable(3), "tensor(ndim=3, dtype=uint8)"},
		{must(NewFixedShape(arrow.PrimitiveTypes.Float32, []int{2})), "tensor(shape=(2,), dtype=float32)"},
		{arrow.PrimitiveTypes.Int64, "int64"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := TypeString(tt.dt); got != tt.want {
				t.Fatalf("TypeString = %q, want %q", got, tt.want)
			}
		})
	}
}
