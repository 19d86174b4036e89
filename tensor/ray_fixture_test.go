package tensor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestReadRayIPC reads columns written with Ray's tensor types and legacy JSON metadata
// (testdata/make_fixtures.py) and converts them to the canonical types.
func TestReadRayIPC(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f, err := os.Open(filepath.Join("testdata", "ray_tensor.arrow"))
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
	tests := []struct {
		col        int
		typeString string
		rows       func(arrow.Array) ([][]int, []float64, error)
		shapes     [][]int
	}{
		{0, "tensor(shape=(2, 3), dtype=float32)", rowsOf[float32], [][]int{{2, 3}, {2, 3}}},
		{1, "tensor(shape=(3, 2), dtype=int16)", rowsOf[int16], [][]int{{3, 2}, {3, 2}}},
		{2, "tensor(ndim=2, dtype=uint8)", rowsOf[uint8], [][]int{{2, 3}, {4, 1}}},
	}
	for _, tt := range tests {
		col := rec.Column(tt.col)
		t.Run(rec.ColumnName(tt.col), func(t *testing.T) {
			if got := TypeString(col.DataType()); got != tt.typeString {
				t.Fatalf("TypeString = %q, want %q", got, tt.typeString)
			}
			canon, err := ToCanonical(mem, col)
			if err != nil {
				t.Fatal(err)
			}
			defer canon.Release()
			if got := TypeString(canon.DataType()); got != tt.typeString {
				t.Fatalf("canonical TypeString = %q, want %q", got, tt.typeString)
			}
			for name, arr := range map[string]arrow.Array{"ray": col, "canonical": canon} {
				shapes, vals, err := tt.rows(arr)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(shapes) != len(tt.shapes) {
					t.Fatalf("%s: %d rows, want %d", name, len(shapes), len(tt.shapes))
				}
				for i := range shapes {
					if !equalInts(shapes[i], tt.shapes[i]) {
						t.Fatalf("%s: row %d shape %v, want %v", name, i, shapes[i], tt.shapes[i])
					}
				}
				// Every column holds 0, 1, 2, ... in row-major order across rows.
				for i, v := range vals {
					if v != float64(i) {
						t.Fatalf("%s: element %d = %v", name, i, v)
					}
				}
			}
		})
	}
}

// realNumber is Number without float16, so tests can convert elements to float64.
type realNumber interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64
}

// rowsOf returns every row's shape and all elements, row after row, through RowView.
func rowsOf[T realNumber](arr arrow.Array) ([][]int, []float64, error) {
	var shapes [][]int
	var vals []float64
	for i := 0; i < arr.Len(); i++ {
		v, err := RowView[T](arr, i)
		if err != nil {
			return nil, nil, err
		}
		shapes = append(shapes, v.Shape)
		for _, x := range v.Data[:v.Len()] {
			vals = append(vals, float64(x))
		}
	}
	return shapes, vals, nil
}

// TestReadRayPickledMetadata checks that Ray 2.49-2.54's pickled metadata fails with an
// error that says so.
func TestReadRayPickledMetadata(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f, err := os.Open(filepath.Join("testdata", "ray_pickled.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err == nil {
		r.Close()
		t.Fatal("reading pickled Ray metadata succeeded")
	}
	if !errors.Is(err, ErrPickledMetadata) || !strings.Contains(err.Error(), "Ray 2.49-2.54") {
		t.Fatalf("err = %v, want one naming Ray 2.49-2.54 pickled metadata", err)
	}
	t.Log(err)
}
