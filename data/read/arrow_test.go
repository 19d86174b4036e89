package read

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// arrowBatches is two batches of a schema with a list, a string and a nullable float column.
func arrowBatches(t *testing.T, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "vec", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32)},
	}, nil)
	var out []arrow.RecordBatch
	for b := range 2 {
		rb := array.NewRecordBuilder(mem, schema)
		for i := range 1000 {
			id := int64(b*1000 + i)
			rb.Field(0).(*array.Int64Builder).Append(id)
			rb.Field(1).(*array.StringBuilder).Append(strings.Repeat("x", i%7) + "é")
			if i%5 == 0 {
				rb.Field(2).AppendNull()
			} else {
				rb.Field(2).(*array.Float64Builder).Append(float64(id) / 4)
			}
			lb := rb.Field(3).(*array.ListBuilder)
			lb.Append(true)
			for k := range i % 4 {
				lb.ValueBuilder().(*array.Float32Builder).Append(float32(k) + 0.5)
			}
		}
		out = append(out, rb.NewRecordBatch())
		rb.Release()
	}
	return out
}

func writeIPC(t *testing.T, path string, recs []arrow.RecordBatch, stream bool, opts ...ipc.Option) {
	t.Helper()
	var buf bytes.Buffer
	opts = append(opts, ipc.WithSchema(recs[0].Schema()))
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if stream {
		w = ipc.NewWriter(&buf, opts...)
	} else {
		fw, err := ipc.NewFileWriter(&buf, opts...)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rowsOf(recs []arrow.RecordBatch) []string {
	var out []string
	for _, rec := range recs {
		for i := range int(rec.NumRows()) {
			vals := make([]string, rec.NumCols())
			for c, col := range rec.Columns() {
				vals[c] = col.ValueStr(i)
			}
			out = append(out, strings.Join(vals, "|"))
		}
	}
	return out
}

func TestReadArrow(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := arrowBatches(t, mem)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	want := rowsOf(recs)
	dir := t.TempDir()
	cases := []struct {
		name   string
		stream bool
		opts   []ipc.Option
		ropts  ArrowOptions
	}{
		{name: "file, mapped"},
		{name: "file, ReadAt", ropts: ArrowOptions{NoMmap: true}},
		{name: "file lz4, mapped", opts: []ipc.Option{ipc.WithLZ4()}},
		{name: "file zstd, ReadAt", opts: []ipc.Option{ipc.WithZstd()}, ropts: ArrowOptions{NoMmap: true}},
		{name: "stream", stream: true},
		{name: "stream zstd", stream: true, opts: []ipc.Option{ipc.WithZstd()}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rmem := memcheck.New(memory.NewGoAllocator())
			defer rmem.AssertSize(t, 0)
			p := filepath.Join(dir, strings.Repeat("f", i+1)+".arrow")
			writeIPC(t, p, recs, tc.stream, tc.opts...)
			var got []arrow.RecordBatch
			err := ReadArrow(context.Background(), rmem, Local(), File{Path: p}, tc.ropts, func(rec arrow.RecordBatch) error {
				got = append(got, rec)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// The batches outlive the read: reading them now must still see the file's
			// bytes.
			if g := rowsOf(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%d rows differ from the written %d", len(g), len(want))
			}
			for _, r := range got {
				r.Release()
			}
			var proj []string
			err = ReadArrow(context.Background(), rmem, Local(), File{Path: p}, ArrowOptions{Columns: []string{"vec", "id"}, NoMmap: tc.ropts.NoMmap}, func(rec arrow.RecordBatch) error {
				defer rec.Release()
				if s := schemaString(rec.Schema()); s != "vec:list<item: float32, nullable>, id:int64" {
					t.Errorf("projected schema %s", s)
				}
				proj = append(proj, rowsOf([]arrow.RecordBatch{rec})...)
				return nil
			})
			if err != nil || len(proj) != 2000 || proj[7] != "[0.5,1.5,2.5]|7" {
				t.Fatalf("projection: %d rows, row 7 %q, %v", len(proj), proj[7], err)
			}
			n, err := ArrowRows(context.Background(), rmem, Local(), File{Path: p}, tc.ropts)
			if err != nil || n != 2000 {
				t.Fatalf("ArrowRows %d, %v", n, err)
			}
		})
	}
}

// TestReadArrowMappedZeroCopy checks that a mapped read copies nothing: the values buffer of
// an uncompressed file's column lies inside the mapping, and the allocator saw no bytes; a
// value taken from a batch stays readable after the batch is released.
func TestReadArrowMappedZeroCopy(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := arrowBatches(t, mem)
	p := filepath.Join(t.TempDir(), "z.arrow")
	writeIPC(t, p, recs, false)
	for _, r := range recs {
		r.Release()
	}
	rmem := memcheck.New(memory.NewGoAllocator())
	var m *mapping
	mappingMade = func(mm *mapping) { m = mm }
	defer func() { mappingMade = nil }()
	var kept arrow.RecordBatch
	err := ReadArrow(context.Background(), rmem, Local(), File{Path: p}, ArrowOptions{}, func(rec arrow.RecordBatch) error {
		if kept == nil {
			kept = rec
			return nil
		}
		rec.Release()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rmem.CurrentAlloc() != 0 {
		t.Errorf("a mapped read allocated %d bytes", rmem.CurrentAlloc())
	}
	if b := kept.Column(0).Data().Buffers()[1]; m == nil || !m.contains(b.Bytes()) {
		t.Fatal("the column's values are not in the file's mapping")
	}
	name := kept.Column(1).(*array.String).Value(3) // a string over the mapping, no copy
	kept.Release()
	if name != "xxxé" {
		t.Fatalf("value after release: %q", name)
	}
	// A second read of the unchanged file reuses the mapping.
	m2 := m
	m = nil
	err = ReadArrow(context.Background(), rmem, Local(), File{Path: p}, ArrowOptions{}, func(rec arrow.RecordBatch) error {
		if !m2.contains(rec.Column(0).Data().Buffers()[1].Bytes()) {
			t.Error("second read is not from the first mapping")
		}
		rec.Release()
		return nil
	})
	if err != nil || m != nil {
		t.Fatalf("second read: mapped again (%v) or %v", m != nil, err)
	}
}

func TestReadArrowBroken(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := arrowBatches(t, mem)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.arrow")
	writeIPC(t, good, recs, false)
	goodStream := filepath.Join(dir, "good.arrows")
	writeIPC(t, goodStream, recs, true)
	for _, r := range recs {
		r.Release()
	}
	p := filepath.Join(dir, "bad.arrow")
	for _, src := range []string{good, goodStream} {
		data, _ := os.ReadFile(src)
		// Every cut and a byte flipped every 149 bytes: an error naming the file, never a panic
		// or a leak. (A flip inside a value buffer is not detectable: IPC has no checksums.)
		for cut := 0; cut < len(data); cut += 211 {
			os.WriteFile(p, data[:cut], 0o644)
			for _, noMmap := range []bool{false, true} {
				err := ReadArrow(context.Background(), mem, Local(), File{Path: p}, ArrowOptions{NoMmap: noMmap}, func(rec arrow.RecordBatch) error { rec.Release(); return nil })
				if err == nil && cut < len(data)-16 && src == good {
					t.Errorf("cut at %d of %d: no error", cut, len(data))
				}
				if err != nil && !strings.HasPrefix(err.Error(), "sluice: read_arrow: "+p+": ") {
					t.Errorf("cut at %d: error %q does not name the file", cut, err)
				}
			}
		}
		for i := 0; i < len(data); i += 149 {
			bad := bytes.Clone(data)
			bad[i] ^= 0xa5
			os.WriteFile(p, bad, 0o644)
			for _, noMmap := range []bool{false, true} {
				err := ReadArrow(context.Background(), mem, Local(), File{Path: p}, ArrowOptions{NoMmap: noMmap}, func(rec arrow.RecordBatch) error { rec.Release(); return nil })
				if err != nil && !strings.HasPrefix(err.Error(), "sluice: read_arrow: "+p+": ") {
					t.Errorf("flip at %d: error %q does not name the file", i, err)
				}

			}
		}
	}
	os.WriteFile(p, []byte("FEA1xxxxxxxxxxxxxxxx"), 0o644)
	err := ReadArrow(context.Background(), mem, Local(), File{Path: p}, ArrowOptions{}, func(rec arrow.RecordBatch) error { rec.Release(); return nil })
	wantError(t, err, "a Feather v1 file")
	err = ReadArrow(context.Background(), mem, Local(), File{Path: good}, ArrowOptions{Columns: []string{"nope"}}, func(rec arrow.RecordBatch) error { rec.Release(); return nil })
	wantError(t, err, `sluice: read_arrow: `+good+`: no column "nope"`)
}

// TestArrowPyarrowInterop has pyarrow write Feather v2 (LZ4-compressed, its default),
// uncompressed Feather, an IPC stream and a file with a dictionary column; sluice reads each,
// writes it back through arrow-go's IPC writer, and pyarrow checks the copy equals its table.
func TestArrowPyarrowInterop(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found; install python3 and pyarrow to run this check")
	}
	if err := exec.Command("python3", "-c", "import pyarrow.feather").Run(); err != nil {
		t.Skip("pyarrow not importable; run scripts/install-python-deps.sh to run this check")
	}
	dir := t.TempDir()
	script := `
import sys, datetime, pyarrow as pa, pyarrow.feather as feather, pyarrow.ipc as ipc
d = sys.argv[1]
n = 3000
t = pa.table({
    "i": pa.array(range(n), pa.int64()),
    "u8": pa.array([i % 256 for i in range(n)], pa.uint8()),
    "f": pa.array([None if i % 7 == 0 else i / 3 for i in range(n)], pa.float64()),
    "s": pa.array(["row %d" % i if i % 11 else None for i in range(n)]),
    "ls": pa.array([[j for j in range(i % 4)] for i in range(n)], pa.list_(pa.int32())),
    "ts": pa.array([datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=i) for i in range(n)], pa.timestamp("us", tz="UTC")),
    "b": pa.array([bytes([i % 256]) * (i % 3) for i in range(n)], pa.binary()),
    "st": pa.array([{"x": i, "y": str(i)} for i in range(n)]),
}).replace_schema_metadata({"origin": "pyarrow"})
feather.write_feather(t, d + "/lz4.feather", chunksize=1000)
feather.write_feather(t, d + "/plain.feather", compression="uncompressed", chunksize=1000)
feather.write_feather(t, d + "/zstd.feather", compression="zstd", chunksize=1000)
with ipc.new_stream(d + "/s.arrows", t.schema) as w:
    w.write_table(t, max_chunksize=1000)
dt = pa.table({"k": pa.array(["a", "b", "a", "c"] * 10).dictionary_encode(), "v": pa.array(range(40))})
feather.write_feather(dt, d + "/dict.feather", compression="uncompressed")
`
	if out, err := exec.Command("python3", "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	for _, name := range []string{"lz4.feather", "plain.feather", "zstd.feather", "s.arrows", "dict.feather"} {
		for _, noMmap := range []bool{false, true} {
			t.Run(name, func(t *testing.T) {
				mem := memcheck.New(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				var got []arrow.RecordBatch
				err := ReadArrow(context.Background(), mem, Local(), File{Path: filepath.Join(dir, name)}, ArrowOptions{NoMmap: noMmap}, func(rec arrow.RecordBatch) error {
					got = append(got, rec)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if name != "dict.feather" && len(got) != 3 {
					t.Errorf("%d batches, want 3", len(got))
				}
				back := filepath.Join(dir, "back-"+name)
				writeIPC(t, back, got, false)
				for _, r := range got {
					r.Release()
				}
				check := `
import sys, pyarrow as pa, pyarrow.feather as feather, pyarrow.ipc as ipc
src, back = sys.argv[1], sys.argv[2]
orig = ipc.open_stream(src).read_all() if src.endswith(".arrows") else feather.read_table(src)
ours = feather.read_table(back)
print(ours.equals(orig, check_metadata=True), ours.num_rows)
`
				out, err := exec.Command("python3", "-c", check, filepath.Join(dir, name), back).CombinedOutput()
				if err != nil {
					t.Fatalf("pyarrow: %v\n%s", err, out)
				}
				if !strings.HasPrefix(string(out), "True ") {
					t.Fatalf("pyarrow: the table read by sluice and written back differs: %s", out)
				}
			})
		}
	}
}
