package read

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

// writeTestParquet writes rowGroups row groups of rowsPer rows with columns id (int64),
// x (float64), name (string, every third null) and vec (list<float32>).
func writeTestParquet(t testing.TB, path string, rowGroups, rowsPer int) {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "vec", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out,
		parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(int64(rowsPer))),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for rg := 0; rg < rowGroups; rg++ {
		for i := 0; i < rowsPer; i++ {
			id := rg*rowsPer + i
			b.Field(0).(*array.Int64Builder).Append(int64(id))
			b.Field(1).(*array.Float64Builder).Append(float64(id) / 2)
			if id%3 == 0 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("n%d", id))
			}
			lb := b.Field(3).(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{float32(id), 1}, nil)
		}
		rec := b.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func parquetWith(opts ParquetOptions) readFunc {
	return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadParquet(ctx, mem, st, f, opts, emit)
	}
}

func TestReadParquet(t *testing.T) {
	defer goleak.VerifyNone(t) // Parallel decodes on pqarrow's goroutines
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeTestParquet(t, good, 3, 100)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, dir, "truncated.parquet", string(data[:len(data)-20]))
	noFooter := writeFile(t, dir, "nofooter.parquet", string(data[:len(data)/2]))
	notParquet := writeFile(t, dir, "not.parquet", "a,b\n1,2\n")
	corrupt := append([]byte(nil), data...)
	for i := 100; i < len(corrupt)/2; i++ {
		corrupt[i] ^= 0x5a // scramble column chunks, keep the footer
	}
	corruptPath := writeFile(t, dir, "corrupt.parquet", string(corrupt))

	ids := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprint(i))
		}
		return out
	}
	tests := []struct {
		name    string
		path    string
		opts    ParquetOptions
		schema  string
		rows    []string // checked when set
		batches []int64
		err     string
	}{
		{name: "all columns, one batch per row group", path: good, schema: "id:int64, x:float64, name:utf8, vec:list<element: float32, nullable>", batches: []int64{100, 100, 100}},
		{name: "projection in the requested order", path: good, opts: ParquetOptions{Columns: []string{"name", "id"}, BatchRows: 1000}, schema: "name:utf8, id:int64", batches: []int64{100, 100, 100}},
		{name: "projection of a nested column", path: good, opts: ParquetOptions{Columns: []string{"vec"}, Limit: 2}, schema: "vec:list<element: float32, nullable>", rows: []string{"[0,1]", "[1,1]"}, batches: []int64{2}},
		{name: "batches never span row groups", path: good, opts: ParquetOptions{Columns: []string{"id"}, BatchRows: 64}, schema: "id:int64", rows: ids(0, 300), batches: []int64{64, 36, 64, 36, 64, 36}},
		{name: "limit inside a row group", path: good, opts: ParquetOptions{Columns: []string{"id"}, Limit: 150, BatchRows: 64}, schema: "id:int64", rows: ids(0, 150), batches: []int64{64, 36, 50}},
		{name: "limit on a row group boundary", path: good, opts: ParquetOptions{Columns: []string{"id"}, Limit: 200}, schema: "id:int64", rows: ids(0, 200), batches: []int64{100, 100}},
		{name: "limit past the end", path: good, opts: ParquetOptions{Columns: []string{"id"}, Limit: 1000}, schema: "id:int64", rows: ids(0, 300), batches: []int64{100, 100, 100}},
		{name: "chosen row groups in the given order", path: good, opts: ParquetOptions{Columns: []string{"id"}, RowGroups: []int{2, 0}, Limit: 150}, schema: "id:int64", rows: append(ids(200, 300), ids(0, 50)...), batches: []int64{100, 50}},
		{name: "no row groups", path: good, opts: ParquetOptions{RowGroups: []int{}}, batches: nil},
		{name: "row group out of range", path: good, opts: ParquetOptions{RowGroups: []int{3}}, err: "sluice: read_parquet: " + good + ": row group 3 out of range: the file has 3"},
		{name: "parallel columns", path: good, opts: ParquetOptions{Columns: []string{"id", "x"}, Parallel: true, Limit: 3}, schema: "id:int64, x:float64", rows: []string{"0|0", "1|0.5", "2|1"}, batches: []int64{3}},
		{name: "unknown column", path: good, opts: ParquetOptions{Columns: []string{"nope"}}, err: "sluice: read_parquet: " + good + `: column "nope" not found (columns: id, x, name, vec)`},
		{name: "column twice", path: good, opts: ParquetOptions{Columns: []string{"id", "id"}}, err: `column "id" requested twice`},
		{name: "truncated footer", path: truncated, err: "sluice: read_parquet: " + truncated + ": not a valid Parquet file"},
		{name: "half a file", path: noFooter, err: "sluice: read_parquet: " + noFooter + ": not a valid Parquet file"},
		{name: "not parquet", path: notParquet, err: "sluice: read_parquet: " + notParquet + ": not a valid Parquet file"},
		{name: "corrupt column chunks", path: corruptPath, err: "sluice: read_parquet: " + corruptPath + ": row group 0: "},
		{name: "missing file", path: filepath.Join(dir, "nope.parquet"), err: "sluice: read_parquet: " + filepath.Join(dir, "nope.parquet") + ": no such file or directory"},
		{name: "negative limit", path: good, opts: ParquetOptions{Limit: -1}, err: "must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := collect(t, mem, tc.path, parquetWith(tc.opts))
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			rows := tc.rows
			if rows == nil {
				rows = res.rows // values are checked by the cases that list them
			}
			checkResult(t, res, tc.schema, rows, tc.batches)
		})
	}
}

func TestReadParquetValues(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := filepath.Join(t.TempDir(), "v.parquet")
	writeTestParquet(t, p, 1, 4)
	res, err := collect(t, mem, p, parquetWith(ParquetOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, "id:int64, x:float64, name:utf8, vec:list<element: float32, nullable>",
		[]string{"0|0|(null)|[0,1]", "1|0.5|n1|[1,1]", "2|1|n2|[2,1]", "3|1.5|(null)|[3,1]"}, []int64{4})
}

func TestParquetRowGroups(t *testing.T) {
	p := filepath.Join(t.TempDir(), "g.parquet")
	writeTestParquet(t, p, 3, 40)
	tests := []struct {
		name string
		path string
		want string
		err  string
	}{
		{name: "rows per group", path: p, want: "[40 40 40]"},
		{name: "not parquet", path: "testdata/people.csv", err: "sluice: read_parquet: testdata/people.csv: not a valid Parquet file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := ParquetRowGroups(context.Background(), Local(), File{Path: tc.path})
			wantError(t, err, tc.err)
			if tc.err == "" && fmt.Sprint(rows) != tc.want {
				t.Fatalf("got %v, want %s", rows, tc.want)
			}
		})
	}
}

func TestReadParquetStops(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.parquet")
	writeTestParquet(t, p, 3, 100)
	t.Run("emit error is returned unchanged", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		stop := errors.New("stop")
		calls := 0
		err := ReadParquet(context.Background(), mem, Local(), File{Path: p}, ParquetOptions{}, func(rec arrow.RecordBatch) error {
			rec.Release()
			calls++
			return stop
		})
		if err != stop || calls != 1 {
			t.Fatalf("err = %v after %d calls", err, calls)
		}
	})
	t.Run("cancel between batches", func(t *testing.T) {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		err := ReadParquet(ctx, mem, Local(), File{Path: p}, ParquetOptions{BatchRows: 10}, func(rec arrow.RecordBatch) error {
			rec.Release()
			calls++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Fatalf("err = %v after %d calls, want context.Canceled after 1", err, calls)
		}
	})
}

func TestParquetInfo(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeTestParquet(t, good, 2, 50)
	notParquet := writeFile(t, dir, "x.parquet", "PAR1 but not really")
	tests := []struct {
		name   string
		path   string
		schema string
		rows   int64
		err    string
	}{
		{name: "footer only", path: good, schema: "id:int64, x:float64, name:utf8, vec:list<element: float32, nullable>", rows: 100},
		{name: "not parquet", path: notParquet, err: "sluice: read_parquet: " + notParquet + ": not a valid Parquet file"},
		{name: "missing", path: filepath.Join(dir, "nope"), err: "no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			schema, n, err := ParquetInfo(context.Background(), Local(), File{Path: tc.path}, ParquetOptions{})
			wantError(t, err, tc.err)
			if tc.err != "" {
				if tc.name == "missing" && !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("%v is not fs.ErrNotExist", err)
				}
				return
			}
			if got := schemaString(schema); got != tc.schema || n != tc.rows {
				t.Fatalf("got %q, %d rows; want %q, %d", got, n, tc.schema, tc.rows)
			}
		})
	}
}
