package tensor

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// elemAt returns element i of native-order npy data as float64.
func elemAt(t *testing.T, dt arrow.DataType, data []byte, i int) float64 {
	t.Helper()
	switch dt.ID() {
	case arrow.BOOL, arrow.UINT8:
		return float64(data[i])
	case arrow.INT8:
		return float64(int8(data[i]))
	case arrow.INT16:
		return float64(sliceOf[int16](data)[i])
	case arrow.UINT16:
		return float64(sliceOf[uint16](data)[i])
	case arrow.INT32:
		return float64(sliceOf[int32](data)[i])
	case arrow.UINT64:
		return float64(sliceOf[uint64](data)[i])
	case arrow.FLOAT16:
		return float64(sliceOf[float16.Num](data)[i].Float32())
	case arrow.FLOAT32:
		return float64(sliceOf[float32](data)[i])
	case arrow.FLOAT64:
		return sliceOf[float64](data)[i]
	}
	t.Fatalf("unexpected dtype %v", dt)
	return 0
}

func TestReadNpyFixtures(t *testing.T) {
	arange := func(i int) float64 { return float64(i) }
	tests := []struct {
		file  string
		dtype arrow.DataType
		shape []int
		want  func(i int) float64
	}{
		{"v1_f4_2x3x4.npy", arrow.PrimitiveTypes.Float32, []int{2, 3, 4}, arange},
		{"v3_i2_2x3x4.npy", arrow.PrimitiveTypes.Int16, []int{2, 3, 4}, arange},
		{"be_f8_2x3x4.npy", arrow.PrimitiveTypes.Float64, []int{2, 3, 4}, arange},
		{"be_i4_2x3x4.npy", arrow.PrimitiveTypes.Int32, []int{2, 3, 4}, arange},
		{"fortran_u2_2x3x4.npy", arrow.PrimitiveTypes.Uint16, []int{2, 3, 4}, arange},
		{"bool_5x3.npy", arrow.FixedWidthTypes.Boolean, []int{5, 3}, func(i int) float64 {
			if i%3 == 0 {
				return 1
			}
			return 0
		}},
		{"f2_4x2.npy", arrow.FixedWidthTypes.Float16, []int{4, 2}, arange},
		{"u8_1d.npy", arrow.PrimitiveTypes.Uint64, []int{7}, arange},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			npy, err := ReadNpy(f)
			if err != nil {
				t.Fatal(err)
			}
			if !arrow.TypeEqual(npy.DType, tt.dtype) || !equalInts(npy.Shape, tt.shape) {
				t.Fatalf("got %v %v, want %v %v", npy.DType, npy.Shape, tt.dtype, tt.shape)
			}
			n := 1
			for _, d := range tt.shape {
				n *= d
			}
			for i := 0; i < n; i++ {
				if got := elemAt(t, npy.DType, npy.Data, i); got != tt.want(i) {
					t.Fatalf("element %d = %v, want %v", i, got, tt.want(i))
				}
			}

			// The same file as an Arrow column, axis 0 as rows.
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			if _, err := f.Seek(0, 0); err != nil {
				t.Fatal(err)
			}
			arr, err := ReadNpyArray(mem, f)
			if err != nil {
				t.Fatal(err)
			}
			defer arr.Release()
			if arr.Len() != tt.shape[0] {
				t.Fatalf("rows = %d, want %d", arr.Len(), tt.shape[0])
			}
			if len(tt.shape) == 1 {
				if _, isExt := arr.(array.ExtensionArray); isExt || !arrow.TypeEqual(arr.DataType(), tt.dtype) {
					t.Fatalf("1-d array became %v, want plain %v", arr.DataType(), tt.dtype)
				}
			} else {
				ft, ok := arr.DataType().(*FixedShapeTensorType)
				if !ok || !equalInts(ft.Shape(), tt.shape[1:]) {
					t.Fatalf("type %v, want fixed shape %v", arr.DataType(), tt.shape[1:])
				}
			}
			var back strings.Builder
			if err := WriteNpyArray(&back, arr); err != nil {
				t.Fatal(err)
			}
			again, err := ReadNpy(strings.NewReader(back.String()))
			if err != nil {
				t.Fatal(err)
			}
			if string(again.Data) != string(npy.Data) || !equalInts(again.Shape, npy.Shape) {
				t.Fatalf("column -> .npy round trip changed the data")
			}
		})
	}
}

func TestReadNpyRejectsFixtures(t *testing.T) {
	tests := []struct{ file, want string }{
		{"object.npy", "object dtype"},
		{"structured.npy", "structured"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadNpy(strings.NewReader(string(b)))
			if !errors.Is(err, ErrNpy) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrNpy mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReadPyarrowIPC(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f, err := os.Open(filepath.Join("testdata", "fixed_shape_tensor.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.RecordBatch(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("image", func(t *testing.T) {
		typ, ok := rec.Column(0).DataType().(*FixedShapeTensorType)
		if !ok || !equalInts(typ.Shape(), []int{2, 3}) || !equalStrings(typ.DimNames(), []string{"H", "W"}) {
			t.Fatalf("type %v", rec.Column(0).DataType())
		}
		v, err := ColumnView[float32](rec.Column(0))
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(v.Shape, []int{4, 2, 3}) {
			t.Fatalf("shape %v", v.Shape)
		}
		for i := range 4 {
			for h := range 2 {
				for w := range 3 {
					if got := v.At(i, h, w); got != float32(i*6+h*3+w) {
						t.Fatalf("[%d,%d,%d] = %v", i, h, w, got)
					}
				}
			}
		}
	})
	t.Run("label", func(t *testing.T) {
		row, err := RowView[uint8](rec.Column(1), 2)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 4 {
			if got := row.At(j); got != uint8(8+j) {
				t.Fatalf("[2,%d] = %d", j, got)
			}
		}
		if got := TypeString(rec.Column(1).DataType()); got != "tensor(shape=(4,), dtype=uint8)" {
			t.Fatalf("TypeString = %q", got)
		}
	})
	t.Run("permutation", func(t *testing.T) {
		v, err := ColumnView[int64](rec.Column(2))
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(v.Shape, []int{4, 3, 2}) || v.Contiguous() {
			t.Fatalf("logical shape %v (contiguous %v), want [4 3 2] strided", v.Shape, v.Contiguous())
		}
		for i := range 4 {
			for a := range 3 {
				for b := range 2 {
					if got := v.At(i, a, b); got != int64(i*6+b*3+a) {
						t.Fatalf("[%d,%d,%d] = %d", i, a, b, got)
					}
				}
			}
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

// pythonCheck is run by python3 on the files TestPythonReadsGo writes.
const pythonCheck = `
import sys
import numpy as np
import pyarrow as pa
d = sys.argv[1]
a = np.load(d + "/f4.npy")
assert a.dtype == np.float32 and a.shape == (3, 2, 2), (a.dtype, a.shape)
assert (a.ravel() == np.arange(12, dtype=np.float32) / 2).all(), a
b = np.load(d + "/bool.npy")
assert b.dtype == np.bool_ and b.shape == (4, 3) and (b.ravel() == (np.arange(12) % 2 == 1)).all(), b
u = np.load(d + "/u2_1d.npy")
assert u.dtype == np.uint16 and (u == np.arange(5)).all(), u
t = pa.ipc.open_file(d + "/tensors.arrow").read_all()
fixed = t.column("fixed").chunk(0)
assert isinstance(fixed.type, pa.FixedShapeTensorType), fixed.type
assert fixed.type.shape == [2, 2] and fixed.type.dim_names == ["H", "W"], fixed.type
assert (fixed.to_numpy_ndarray() == (np.arange(12, dtype=np.float32) / 2).reshape(3, 2, 2)).all()
var = t.column("variable").chunk(0)
assert var.type.extension_name == "arrow.variable_shape_tensor", var.type
st = var.storage
assert st.field("shape").to_pylist() == [[1, 2], [2, 1], [0, 3]], st.field("shape")
assert st.field("data").to_pylist() == [[1, 2], [3, 4], []], st.field("data")
print("ok")
`

func TestPythonReadsGo(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("skipping Go-to-Python interop: python3 is not installed")
	}
	if out, err := exec.Command(py, "-c", "import numpy, pyarrow").CombinedOutput(); err != nil {
		t.Skipf("skipping Go-to-Python interop: numpy or pyarrow missing (pip install pyarrow numpy): %s", out)
	}
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()

	vals := make([]float32, 12)
	for i := range vals {
		vals[i] = float32(i) / 2
	}
	fixed, err := FromSlice(mem, []int{2, 2}, vals, 3, WithDimNames("H", "W"))
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Release()
	bools := make([]bool, 12)
	for i := range bools {
		bools[i] = i%2 == 1
	}
	barr, err := FromBools(mem, []int{3}, bools, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer barr.Release()
	ub := array.NewUint16Builder(mem)
	ub.AppendValues([]uint16{0, 1, 2, 3, 4}, nil)
	uarr := ub.NewArray()
	ub.Release()
	defer uarr.Release()
	for name, arr := range map[string]arrow.Array{"f4.npy": fixed, "bool.npy": barr, "u2_1d.npy": uarr} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteNpyArray(f, arr); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}

	variable, err := FromRows(mem, 2, [][]int32{{1, 2}, {3, 4}, {}}, [][]int{{1, 2}, {2, 1}, {0, 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer variable.Release()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "fixed", Type: fixed.DataType(), Nullable: true},
		{Name: "variable", Type: variable.DataType(), Nullable: true},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{fixed, variable}, 3)
	defer rec.Release()
	f, err := os.Create(filepath.Join(dir, "tensors.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(py, "-c", pythonCheck, dir).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python check failed: %v\n%s", err, out)
	}
}
