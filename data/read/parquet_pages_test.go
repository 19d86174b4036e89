package read

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
)

// writeTensorParquet writes rows rows with sluice's Parquet writer, in row groups of
// groupRows: id (int64), t (fixed_shape_tensor float32[2,3]), d (fixed_size_list<float64>[4]),
// k (fixed_size_list<int32>[3]), s (string) and l (list<float32>, not a fast column).
func writeTensorParquet(t testing.TB, path string, rows, groupRows int) {
	t.Helper()
	mem := memory.NewGoAllocator()
	tt, err := tensor.NewFixedShape(arrow.PrimitiveTypes.Float32, []int{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "t", Type: tt},
		{Name: "d", Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float64)},
		{Name: "k", Type: arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	// Build with the tensor's storage type, then wrap that column in the extension type.
	fields := schema.Fields()
	fields[1].Type = tt.StorageType()
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		tb := b.Field(1).(*array.FixedSizeListBuilder)
		tb.Append(true)
		for k := 0; k < 6; k++ {
			tb.ValueBuilder().(*array.Float32Builder).Append(float32(i*6+k) / 3)
		}
		db := b.Field(2).(*array.FixedSizeListBuilder)
		db.Append(true)
		db.ValueBuilder().(*array.Float64Builder).AppendValues([]float64{float64(i), -float64(i), 0.5, 1e300}, nil)
		kb := b.Field(3).(*array.FixedSizeListBuilder)
		kb.Append(true)
		kb.ValueBuilder().(*array.Int32Builder).AppendValues([]int32{int32(i), int32(-i), 7}, nil)
		if i%4 == 0 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("s%d", i))
		}
		lb := b.Field(5).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Float32Builder).AppendValues(make([]float32, i%3), nil)
	}
	plain := b.NewRecordBatch()
	defer plain.Release()
	ext := array.NewExtensionArrayWithStorage(tt, plain.Column(1))
	defer ext.Release()
	cols := append([]arrow.Array(nil), plain.Columns()...)
	cols[1] = ext
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	defer rec.Release()

	var buf bytes.Buffer
	w, err := write.Parquet(write.ParquetRowGroupRows(int64(groupRows))).NewWriter(&buf, schema)
	if err != nil {
		t.Fatal(err)
	}
	// One Write per row group: pqarrow v18.8.0 loses a fixed-size list's offset when it cuts a
	// batch at the row group limit itself, and repeats the first rows in every later group.
	for from := 0; from < rows; from += groupRows {
		part := rec.NewSlice(int64(from), int64(min(from+groupRows, rows)))
		err := w.Write(part)
		part.Release()
		if err != nil {
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

// writeWideParquet writes 5 rows of fixed_size_list<float32>[70000], more values per row
// than the page reader decodes per call, in row groups of 3 and 2 rows.
func writeWideParquet(t testing.TB, path string) {
	t.Helper()
	const width = 70000
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "w", Type: arrow.FixedSizeListOf(width, arrow.PrimitiveTypes.Float32)}}, nil)
	var buf bytes.Buffer
	w, err := write.Parquet(write.ParquetRowGroupRows(3)).NewWriter(&buf, schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range []int{3, 2} {
		b := array.NewFixedSizeListBuilder(mem, width, arrow.PrimitiveTypes.Float32)
		for r := 0; r < rows; r++ {
			b.Append(true)
			for k := 0; k < width; k++ {
				b.ValueBuilder().(*array.Float32Builder).Append(float32(r*width + k))
			}
		}
		col := b.NewArray()
		rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(rows))
		err := w.Write(rec)
		rec.Release()
		col.Release()
		b.Release()
		if err != nil {
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

// writeFlatNullsParquet writes 200 rows of flat numeric columns in row groups of 100,
// dictionary-encoded and without statistics, so only the definition levels tell the page
// reader that column n (nullable int32) has nulls: at rows 57 and 163. Column v (float64)
// has none.
func writeFlatNullsParquet(t testing.TB, path string) {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range 200 {
		if i == 57 || i == 163 {
			b.Field(0).(*array.Int32Builder).AppendNull()
		} else {
			b.Field(0).(*array.Int32Builder).Append(int32(i % 13))
		}
		b.Field(1).(*array.Float64Builder).Append(float64(i) / 4)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithStats(false), parquet.WithDictionaryDefault(true), parquet.WithMaxRowGroupLength(100))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readBatches reads path with opts and returns its batches; the caller releases them.
func readBatches(t *testing.T, mem memory.Allocator, path string, opts ParquetOptions) ([]arrow.RecordBatch, error) {
	t.Helper()
	var out []arrow.RecordBatch
	err := ReadParquet(context.Background(), mem, Local(), File{Path: path}, opts, func(rec arrow.RecordBatch) error {
		out = append(out, rec)
		return nil
	})
	return out, err
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// TestReadParquetPages reads each file and projection with the page reader and with pqarrow
// alone, and requires the same batches: schema (extension types and metadata included), row
// counts and every value.
func TestReadParquetPages(t *testing.T) {
	dir := t.TempDir()
	sluice := filepath.Join(dir, "sluice.parquet")
	writeTensorParquet(t, sluice, 250, 100)
	wide := filepath.Join(dir, "wide.parquet")
	writeWideParquet(t, wide)
	py := filepath.Join("testdata", "pyarrow_tensor.parquet")
	pyV2 := filepath.Join("testdata", "pyarrow_tensor_v2.parquet")
	pyNulls := filepath.Join("testdata", "pyarrow_tensor_nulls.parquet")
	plain := filepath.Join(dir, "plain.parquet")
	writeTestParquet(t, plain, 3, 40)
	flatNulls := filepath.Join(dir, "flatnulls.parquet")
	writeFlatNullsParquet(t, flatNulls)

	tests := []struct {
		name    string
		path    string
		opts    ParquetOptions
		batches []int64 // checked when set
	}{
		{name: "sluice: all columns", path: sluice, batches: []int64{100, 100, 50}},
		{name: "sluice: tensor only, small batches", path: sluice, opts: ParquetOptions{Columns: []string{"t"}, BatchRows: 7}},
		{name: "sluice: projection reordered", path: sluice, opts: ParquetOptions{Columns: []string{"k", "s", "t", "id"}, BatchRows: 64},
			batches: []int64{64, 36, 64, 36, 50}},
		{name: "sluice: fast and list columns", path: sluice, opts: ParquetOptions{Columns: []string{"l", "d"}}},
		{name: "sluice: limit inside a batch", path: sluice, opts: ParquetOptions{Columns: []string{"t", "s"}, Limit: 130, BatchRows: 64},
			batches: []int64{64, 36, 30}},
		{name: "sluice: limit, tensor only", path: sluice, opts: ParquetOptions{Columns: []string{"d"}, Limit: 101}, batches: []int64{100, 1}},
		{name: "sluice: chosen row groups", path: sluice, opts: ParquetOptions{RowGroups: []int{2, 0}, Limit: 120}, batches: []int64{50, 70}},
		{name: "sluice: parallel", path: sluice, opts: ParquetOptions{Columns: []string{"id", "t", "s"}, Parallel: true}},
		{name: "pyarrow: fixed_shape_tensor", path: py, opts: ParquetOptions{BatchRows: 8}},
		{name: "pyarrow: tensor projection", path: py, opts: ParquetOptions{Columns: []string{"t", "k"}, Limit: 45}},
		{name: "pyarrow: data pages v2, zstd, no dictionary", path: pyV2, opts: ParquetOptions{BatchRows: 16}, batches: []int64{16, 4, 16, 4, 10}},
		{name: "rows wider than a level chunk", path: wide, opts: ParquetOptions{BatchRows: 2}, batches: []int64{2, 1, 2}},
		{name: "pyarrow: nulls fall back to pqarrow", path: pyNulls, opts: ParquetOptions{BatchRows: 4}},
		{name: "flat numerics beside strings and lists", path: plain, opts: ParquetOptions{BatchRows: 16}},
		{name: "flat: nulls found in the levels", path: flatNulls, opts: ParquetOptions{BatchRows: 30}, batches: []int64{30, 30, 30, 10, 30, 30, 30, 10}},
		{name: "flat: column without nulls", path: flatNulls, opts: ParquetOptions{Columns: []string{"v"}, BatchRows: 64}, batches: []int64{64, 36, 64, 36}},
		{name: "pyarrow: nulls, limit", path: pyNulls, opts: ParquetOptions{Columns: []string{"k", "d"}, BatchRows: 3, Limit: 47}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			fast, err := readBatches(t, mem, tc.path, tc.opts)
			defer releaseAll(fast)
			if err != nil {
				t.Fatal(err)
			}
			slowOpts := tc.opts
			slowOpts.NoPageReader = true
			slow, err := readBatches(t, mem, tc.path, slowOpts)
			defer releaseAll(slow)
			if err != nil {
				t.Fatal(err)
			}
			if len(fast) == 0 || len(fast) != len(slow) {
				t.Fatalf("%d batches with the page reader, %d with pqarrow", len(fast), len(slow))
			}
			var sizes []int64
			for i := range fast {
				sizes = append(sizes, fast[i].NumRows())
				if !fast[i].Schema().Equal(slow[i].Schema()) ||
					!fast[i].Schema().Metadata().Equal(slow[i].Schema().Metadata()) {
					t.Fatalf("batch %d schema\n%s\nwant\n%s", i, fast[i].Schema(), slow[i].Schema())
				}
				if !array.RecordEqual(fast[i], slow[i]) {
					t.Fatalf("batch %d differs:\n%v\nwant\n%v", i, fast[i], slow[i])
				}
			}
			if tc.batches != nil && fmt.Sprint(sizes) != fmt.Sprint(tc.batches) {
				t.Fatalf("batches %v, want %v", sizes, tc.batches)
			}
		})
	}
}

// TestReadParquetPagesValues checks values the page reader produced against the ones
// written, so a bug shared with pqarrow would not pass unseen.
func TestReadParquetPagesValues(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := filepath.Join(t.TempDir(), "v.parquet")
	writeTensorParquet(t, p, 30, 10)
	recs, err := readBatches(t, mem, p, ParquetOptions{Columns: []string{"t", "k"}, RowGroups: []int{2}, Limit: 2})
	defer releaseAll(recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d batches, want 1", len(recs))
	}
	rec := recs[0]
	tt, ok := rec.Column(0).DataType().(*tensor.FixedShapeTensorType)
	if !ok || fmt.Sprint(tt.Shape()) != "[2 3]" {
		t.Fatalf("column t is %s, want a fixed_shape_tensor [2 3]", rec.Column(0).DataType())
	}
	storage := rec.Column(0).(array.ExtensionArray).Storage().(*array.FixedSizeList)
	got := storage.ListValues().(*array.Float32).Float32Values()
	var want []float32
	for i := 20; i < 22; i++ {
		for k := 0; k < 6; k++ {
			want = append(want, float32(i*6+k)/3)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("t = %v, want %v", got, want)
	}
	if got := rec.Column(1).ValueStr(1); got != "[21,-21,7]" {
		t.Fatalf("k[1] = %s, want [21,-21,7]", got)
	}
}

// TestPlanPages checks which columns the page reader takes.
func TestPlanPages(t *testing.T) {
	dir := t.TempDir()
	sluice := filepath.Join(dir, "sluice.parquet")
	writeTensorParquet(t, sluice, 10, 10)
	plain := filepath.Join(dir, "plain.parquet")
	writeTestParquet(t, plain, 1, 10)
	tests := []struct {
		name    string
		path    string
		columns []string
		want    string // fast columns by output position, "-" for pqarrow
	}{
		{name: "tensor and fixed-size lists", path: sluice, want: "id t d k s -"},
		{name: "projection", path: sluice, columns: []string{"s", "k"}, want: "s k"},
		{name: "flat numeric beside a variable list", path: sluice, columns: []string{"l", "id"}, want: "- id"},
		{name: "variable lists are not fast", path: sluice, columns: []string{"l", "s"}, want: "- s"},
		{name: "strings are fast, variable lists not", path: plain, want: "id x name -"},
		{name: "pyarrow", path: filepath.Join("testdata", "pyarrow_tensor.parquet"), want: "id t d k"},
		{name: "pyarrow with nulls (decided at read time)", path: filepath.Join("testdata", "pyarrow_tensor_nulls.parquet"), want: "id d k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rr, pf, err := openParquet(context.Background(), smallAllocs{mem}, Local(), File{Path: tc.path})
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Close()
			defer pf.Close()
			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
			if err != nil {
				t.Fatal(err)
			}
			p, err := planColumns(newParquetFile(pf, fr), planOptions{columns: tc.columns, fast: true})
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, c := range p.fast {
				if c == nil {
					s = append(s, "-")
				} else {
					s = append(s, c.field.Name)
				}
			}
			got := strings.Join(s, " ")
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReadParquetPagesFallback checks that nulls found in the levels (the file has no
// statistics) make the page reader give the row group back, and that the rows it emitted
// before are not emitted again.
func TestReadParquetPagesFallback(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join("testdata", "pyarrow_tensor_nulls.parquet")
	recs, err := readBatches(t, mem, path, ParquetOptions{Columns: []string{"id", "d"}, RowGroups: []int{1}, BatchRows: 5})
	defer releaseAll(recs)
	if err != nil {
		t.Fatal(err)
	}
	var ids, sizes []string
	for _, r := range recs {
		sizes = append(sizes, fmt.Sprint(r.NumRows()))
		for i := 0; i < int(r.NumRows()); i++ {
			ids = append(ids, r.Column(0).ValueStr(i))
			if r.Column(0).ValueStr(i) == "33" && r.Column(1).IsValid(i) {
				t.Fatalf("row 33 of d is %s, want null", r.Column(1).ValueStr(i))
			}
		}
	}
	// Rows 20-29 come from the page reader in two batches; the null at row 33 sends the rest
	// of the group to pqarrow, which skips rows 20-29 and goes on from row 30.
	if got := strings.Join(sizes, " "); got != "5 5 5 5" {
		t.Fatalf("batches %s, want 5 5 5 5", got)
	}
	if got, want := strings.Join(ids, ","), "20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39"; got != want {
		t.Fatalf("ids %s, want %s", got, want)
	}
}

// TestReadParquetPagesBadInput: a damaged tensor file is a clear error, never a panic or a
// leak.
func TestReadParquetPagesBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeTensorParquet(t, good, 200, 100)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, dir, "truncated.parquet", string(data[:len(data)*2/3]))
	corrupt := append([]byte(nil), data...)
	for i := 4; i < len(corrupt)/3; i++ {
		corrupt[i] ^= 0x5a // scramble the first column chunks, keep the footer
	}
	corruptPath := writeFile(t, dir, "corrupt.parquet", string(corrupt))
	tests := []struct {
		name string
		path string
		opts ParquetOptions
		err  string
	}{
		{name: "truncated", path: truncated, err: "sluice: read_parquet: " + truncated + ": not a valid Parquet file"},
		{name: "corrupt pages, tensor column", path: corruptPath, opts: ParquetOptions{Columns: []string{"t"}}, err: "sluice: read_parquet: " + corruptPath + `: row group 0: column "t": `},
		{name: "corrupt pages, all columns", path: corruptPath, err: "sluice: read_parquet: " + corruptPath + ": row group 0: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			recs, err := readBatches(t, mem, tc.path, tc.opts)
			releaseAll(recs)
			wantError(t, err, tc.err)
		})
	}
}

// TestReadParquetPagesStops: an emit error comes back unchanged and a cancelled context stops
// the page reader between batches, with nothing leaked.
func TestReadParquetPagesStops(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.parquet")
	writeTensorParquet(t, p, 60, 30)
	stop := errors.New("stop")
	tests := []struct {
		name   string
		cancel bool
		ret    error
		want   error
	}{
		{name: "emit error", ret: stop, want: stop},
		{name: "cancel", cancel: true, want: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			err := ReadParquet(ctx, mem, Local(), File{Path: p}, ParquetOptions{Columns: []string{"t", "id"}, BatchRows: 10}, func(rec arrow.RecordBatch) error {
				rec.Release()
				calls++
				if tc.cancel {
					cancel()
				}
				return tc.ret
			})
			if !errors.Is(err, tc.want) || calls != 1 {
				t.Fatalf("err = %v after %d calls, want %v after 1", err, calls, tc.want)
			}
		})
	}
}
