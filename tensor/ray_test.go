package tensor

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// rayFixedArray builds a Ray fixed-shape column of 3 rows of shape [2] float32 with row 1
// null: {0,1}, null (no elements), {4,5}.
func rayFixedArray(t *testing.T, mem memory.Allocator, v2 bool) arrow.Array {
	t.Helper()
	typ, err := NewRayTensor(arrow.PrimitiveTypes.Float32, []int{2}, v2)
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewBuilder(mem, typ.StorageType()).(array.ListLikeBuilder)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Float32Builder)
	b.Append(true)
	vb.AppendValues([]float32{0, 1}, nil)
	b.AppendNull()
	b.Append(true)
	vb.AppendValues([]float32{4, 5}, nil)
	storage := b.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(typ, storage)
}

// rayVariableArray builds a Ray variable-shaped column of 2 rows: [[1,2,3]] (1x3) and
// [[4],[5]] (2x1), int64 elements.
func rayVariableArray(t *testing.T, mem memory.Allocator) arrow.Array {
	t.Helper()
	typ, err := NewRayVariableShapedTensor(arrow.PrimitiveTypes.Int64, 2)
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewStructBuilder(mem, typ.StorageType().(*arrow.StructType))
	defer b.Release()
	db := b.FieldBuilder(0).(*array.LargeListBuilder)
	sb := b.FieldBuilder(1).(*array.ListBuilder)
	for _, row := range []struct{ data, shape []int64 }{{[]int64{1, 2, 3}, []int64{1, 3}}, {[]int64{4, 5}, []int64{2, 1}}} {
		b.Append(true)
		db.Append(true)
		db.ValueBuilder().(*array.Int64Builder).AppendValues(row.data, nil)
		sb.Append(true)
		sb.ValueBuilder().(*array.Int64Builder).AppendValues(row.shape, nil)
	}
	storage := b.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(typ, storage)
}

func TestRayDeserialize(t *testing.T) {
	f32 := arrow.PrimitiveTypes.Float32
	varStorage := arrow.StructOf(
		arrow.Field{Name: "data", Type: arrow.ListOf(f32)},
		arrow.Field{Name: "shape", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)})
	tests := []struct {
		name    string
		proto   arrow.ExtensionType
		storage arrow.DataType
		meta    string
		want    string // TypeString, or an error substring when wantErr
		wantErr bool
		pickle  bool
	}{
		{"v1 json", &RayTensorType{}, arrow.ListOf(f32), "[32, 32, 3]", "tensor(shape=(32, 32, 3), dtype=float32)", false, false},
		{"v2 json", &RayTensorType{v2: true}, arrow.LargeListOf(f32), "[4]", "tensor(shape=(4,), dtype=float32)", false, false},
		{"variable json (old list storage)", &RayVariableShapedTensorType{}, varStorage, "3", "tensor(ndim=3, dtype=float32)", false, false},
		{"v1 pickle", &RayTensorType{}, arrow.ListOf(f32), "\x80\x05\x95\x0b\x00", "Ray 2.49-2.54", true, true},
		{"v2 pickle", &RayTensorType{v2: true}, arrow.LargeListOf(f32), "\x80\x04K\x03.", "pickled tensor metadata", true, true},
		{"variable pickle", &RayVariableShapedTensorType{}, varStorage, "\x80\x05K\x03.", "Ray 2.49-2.54", true, true},
		{"v1 with large_list", &RayTensorType{}, arrow.LargeListOf(f32), "[2]", "must be list", true, false},
		{"v2 with list", &RayTensorType{v2: true}, arrow.ListOf(f32), "[2]", "must be large_list", true, false},
		{"shape not a list", &RayTensorType{}, arrow.ListOf(f32), `{"shape":[2]}`, "not a JSON list", true, false},
		{"negative dim", &RayTensorType{}, arrow.ListOf(f32), `[-2]`, "negative", true, false},
		{"ndim not a number", &RayVariableShapedTensorType{}, varStorage, `"x"`, "ndim", true, false},
		{"variable bad storage", &RayVariableShapedTensorType{}, arrow.ListOf(f32), "2", "struct<data, shape>", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.proto.Deserialize(tt.storage, tt.meta)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one containing %q", err, tt.want)
				}
				if errors.Is(err, ErrPickledMetadata) != tt.pickle {
					t.Fatalf("errors.Is(err, ErrPickledMetadata) = %v, want %v", !tt.pickle, tt.pickle)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := TypeString(got); s != tt.want {
				t.Fatalf("TypeString = %q, want %q", s, tt.want)
			}
			again, err := got.Deserialize(tt.storage, got.Serialize())
			if err != nil || !got.ExtensionEquals(again) {
				t.Fatalf("serialize round trip: %v, %v", again, err)
			}
		})
	}
}

func TestToCanonical(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "ray fixed v1", true: "ray fixed v2"}[v2], func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ray := rayFixedArray(t, mem, v2)
			defer ray.Release()
			out, err := ToCanonical(mem, ray)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			typ, ok := out.DataType().(*FixedShapeTensorType)
			if !ok || !equalInts(typ.Shape(), []int{2}) || out.Len() != 3 || !out.IsNull(1) || out.NullN() != 1 {
				t.Fatalf("got %v len %d nulls %d", out.DataType(), out.Len(), out.NullN())
			}
			v, err := ColumnView[float32](out)
			if err != nil {
				t.Fatal(err)
			}
			if v.At(0, 1) != 1 || v.At(2, 0) != 4 || v.At(2, 1) != 5 {
				t.Fatalf("values %v", v.Data)
			}
		})
	}
	t.Run("ray fixed evenly spaced is zero-copy", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		typ, err := NewRayTensor(arrow.PrimitiveTypes.Uint8, []int{3}, false)
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewListBuilder(mem, arrow.PrimitiveTypes.Uint8)
		defer b.Release()
		for i := range 4 {
			b.Append(true)
			b.ValueBuilder().(*array.Uint8Builder).AppendValues([]uint8{uint8(i), uint8(i), uint8(i)}, nil)
		}
		storage := b.NewArray()
		defer storage.Release()
		ray := array.NewExtensionArrayWithStorage(typ, storage)
		defer ray.Release()
		in, err := ColumnView[uint8](ray)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ToCanonical(mem, ray)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Release()
		v, err := ColumnView[uint8](out)
		if err != nil {
			t.Fatal(err)
		}
		if &v.Data[0] != &in.Data[0] || v.At(3, 2) != 3 {
			t.Fatalf("expected shared memory and value 3, got %v", v.Data)
		}
	})
	t.Run("ray variable", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ray := rayVariableArray(t, mem)
		defer ray.Release()
		out, err := ToCanonical(mem, ray)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Release()
		if _, ok := out.DataType().(*VariableShapeTensorType); !ok {
			t.Fatalf("type %v", out.DataType())
		}
		for i, want := range []struct {
			shape []int
			vals  []int64
		}{{[]int{1, 3}, []int64{1, 2, 3}}, {[]int{2, 1}, []int64{4, 5}}} {
			v, err := RowView[int64](out, i)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(v.Shape, want.shape) {
				t.Fatalf("row %d shape %v", i, v.Shape)
			}
			for j, x := range want.vals {
				if v.Data[j] != x {
					t.Fatalf("row %d = %v", i, v.Data)
				}
			}
		}
	})
	t.Run("canonical passes through", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		in, err := FromSlice(mem, []int{1}, []int8{1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Release()
		out, err := ToCanonical(mem, in)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Release()
		if out != in {
			t.Fatal("canonical column was not returned as is")
		}
	})
	t.Run("mismatched element count", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		typ, err := NewRayTensor(arrow.PrimitiveTypes.Int32, []int{2}, false)
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
		defer b.Release()
		b.Append(true)
		b.ValueBuilder().(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
		storage := b.NewArray()
		defer storage.Release()
		ray := array.NewExtensionArrayWithStorage(typ, storage)
		defer ray.Release()
		if _, err := ToCanonical(mem, ray); err == nil || !strings.Contains(err.Error(), "row 0 holds 3 elements") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("variable shape that lies", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		typ, err := NewRayVariableShapedTensor(arrow.PrimitiveTypes.Int64, 2)
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewStructBuilder(mem, typ.StorageType().(*arrow.StructType))
		defer b.Release()
		b.Append(true)
		db := b.FieldBuilder(0).(*array.LargeListBuilder)
		db.Append(true)
		db.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
		sb := b.FieldBuilder(1).(*array.ListBuilder)
		sb.Append(true)
		sb.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{2, 2}, nil)
		storage := b.NewArray()
		defer storage.Release()
		ray := array.NewExtensionArrayWithStorage(typ, storage)
		defer ray.Release()
		if _, err := ToCanonical(mem, ray); err == nil || !strings.Contains(err.Error(), "holds 4 elements but the row has 2") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not a tensor", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := array.NewInt8Builder(mem)
		defer b.Release()
		b.Append(1)
		a := b.NewArray()
		defer a.Release()
		if _, err := ToCanonical(mem, a); err == nil || !strings.Contains(err.Error(), "not a tensor column") {
			t.Fatalf("err = %v", err)
		}
	})
}
