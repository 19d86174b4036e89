package tensor

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// FuzzReadNpy feeds arbitrary bytes to the .npy reader: it must return an error or a
// consistent array, never panic, and what it accepts must survive a write and re-read.
// Seeds: testdata/fuzz/FuzzReadNpy.
func FuzzReadNpy(f *testing.F) {
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }\n", make([]byte, 8)))
	f.Add(npyFile(3, "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }\n", []byte{0, 1, 0, 2, 0, 3, 0, 4}))
	f.Add(npyFile(2, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", []byte{1, 0, 1}))
	f.Fuzz(func(t *testing.T, in []byte) {
		npy, err := ReadNpy(bytes.NewReader(in))
		if err != nil {
			return
		}
		n := 1
		for _, d := range npy.Shape {
			n *= d
		}
		if want := n * max(elemBits(npy.DType)/8, 1); len(npy.Data) != want {
			t.Fatalf("data has %d bytes, shape %v of %v needs %d", len(npy.Data), npy.Shape, npy.DType, want)
		}
		var out bytes.Buffer
		if err := WriteNpy(&out, npy.DType, npy.Shape, npy.Data); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, err := ReadNpy(&out)
		if err != nil || !bytes.Equal(again.Data, npy.Data) || !equalInts(again.Shape, npy.Shape) {
			t.Fatalf("re-read: %v", err)
		}
		if len(npy.Shape) > 0 && npy.DType.ID() != arrow.BOOL { // bool bytes other than 0/1 do not round trip
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			arr, err := ReadNpyArray(mem, bytes.NewReader(in))
			if err != nil {
				return // e.g. a row too large for a fixed_size_list
			}
			defer arr.Release()
			var col bytes.Buffer
			if err := WriteNpyArray(&col, arr); err != nil {
				t.Fatalf("column write: %v", err)
			}
			back, err := ReadNpy(&col)
			if err != nil || !bytes.Equal(back.Data, npy.Data) {
				t.Fatalf("column round trip: %v", err)
			}
		}
	})
}

// FuzzTensorMetadata feeds arbitrary metadata to every tensor type's Deserialize over a few
// storage types: it must return an error or a type that serializes back to an equal one.
// Seeds: testdata/fuzz/FuzzTensorMetadata.
func FuzzTensorMetadata(f *testing.F) {
	f.Add(uint8(0), `{"shape":[2,3],"dim_names":["H","W"],"permutation":[1,0]}`)
	f.Add(uint8(1), `{"uniform_shape":[null,3],"dim_names":["a","b"]}`)
	f.Add(uint8(2), `[2, 3]`)
	f.Add(uint8(3), "\x80\x05K\x02.")
	f.Add(uint8(4), `2`)
	f32 := arrow.PrimitiveTypes.Float32
	storages := []arrow.DataType{
		arrow.FixedSizeListOf(6, f32),
		arrow.StructOf(arrow.Field{Name: "data", Type: arrow.ListOf(f32)}, arrow.Field{Name: "shape", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int32)}),
		arrow.ListOf(f32),
		arrow.LargeListOf(f32),
		arrow.StructOf(arrow.Field{Name: "data", Type: arrow.LargeListOf(f32)}, arrow.Field{Name: "shape", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}),
	}
	protos := []arrow.ExtensionType{&FixedShapeTensorType{}, &VariableShapeTensorType{}, &RayTensorType{}, &RayTensorType{v2: true}, &RayVariableShapedTensorType{}}
	f.Fuzz(func(t *testing.T, which uint8, meta string) {
		for _, proto := range protos {
			st := storages[int(which)%len(storages)]
			typ, err := proto.Deserialize(st, meta)
			if err != nil {
				continue
			}
			again, err := typ.Deserialize(st, typ.Serialize())
			if err != nil || !typ.ExtensionEquals(again) {
				t.Fatalf("%s: %q -> %q does not round trip: %v", proto.ExtensionName(), meta, typ.Serialize(), err)
			}
			_ = TypeString(typ)
		}
	})
}
