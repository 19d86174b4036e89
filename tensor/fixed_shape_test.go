package tensor

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestNewFixedShape(t *testing.T) {
	f32 := arrow.PrimitiveTypes.Float32
	tests := []struct {
		name    string
		elem    arrow.DataType
		shape   []int
		opts    []Option
		meta    string
		wantErr string
	}{
		{name: "plain", elem: f32, shape: []int{2, 3}, meta: `{"shape":[2,3]}`},
		{name: "names and permutation", elem: arrow.PrimitiveTypes.Uint8, shape: []int{32, 32, 3},
			opts: []Option{WithDimNames("H", "W", "C"), WithPermutation(2, 0, 1)},
			meta: `{"shape":[32,32,3],"dim_names":["H","W","C"],"permutation":[2,0,1]}`},
		{name: "scalar rows", elem: arrow.FixedWidthTypes.Boolean, shape: []int{}, meta: `{"shape":[]}`},
		{name: "unsupported element", elem: arrow.BinaryTypes.String, shape: []int{2}, wantErr: "not supported"},
		{name: "negative dimension", elem: f32, shape: []int{2, -1}, wantErr: "negative dimension"},
		{name: "overflowing shape", elem: f32, shape: []int{1 << 20, 1 << 20}, wantErr: "more than"},
		{name: "bad permutation", elem: f32, shape: []int{2, 3}, opts: []Option{WithPermutation(0, 0)}, wantErr: "not a permutation"},
		{name: "dim names count", elem: f32, shape: []int{2, 3}, opts: []Option{WithDimNames("H")}, wantErr: "dim_names"},
		{name: "uniform shape", elem: f32, shape: []int{2}, opts: []Option{WithUniformShape(2)}, wantErr: "variable-shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := NewFixedShape(tt.elem, tt.shape, tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sluice: tensor") {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typ.Serialize(); got != tt.meta {
				t.Fatalf("Serialize = %s, want %s", got, tt.meta)
			}
			back, err := typ.Deserialize(typ.StorageType(), typ.Serialize())
			if err != nil {
				t.Fatal(err)
			}
			if !typ.ExtensionEquals(back) || !arrow.TypeEqual(typ, back) {
				t.Fatalf("round trip: %v != %v", back, typ)
			}
		})
	}
}

func TestFixedShapeDeserializeErrors(t *testing.T) {
	fsl6 := arrow.FixedSizeListOf(6, arrow.PrimitiveTypes.Float32)
	tests := []struct {
		name    string
		storage arrow.DataType
		meta    string
		wantErr string
	}{
		{"not json", fsl6, `{"shape":`, "metadata"},
		{"no shape", fsl6, `{}`, "no shape"},
		{"size mismatch", fsl6, `{"shape":[2,2]}`, "holds 4 elements"},
		{"wrong storage", arrow.ListOf(arrow.PrimitiveTypes.Float32), `{"shape":[6]}`, "fixed_size_list"},
		{"string elements", arrow.FixedSizeListOf(2, arrow.BinaryTypes.String), `{"shape":[2]}`, "not supported"},
		{"bad permutation", fsl6, `{"shape":[2,3],"permutation":[1,1]}`, "permutation"},
		{"overflow", fsl6, `{"shape":[4294967296,4294967296]}`, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&FixedShapeTensorType{}).Deserialize(tt.storage, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestExtensionIPCRoundTrip writes every tensor type through Arrow IPC and checks the type
// and values come back, which exercises registration.
func TestExtensionIPCRoundTrip(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fixed, err := FromSlice(mem, []int{2}, []int16{1, 2, 3, 4}, 2, WithDimNames("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Release()
	variable, err := FromRows(mem, 1, [][]float64{{1}, {2, 3}}, [][]int{{1}, {2}}, WithUniformShape(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer variable.Release()
	ray := rayFixedArray(t, mem, false)
	defer ray.Release()
	rayVar := rayVariableArray(t, mem)
	defer rayVar.Release()
	cols := []arrow.Array{fixed, variable, ray, rayVar}
	for _, col := range cols {
		t.Run(col.DataType().(arrow.ExtensionType).ExtensionName(), func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: col.DataType(), Nullable: true}}, nil)
			rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
			defer rec.Release()
			var buf bytes.Buffer
			w := ipc.NewWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(mem))
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Release()
			if !r.Next() {
				t.Fatalf("no record: %v", r.Err())
			}
			got := r.RecordBatch().Column(0)
			if !arrow.TypeEqual(got.DataType(), col.DataType()) {
				t.Fatalf("type %v, want %v", got.DataType(), col.DataType())
			}
			if !array.Equal(got, col) {
				t.Fatalf("values differ: %v vs %v", got, col)
			}
		})
	}
}

func TestZeroSizedTypesAreErrors(t *testing.T) {
	f32 := arrow.PrimitiveTypes.Float32
	tests := []struct {
		name string
		run  func() error
	}{
		{"fixed shape with a zero dimension", func() error { _, err := NewFixedShape(f32, []int{3, 0}); return err }},
		{"variable shape with ndim 0", func() error { _, err := NewVariableShape(f32, 0); return err }},
		{"fixed metadata with a zero dimension", func() error {
			_, err := (&FixedShapeTensorType{}).Deserialize(arrow.FixedSizeListOf(6, f32), `{"shape":[0]}`)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || !strings.HasPrefix(err.Error(), "sluice: tensor") {
				t.Fatalf("err = %v, want a sluice error", err)
			}
		})
	}
}
