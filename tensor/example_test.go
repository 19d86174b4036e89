package tensor_test

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/tensor"
)

// A column of two 2x3 float32 tensors, viewed in place.
func ExampleFromSlice() {
	mem := memory.NewGoAllocator()
	col, err := tensor.FromSlice(mem, []int{2, 3}, []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2)
	if err != nil {
		panic(err)
	}
	defer col.Release()
	fmt.Println(tensor.TypeString(col.DataType()))

	v, err := tensor.ColumnView[float32](col) // [2, 2, 3], no copy
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Shape, v.At(1, 0, 2))
	// Output:
	// tensor(shape=(2, 3), dtype=float32)
	// [2 2 3] 8
}

// Images of different sizes go in a variable-shape column.
func ExampleFromRows() {
	mem := memory.NewGoAllocator()
	col, err := tensor.FromRows(mem, 3,
		[][]uint8{make([]uint8, 2*2*3), make([]uint8, 1*4*3)},
		[][]int{{2, 2, 3}, {1, 4, 3}},
		tensor.WithUniformShape(-1, -1, 3))
	if err != nil {
		panic(err)
	}
	defer col.Release()
	row, err := tensor.RowView[uint8](col, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(tensor.TypeString(col.DataType()), row.Shape)
	// Output:
	// tensor(shape=(None, None, 3), dtype=uint8) [1 4 3]
}

// A column goes to .npy with axis 0 as rows, and comes back.
func ExampleWriteNpyArray() {
	mem := memory.NewGoAllocator()
	col, err := tensor.FromSlice(mem, []int{2}, []int16{1, 2, 3, 4, 5, 6}, 3)
	if err != nil {
		panic(err)
	}
	defer col.Release()
	var file bytes.Buffer
	if err := tensor.WriteNpyArray(&file, col); err != nil {
		panic(err)
	}
	npy, err := tensor.ReadNpy(bytes.NewReader(file.Bytes()))
	if err != nil {
		panic(err)
	}
	fmt.Println(npy.DType, npy.Shape, len(npy.Data))

	back, err := tensor.ReadNpyArray(mem, bytes.NewReader(file.Bytes()))
	if err != nil {
		panic(err)
	}
	defer back.Release()
	fmt.Println(back.Len(), tensor.TypeString(back.DataType()))
	// Output:
	// int16 [3 2] 12
	// 3 tensor(shape=(2,), dtype=int16)
}
