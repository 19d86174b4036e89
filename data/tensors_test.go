package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/tensor"
)

// images makes a dataset of n rows with a uint8 [4, 3, 3] tensor column "image" (pixel value
// = row id) and an int64 "label".
func images(c *Context, n int64) *Dataset {
	return Range(n).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) {
		ids, _ := b.Int64s("id")
		pix := make([]uint8, len(ids)*4*3*3)
		for i, id := range ids {
			for j := 0; j < 36; j++ {
				pix[i*36+j] = uint8(id)
			}
		}
		out, err := b.With("image", tensor.New(pix, len(ids), 4, 3, 3))
		if err != nil {
			return nil, err
		}
		return out.With("label", ids)
	}, BatchSize(16))
}

func TestTensorColumns(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	ds := images(c, 100).DropColumns("id")
	sc, err := ds.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Column  Type\n------  ----\nimage   tensor(shape=(4, 3, 3), dtype=uint8)\nlabel   int64\n"; sc.String() != want {
		t.Fatalf("schema\n%s\nwant\n%s", sc, want)
	}
	rows := 0
	for tb, err := range ds.IterTensorBatches(ctx, BatchSize(32), Dtypes(map[string]arrow.DataType{"image": arrow.PrimitiveTypes.Float32})) {
		if err != nil {
			t.Fatal(err)
		}
		img := tb["image"]
		if !arrow.TypeEqual(img.DType, arrow.PrimitiveTypes.Float32) || fmt.Sprint(img.Shape[1:]) != "[4 3 3]" {
			t.Fatalf("image %v %v", img.DType, img.Shape)
		}
		v, _ := tensor.ViewOf[float32](img)
		lab, _ := tensor.ViewOf[int64](tb["label"])
		for i := 0; i < img.Shape[0]; i++ {
			if v.At(i, 3, 2, 2) != float32(lab.At(i)) {
				t.Fatalf("row %d: pixel %v label %v", i, v.At(i, 3, 2, 2), lab.At(i))
			}
		}
		rows += img.Shape[0]
	}
	if rows != 100 {
		t.Fatalf("%d rows", rows)
	}
}

// TestMapReturnsTensors is the seed's map example: rows come back with a tensor value,
// downstream sees a tensor column; rows of different shapes make a variable-shape column.
func TestMapReturnsTensors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	ds := Range(6).WithContext(c).Map(func(ctx context.Context, r Row) (Row, error) {
		n := int(r["id"].(int64)%3) + 1
		data := make([]float32, n*2)
		return Row{"id": r["id"], "t": tensor.New(data, n, 2)}, nil
	})
	b, err := ds.TakeBatch(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	typ := TypeString(b.Schema().Field(1).Type)
	b.Release()
	if typ != "tensor(ndim=2, dtype=float32)" {
		t.Fatalf("rows of different shapes gave %s", typ)
	}
	rows, err := ds.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		tt := r["t"].(tensor.Tensor)
		if tt.Shape[0] != i%3+1 || tt.Shape[1] != 2 {
			t.Fatalf("row %d shape %v", i, tt.Shape)
		}
	}
}

func TestTensorParquetAndNumpyRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	src := images(c, 50).DropColumns("id")
	if _, err := src.WriteParquet(ctx, filepath.Join(dir, "pq"), MaxRowsPerFile(20)); err != nil {
		t.Fatal(err)
	}
	back := ReadParquet(filepath.Join(dir, "pq")).WithContext(c)
	sc, err := back.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sc.String(), "tensor(shape=(4, 3, 3), dtype=uint8)") {
		t.Fatalf("extension type lost through Parquet:\n%s", sc)
	}
	checkImages(t, back, 50)

	paths, err := src.WriteNumpy(ctx, filepath.Join(dir, "npy"), "image", MaxRowsPerFile(30))
	if err != nil || len(paths) != 2 {
		t.Fatalf("paths %v %v", paths, err)
	}
	np := ReadNumpy(filepath.Join(dir, "npy")).WithContext(c).RenameColumns(map[string]string{"data": "image"}).
		AddColumn("label", func(ctx context.Context, b *Batch) (any, error) {
			v, err := TensorView[uint8](b, "image")
			if err != nil {
				return nil, err
			}
			out := make([]int64, v.Shape[0])
			for i := range out {
				out[i] = int64(v.At(i, 0, 0, 0))
			}
			return out, nil
		})
	checkImages(t, np, 50)

	if py := pythonWith(t, "numpy", "pyarrow"); py != "" {
		script := fmt.Sprintf(`
import numpy as np, pyarrow.parquet as pq, glob
a = np.concatenate([np.load(p) for p in sorted(glob.glob(%q))])
assert a.shape == (50, 4, 3, 3) and a.dtype == np.uint8, (a.shape, a.dtype)
assert (a[:, 1, 2, 0] == np.arange(50)).all()
t = pq.read_table(%q)
f = t.schema.field("image")
assert f.type.extension_name == "arrow.fixed_shape_tensor", f.type
x = t.column("image").combine_chunks().to_numpy_ndarray()
assert x.shape == (50, 4, 3, 3) and (x[:, 0, 0, 0] == np.arange(50)).all()
print("ok")
`, filepath.Join(dir, "npy", "*.npy"), filepath.Join(dir, "pq"))
		out, err := exec.Command(py, "-c", script).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "ok") {
			t.Fatalf("pyarrow/numpy could not read our files: %v\n%s", err, out)
		}
	}
}

func checkImages(t *testing.T, ds *Dataset, n int) {
	t.Helper()
	seen := 0
	for b, err := range ds.IterBatches(context.Background(), BatchSize(7)) {
		if err != nil {
			t.Fatal(err)
		}
		v, err := TensorView[uint8](b, "image")
		if err != nil {
			t.Fatal(err)
		}
		labels, _ := b.Int64s("label")
		for i := range labels {
			if int64(v.At(i, 3, 2, 1)) != labels[i] {
				t.Fatalf("pixel %d != label %d", v.At(i, 3, 2, 1), labels[i])
			}
		}
		seen += len(labels)
	}
	if seen != n {
		t.Fatalf("%d rows, want %d", seen, n)
	}
}

// pythonWith returns a python3 that has the modules, or "" after logging that the interop
// check is skipped (scripts/install-python-deps.sh installs them; CI runs it).
func pythonWith(t *testing.T, modules ...string) string {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("interop check skipped: no python3 (run scripts/install-python-deps.sh)")
		return ""
	}
	if out, err := exec.Command(py, "-c", "import "+strings.Join(modules, ", ")).CombinedOutput(); err != nil {
		t.Logf("interop check skipped: python3 lacks %v: %s", modules, out)
		return ""
	}
	if os.Getenv("SLUICE_NO_PYTHON") != "" {
		return ""
	}
	return py
}

func TestFromNumpy(t *testing.T) {
	c := testContext(t)
	ds := FromNumpy(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2).Tensor()).WithContext(c)
	defer ds.Release()
	for tb, err := range ds.IterTensorBatches(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		v, _ := tensor.ViewOf[float64](tb["data"])
		if fmt.Sprint(v.Shape) != "[3 2]" || v.At(2, 1) != 6 {
			t.Fatalf("%v %v", v.Shape, v.Data)
		}
	}
}

// TestReadRayWrittenTensors reads a Parquet file Ray Data 2.60 wrote itself (see
// tensor/testdata/ray/make_ray_fixture.py): a fixed-shape column (ray.data.arrow_tensor_v2) and
// a ragged one (ray.data.arrow_variable_shaped_tensor).
func TestReadRayWrittenTensors(t *testing.T) {
	c := testContext(t)
	rows, err := ReadParquet("../tensor/testdata/ray/ray_tensors.parquet").WithContext(c).TakeAll(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		i := int(r["id"].(int64))
		fixed := r["fixed"].(tensor.Tensor)
		fv, _ := tensor.ViewOf[float32](fixed)
		if fmt.Sprint(fixed.Shape) != "[2 3]" || fv.At(1, 2) != float32(5+i) {
			t.Fatalf("row %d fixed %v %v", i, fixed.Shape, fv.Data)
		}
		ragged := r["ragged"].(tensor.Tensor)
		rv, _ := tensor.ViewOf[int64](ragged)
		if fmt.Sprint(ragged.Shape) != fmt.Sprintf("[%d 2]", i+1) || rv.At(i, 1) != int64(i) {
			t.Fatalf("row %d ragged %v %v", i, ragged.Shape, rv.Data)
		}
	}
}
