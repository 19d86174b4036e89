package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/data/read"
)

// benchParquetRows x 8 numeric columns x 8 bytes = 96 MB of Arrow data.
const benchParquetRows = 1_500_000

// writeBenchParquet writes 4 int64 and 4 float64 columns, snappy, row groups of 1Mi rows
// (pyarrow's default), dictionary encoding on (the default of pyarrow and pqarrow; columns
// whose dictionary passes 1 MB fall back to plain pages) or off, and returns the uncompressed Arrow size in bytes.
func writeBenchParquet(b *testing.B, path string, dict bool) int64 {
	b.Helper()
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},      // sequential
		{Name: "small", Type: arrow.PrimitiveTypes.Int64},   // 0..999
		{Name: "random", Type: arrow.PrimitiveTypes.Int64},  // uniform
		{Name: "ts", Type: arrow.PrimitiveTypes.Int64},      // increasing with jitter
		{Name: "u", Type: arrow.PrimitiveTypes.Float64},     // uniform
		{Name: "n", Type: arrow.PrimitiveTypes.Float64},     // normal
		{Name: "price", Type: arrow.PrimitiveTypes.Float64}, // two decimals
		{Name: "flag", Type: arrow.PrimitiveTypes.Float64},  // mostly 0
	}
	schema := arrow.NewSchema(fields, nil)
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out,
		parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20),
			parquet.WithDictionaryDefault(dict)),
		pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bld := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer bld.Release()
	const chunk = 1 << 16
	var size int64
	for start := 0; start < benchParquetRows; start += chunk {
		n := min(chunk, benchParquetRows-start)
		for i := range n {
			id := int64(start + i)
			bld.Field(0).(*array.Int64Builder).Append(id)
			bld.Field(1).(*array.Int64Builder).Append(rng.Int64N(1000))
			bld.Field(2).(*array.Int64Builder).Append(rng.Int64())
			bld.Field(3).(*array.Int64Builder).Append(1_700_000_000_000 + id*1000 + rng.Int64N(1000))
			bld.Field(4).(*array.Float64Builder).Append(rng.Float64())
			bld.Field(5).(*array.Float64Builder).Append(rng.NormFloat64())
			bld.Field(6).(*array.Float64Builder).Append(float64(rng.IntN(100000)) / 100)
			f := 0.0
			if rng.IntN(100) == 0 {
				f = 1
			}
			bld.Field(7).(*array.Float64Builder).Append(f)
		}
		rec := bld.NewRecordBatch()
		size += int64(n) * int64(len(fields)) * 8
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return size
}

// parquetBenchFile is one file of BenchmarkParquetRead: an encoding of the issue 14 goals.
type parquetBenchFile struct {
	name string
	goal float64 // MB/s per core (issue 14), 0 where it sets none
	// write writes the file at path.
	write func(b *testing.B, path string)
}

// parquetBenchFiles are the encodings BenchmarkParquetRead measures, each written by pqarrow
// with snappy and row groups of 1Mi rows (pyarrow's default).
var parquetBenchFiles = []parquetBenchFile{
	{"numeric/plain", 1500, func(b *testing.B, p string) { writeBenchParquet(b, p, false) }},
	{"numeric/dict", 1000, func(b *testing.B, p string) { writeBenchParquet(b, p, true) }},
	{"numeric/nulls", 0, func(b *testing.B, p string) { writeBenchColumns(b, p, benchNumericNulls, nil) }},
	{"strings/plain", 600, func(b *testing.B, p string) {
		writeBenchColumns(b, p, benchStrings, []parquet.WriterProperty{parquet.WithDictionaryDefault(false)})
	}},
	{"strings/dict", 600, func(b *testing.B, p string) { writeBenchColumns(b, p, benchStrings, nil) }},
	{"strings/delta", 600, func(b *testing.B, p string) {
		writeBenchColumns(b, p, benchStrings, []parquet.WriterProperty{parquet.WithDictionaryDefault(false),
			parquet.WithEncoding(parquet.Encodings.DeltaByteArray)})
	}},
	{"bool+temporal", 0, func(b *testing.B, p string) { writeBenchColumns(b, p, benchTemporal, nil) }},
}

// BenchmarkParquetRead reads each file of parquetBenchFiles with read.ReadParquet on one
// goroutine and reports MB/s of uncompressed Arrow data, next to pyarrow's read of the same
// file (pq.read_table, one thread, pinned: bench/peers/pyarrow_parquet.py) measured in the
// same run. MB/cpu-s divides by the process's CPU time rather than the wall clock, as
// pyarrow_MB/cpu-s does, so x_pyarrow (their ratio) and the comparison with goal_MB/s
// (issue 14's goals per core) hold on a machine shared with other work. Run it with -cpu 1
// (GOMAXPROCS=1: the garbage collector shares the core, as it would with every core busy).
// Under numeric/dict, sub-benchmarks vary BatchRows, Parallel, the projection and the page
// reader.
func BenchmarkParquetRead(b *testing.B) {
	dir := b.TempDir()
	paths := make([]string, len(parquetBenchFiles))
	for i, f := range parquetBenchFiles {
		paths[i] = filepath.Join(dir, strings.ReplaceAll(f.name, "/", "-")+".parquet")
		f.write(b, paths[i])
	}
	peer, peerErr := pyarrowParquetPeer(paths)
	if peerErr != nil {
		b.Logf("no pyarrow figures: %v", peerErr)
	}
	for i, f := range parquetBenchFiles {
		file := read.File{Path: paths[i]}
		if st, err := os.Stat(paths[i]); err == nil {
			file.Size = st.Size()
		}
		size := arrowSizeOf(b, file)
		b.Logf("%s: file %.1f MB, %.1f MB as Arrow", f.name, float64(file.Size)/1e6, float64(size)/1e6)
		type variant struct {
			name string
			opts read.ParquetOptions
		}
		cases := []variant{{"", read.ParquetOptions{}}}
		if f.name == "numeric/dict" {
			cases = append(cases, variant{"/rows=8k", read.ParquetOptions{BatchRows: 8 << 10}},
				variant{"/rows=1M", read.ParquetOptions{BatchRows: 1 << 20}},
				variant{"/parallel", read.ParquetOptions{Parallel: true}},
				variant{"/cols=2", read.ParquetOptions{Columns: []string{"id", "u"}}},
				variant{"/no-page-reader", read.ParquetOptions{NoPageReader: true}})
		}
		for _, c := range cases {
			b.Run(f.name+c.name, func(b *testing.B) {
				want := size
				if len(c.opts.Columns) > 0 {
					want = size / 8 * int64(len(c.opts.Columns))
				}
				b.SetBytes(want)
				mem := memory.NewGoAllocator()
				ctx := context.Background()
				b.ResetTimer()
				cpu0 := cpuTime()
				for b.Loop() {
					rows, err := readParquetRows(ctx, mem, read.Local(), file, c.opts)
					if err != nil {
						b.Fatal(err)
					}
					if rows != benchParquetRows {
						b.Fatalf("read %d rows, want %d", rows, benchParquetRows)
					}
				}
				cpu := (cpuTime() - cpu0).Seconds()
				mb := float64(want) * float64(b.N) / 1e6
				b.ReportMetric(mb/b.Elapsed().Seconds(), "MB/s")
				// Per CPU-second (the process's user and system time, the garbage collector's
				// included): on a shared machine the figure that compares with pyarrow's.
				b.ReportMetric(mb/cpu, "MB/cpu-s")
				if f.goal > 0 {
					b.ReportMetric(f.goal, "goal_MB/s")
				}
				if p, ok := peer.Files[paths[i]]; ok && c.name == "" {
					b.ReportMetric(p.MBsCPU, "pyarrow_MB/cpu-s")
					b.ReportMetric(mb/cpu/p.MBsCPU, "x_pyarrow")
				}
			})
		}
	}
}

// writeBenchColumns writes benchParquetRows rows of the columns cols makes, in chunks, with
// snappy, row groups of 1Mi rows and the extra writer properties.
func writeBenchColumns(b *testing.B, path string, cols func(bld *array.RecordBuilder, rng *rand.Rand, start, n int) *arrow.Schema, extra []parquet.WriterProperty) {
	b.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	schema := cols(nil, rng, 0, 0)
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	props := append([]parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1 << 20)}, extra...)
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	bld := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer bld.Release()
	const chunk = 1 << 16
	for start := 0; start < benchParquetRows; start += chunk {
		n := min(chunk, benchParquetRows-start)
		cols(bld, rng, start, n)
		rec := bld.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchNumericNulls: the numeric file's int64 and float64 kinds, optional, 10% nulls.
func benchNumericNulls(bld *array.RecordBuilder, rng *rand.Rand, start, n int) *arrow.Schema {
	if bld == nil {
		var fields []arrow.Field
		for _, name := range []string{"id", "small", "random", "ts"} {
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true})
		}
		for _, name := range []string{"u", "n", "price", "flag"} {
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true})
		}
		return arrow.NewSchema(fields, nil)
	}
	for i := range n {
		id := int64(start + i)
		vals := []int64{id, rng.Int64N(1000), rng.Int64(), 1_700_000_000_000 + id*1000}
		for k, v := range vals {
			if rng.IntN(10) == 0 {
				bld.Field(k).AppendNull()
			} else {
				bld.Field(k).(*array.Int64Builder).Append(v)
			}
		}
		fs := []float64{rng.Float64(), rng.NormFloat64(), float64(rng.IntN(100000)) / 100, 0}
		for k, v := range fs {
			if rng.IntN(10) == 0 {
				bld.Field(4 + k).AppendNull()
			} else {
				bld.Field(4 + k).(*array.Float64Builder).Append(v)
			}
		}
	}
	return nil
}

// benchStrings: a low-cardinality word (dictionary-friendly), a 16-hex-digit id and a
// sentence of 20-60 bytes, required.
func benchStrings(bld *array.RecordBuilder, rng *rand.Rand, start, n int) *arrow.Schema {
	if bld == nil {
		return arrow.NewSchema([]arrow.Field{
			{Name: "word", Type: arrow.BinaryTypes.String},
			{Name: "hex", Type: arrow.BinaryTypes.String},
			{Name: "text", Type: arrow.BinaryTypes.String},
		}, nil)
	}
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"}
	for i := range n {
		bld.Field(0).(*array.StringBuilder).Append(words[rng.IntN(len(words))] + strconv.Itoa(rng.IntN(50)))
		bld.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("%016x", rng.Uint64()))
		bld.Field(2).(*array.StringBuilder).Append(strings.Repeat(words[(start+i)%len(words)]+" ", 3+rng.IntN(8)))
	}
	return nil
}

// benchTemporal: a boolean, a timestamp[us] and a date32, optional with 5% nulls.
func benchTemporal(bld *array.RecordBuilder, rng *rand.Rand, start, n int) *arrow.Schema {
	if bld == nil {
		return arrow.NewSchema([]arrow.Field{
			{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
			{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
			{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		}, nil)
	}
	for i := range n {
		if rng.IntN(20) == 0 {
			bld.Field(0).AppendNull()
			bld.Field(1).AppendNull()
			bld.Field(2).AppendNull()
			continue
		}
		bld.Field(0).(*array.BooleanBuilder).Append(rng.IntN(2) == 0)
		bld.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(1_700_000_000_000_000 + int64(start+i)*1_000_000 + rng.Int64N(1_000_000)))
		bld.Field(2).(*array.Date32Builder).Append(arrow.Date32(19000 + (start+i)/5000))
	}
	return nil
}

// arrowSizeOf reads f once and returns the bytes of its batches' Arrow buffers.
func arrowSizeOf(b *testing.B, f read.File) int64 {
	b.Helper()
	var size int64
	err := read.ReadParquet(context.Background(), memory.NewGoAllocator(), read.Local(), f, read.ParquetOptions{}, func(rec arrow.RecordBatch) error {
		for _, c := range rec.Columns() {
			size += dataBytes(c.Data())
		}
		rec.Release()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return size
}

// dataBytes is the length of d's buffers and its children's, as pyarrow's Table.nbytes
// counts them (the slices in use, not capacity).
func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for i, buf := range d.Buffers() {
		if buf == nil {
			continue
		}
		switch {
		case i == 0: // validity
			n += (int64(d.Len()) + 7) / 8
		default:
			n += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

// pyarrowParquetResult is what bench/peers/pyarrow_parquet.py prints.
type pyarrowParquetResult struct {
	Pyarrow string `json:"pyarrow"`
	Files   map[string]struct {
		ArrowBytes int64   `json:"arrow_bytes"`
		MBs        float64 `json:"mb_s"`
		MBsCPU     float64 `json:"mb_s_cpu"`
	} `json:"files"`
}

// pyarrowParquetPeer runs the pyarrow peer over paths with the peer venv's python
// (bench/peers/.venv) or python3, or $SLUICE_PYTHON.
func pyarrowParquetPeer(paths []string) (pyarrowParquetResult, error) {
	py := os.Getenv("SLUICE_PYTHON")
	if py == "" {
		py = "python3"
		if _, err := os.Stat("peers/.venv/bin/python"); err == nil {
			py = "peers/.venv/bin/python"
		}
	}
	cmd := exec.Command(py, append([]string{"peers/pyarrow_parquet.py"}, paths...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var res pyarrowParquetResult
	if err := cmd.Run(); err != nil {
		return res, fmt.Errorf("%s peers/pyarrow_parquet.py: %w: %s", py, err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return res, fmt.Errorf("pyarrow_parquet.py output %q: %w", stdout.String(), err)
	}
	return res, nil
}

// BenchmarkCSVRead reads a ~24 MB CSV of 200k rows x (3 int, 3 float, 2 string) columns with
// read.ReadCSV, type inference included, and reports MB/s of file and rows/s.
func BenchmarkCSVRead(b *testing.B) {
	const rows = 200_000
	path := filepath.Join(b.TempDir(), "bench.csv")
	var sb strings.Builder
	sb.WriteString("id,small,big,u,n,price,name,code\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		fmt.Fprintf(&sb, "%d,%d,%d,%s,%s,%.2f,name-%d,%s\n", i, rng.IntN(1000), rng.Int64(),
			strconv.FormatFloat(rng.Float64(), 'g', -1, 64), strconv.FormatFloat(rng.NormFloat64(), 'g', -1, 64),
			float64(rng.IntN(100000))/100, rng.IntN(50000), []string{"AB", "CD", "EF"}[rng.IntN(3)])
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	f := read.File{Path: path, Size: int64(sb.Len())}
	for _, c := range []struct {
		name string
		opts read.CSVOptions
	}{
		{"rows=4k", read.CSVOptions{}},
		{"rows=64k", read.CSVOptions{BatchRows: 64 << 10}},
		{"rows=4k/cols=2", read.CSVOptions{Columns: []string{"id", "u"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(f.Size)
			mem := memory.NewGoAllocator()
			ctx := context.Background()
			for b.Loop() {
				var n int64
				err := read.ReadCSV(ctx, mem, read.Local(), f, c.opts, func(rec arrow.RecordBatch) error {
					n += rec.NumRows()
					rec.Release()
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(f.Size)*float64(b.N)/1e6/sec, "MB/s")
			b.ReportMetric(float64(rows)*float64(b.N)/sec, "rows/s")
		})
	}
}

// readParquetRows reads f with read.ReadParquet, releasing every batch, and returns how many
// rows it read.
func readParquetRows(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, opts read.ParquetOptions) (int64, error) {
	var rows int64
	err := read.ReadParquet(ctx, mem, st, f, opts, func(rec arrow.RecordBatch) error {
		rows += rec.NumRows()
		rec.Release()
		return nil
	})
	return rows, err
}
