package tensor

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Number is the set of element types a View can expose in place: every supported element
// type except bool, which Arrow stores one bit per value.
type Number interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 |
		float16.Num | float32 | float64
}

// ElemTypeOf returns the Arrow data type of the Go element type T.
func ElemTypeOf[T Number]() arrow.DataType {
	var z T
	switch any(z).(type) {
	case int8:
		return arrow.PrimitiveTypes.Int8
	case int16:
		return arrow.PrimitiveTypes.Int16
	case int32:
		return arrow.PrimitiveTypes.Int32
	case int64:
		return arrow.PrimitiveTypes.Int64
	case uint8:
		return arrow.PrimitiveTypes.Uint8
	case uint16:
		return arrow.PrimitiveTypes.Uint16
	case uint32:
		return arrow.PrimitiveTypes.Uint32
	case uint64:
		return arrow.PrimitiveTypes.Uint64
	case float16.Num:
		return arrow.FixedWidthTypes.Float16
	case float32:
		return arrow.PrimitiveTypes.Float32
	default:
		return arrow.PrimitiveTypes.Float64
	}
}

// IsElemType reports whether dt can be a tensor element type.
func IsElemType(dt arrow.DataType) bool {
	return dt != nil && elemBits(dt) > 0
}

// elemBits is the width of one element in bits, or 0 for an unsupported type.
func elemBits(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.BOOL:
		return 1
	case arrow.INT8, arrow.UINT8:
		return 8
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		return 16
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32:
		return 32
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64:
		return 64
	}
	return 0
}

// dtypeName is the NumPy name of an element type, used by TypeString.
func dtypeName(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.BOOL:
		return "bool"
	case arrow.FLOAT16:
		return "float16"
	case arrow.FLOAT32:
		return "float32"
	case arrow.FLOAT64:
		return "float64"
	}
	return dt.Name()
}

func checkElem(dt arrow.DataType) error {
	if !IsElemType(dt) {
		return fmt.Errorf("sluice: tensor: element type %v is not supported (want bool, int8-64, uint8-64, float16, float32 or float64)", dt)
	}
	return nil
}

// shapeSize returns the product of dims, or an error when a dimension is negative or the
// product does not fit in limit.
func shapeSize(dims []int, limit int64) (int, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, dims)
		}
		if d != 0 && n > limit/int64(d) {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, limit)
		}
		n *= int64(d)
	}
	return int(n), nil
}

const maxInt = int64(^uint(0) >> 1)

// bytesOf reinterprets a slice of numbers as its bytes without copying.
func bytesOf[T Number](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// sliceOf reinterprets bytes as a slice of T without copying. b must be aligned for T
// (Arrow buffers are 64-byte aligned; offsets are multiples of the element size).
func sliceOf[T Number](b []byte) []T {
	var z T
	n := len(b) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

func allocOrDefault(mem memory.Allocator) memory.Allocator {
	if mem == nil {
		return memory.DefaultAllocator
	}
	return mem
}
