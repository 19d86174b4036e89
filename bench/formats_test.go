package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// formatBenchRows rows of formatBenchSchema: 200k x (3 int64, 3 float64, 2 string) columns,
// 13.6 MB of Arrow data, 18.3 MB as CSV.
const formatBenchRows = 200_000

var formatBenchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},      // sequential
	{Name: "small", Type: arrow.PrimitiveTypes.Int64},   // 0..999
	{Name: "big", Type: arrow.PrimitiveTypes.Int64},     // uniform
	{Name: "u", Type: arrow.PrimitiveTypes.Float64},     // uniform
	{Name: "n", Type: arrow.PrimitiveTypes.Float64},     // normal
	{Name: "price", Type: arrow.PrimitiveTypes.Float64}, // two decimals, never integral
	{Name: "name", Type: arrow.BinaryTypes.String},      // name-<0..49999>
	{Name: "code", Type: arrow.BinaryTypes.String},      // one of three
}, nil)

// formatBenchTable is the benchmark's table as record batches of 64 Ki rows (the caller
// releases them).
func formatBenchTable() []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(7, 8))
	bld := array.NewRecordBuilder(memory.NewGoAllocator(), formatBenchSchema)
	defer bld.Release()
	var recs []arrow.RecordBatch
	const chunk = 1 << 16
	for start := 0; start < formatBenchRows; start += chunk {
		for i := range min(chunk, formatBenchRows-start) {
			bld.Field(0).(*array.Int64Builder).Append(int64(start + i))
			bld.Field(1).(*array.Int64Builder).Append(rng.Int64N(1000))
			bld.Field(2).(*array.Int64Builder).Append(rng.Int64())
			bld.Field(3).(*array.Float64Builder).Append(rng.Float64())
			bld.Field(4).(*array.Float64Builder).Append(rng.NormFloat64())
			bld.Field(5).(*array.Float64Builder).Append(float64(rng.IntN(100000)*100+rng.IntN(99)+1) / 100)
			bld.Field(6).(*array.StringBuilder).Append("name-" + strconv.Itoa(rng.IntN(50000)))
			bld.Field(7).(*array.StringBuilder).Append([]string{"AB", "CD", "EF"}[rng.IntN(3)])
		}
		recs = append(recs, bld.NewRecordBatch())
	}
	return recs
}

// formatBenchText writes the table as CSV (with a header) or JSON Lines; floats in Go's
// shortest round-trip form, so every reader gets the same values back.
func formatBenchText(recs []arrow.RecordBatch, jsonLines bool) []byte {
	var buf bytes.Buffer
	if !jsonLines {
		buf.WriteString("id,small,big,u,n,price,name,code\n")
	}
	for _, rec := range recs {
		ints := [3]*array.Int64{rec.Column(0).(*array.Int64), rec.Column(1).(*array.Int64), rec.Column(2).(*array.Int64)}
		flts := [3]*array.Float64{rec.Column(3).(*array.Float64), rec.Column(4).(*array.Float64), rec.Column(5).(*array.Float64)}
		name, code := rec.Column(6).(*array.String), rec.Column(7).(*array.String)
		for i := range int(rec.NumRows()) {
			f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
			if jsonLines {
				fmt.Fprintf(&buf, `{"id":%d,"small":%d,"big":%d,"u":%s,"n":%s,"price":%s,"name":%q,"code":%q}`+"\n",
					ints[0].Value(i), ints[1].Value(i), ints[2].Value(i), f(flts[0].Value(i)), f(flts[1].Value(i)), f(flts[2].Value(i)), name.Value(i), code.Value(i))
			} else {
				fmt.Fprintf(&buf, "%d,%d,%d,%s,%s,%s,%s,%s\n",
					ints[0].Value(i), ints[1].Value(i), ints[2].Value(i), f(flts[0].Value(i)), f(flts[1].Value(i)), f(flts[2].Value(i)), name.Value(i), code.Value(i))
			}
		}
	}
	return buf.Bytes()
}

// compressBench compresses raw with gzip or zstd at their default levels (what gzip(1),
// zstd(1) and pyarrow's CompressedOutputStream write).
func compressBench(b *testing.B, raw []byte, codec string) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch codec {
	case "gz":
		w = gzip.NewWriter(&buf)
	case "zst":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			b.Fatal(err)
		}
		w = zw
	default:
		b.Fatalf("codec %q", codec)
	}
	if _, err := w.Write(raw); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// writeFormatBenchIPC writes the table as an Arrow IPC file or stream, uncompressed.
func writeFormatBenchIPC(b *testing.B, path string, recs []arrow.RecordBatch, stream bool) {
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if stream {
		w = ipc.NewWriter(out, ipc.WithSchema(formatBenchSchema))
	} else if w, err = ipc.NewFileWriter(out, ipc.WithSchema(formatBenchSchema)); err != nil {
		b.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// writeFormatBenchParquet writes the table as Parquet: snappy, dictionary encoding on, one
// row group (pyarrow's defaults).
func writeFormatBenchParquet(b *testing.B, path string, recs []arrow.RecordBatch) {
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(formatBenchSchema, out,
		parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20)),
		pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// formatBenchReader reads one file of the benchmark and returns the rows, Arrow bytes
// (dataBytes: pyarrow's Table.nbytes) and column types it produced.
type formatBenchReader func(ctx context.Context, mem memory.Allocator, f read.File) (rows, arrowBytes int64, types []arrow.DataType, err error)

func countingEmit(rows, size *int64, types *[]arrow.DataType) read.Emit {
	return func(rec arrow.RecordBatch) error {
		*rows += rec.NumRows()
		for _, c := range rec.Columns() {
			*size += dataBytes(c.Data())
		}
		if *types == nil {
			for _, f := range rec.Schema().Fields() {
				*types = append(*types, f.Type)
			}
		}
		rec.Release()
		return nil
	}
}

// BenchmarkFormatRead reads the same 200k-row table (3 int64, 3 float64 and 2 string
// columns) stored as CSV, CSV.gz, CSV.zst, JSON Lines, JSON Lines.gz, an Arrow IPC file
// (memory-mapped, and through ReadAt with NoMmap) and an IPC stream, each with its read.*
// reader on one goroutine, and, in the same loop iteration, the same table as plain Parquet
// (snappy, dictionary on: pyarrow's defaults) with read.ReadParquet. The unit of every MB
// figure is the uncompressed Arrow bytes of the table as Parquet reads it (pyarrow's
// Table.nbytes of the output: 13.6 MB; CSV and JSON give the same values with 0.2 MB of
// validity bitmaps more), the same for every format, not the file's bytes: MB/cpu-s is that over the process's CPU time (user + system, the garbage collector's
// included), which on one goroutine is MB/s per core and stays honest on a shared machine;
// parquet_MB/cpu-s is the Parquet read's, measured in the same iterations, and x_parquet
// their ratio (above 1: faster than Parquet). ns/op and MB/s time the format's read alone.
// Run it as
//
//	go test ./bench -run '^$' -bench 'FormatRead' -benchtime 5x -cpu 1
func BenchmarkFormatRead(b *testing.B) {
	recs := formatBenchTable()
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	dir := b.TempDir()
	write := func(name string, raw []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			b.Fatal(err)
		}
		return p
	}
	csvText, jsonText := formatBenchText(recs, false), formatBenchText(recs, true)
	pq := filepath.Join(dir, "table.parquet")
	writeFormatBenchParquet(b, pq, recs)
	ipcFile, ipcStream := filepath.Join(dir, "table.arrow"), filepath.Join(dir, "table.arrows")
	writeFormatBenchIPC(b, ipcFile, recs, false)
	writeFormatBenchIPC(b, ipcStream, recs, true)

	csvReader := func(ctx context.Context, mem memory.Allocator, f read.File) (int64, int64, []arrow.DataType, error) {
		var rows, size int64
		var types []arrow.DataType
		err := read.ReadCSV(ctx, mem, read.Local(), f, read.CSVOptions{}, countingEmit(&rows, &size, &types))
		return rows, size, types, err
	}
	jsonReader := func(ctx context.Context, mem memory.Allocator, f read.File) (int64, int64, []arrow.DataType, error) {
		var rows, size int64
		var types []arrow.DataType
		err := read.ReadJSON(ctx, mem, read.Local(), f, read.JSONOptions{}, countingEmit(&rows, &size, &types))
		return rows, size, types, err
	}
	arrowReader := func(noMmap bool) formatBenchReader {
		return func(ctx context.Context, mem memory.Allocator, f read.File) (int64, int64, []arrow.DataType, error) {
			var rows, size int64
			var types []arrow.DataType
			err := read.ReadArrow(ctx, mem, read.Local(), f, read.ArrowOptions{NoMmap: noMmap}, countingEmit(&rows, &size, &types))
			return rows, size, types, err
		}
	}
	parquetReader := func(ctx context.Context, mem memory.Allocator, f read.File) (int64, int64, []arrow.DataType, error) {
		var rows, size int64
		var types []arrow.DataType
		err := read.ReadParquet(ctx, mem, read.Local(), f, read.ParquetOptions{}, countingEmit(&rows, &size, &types))
		return rows, size, types, err
	}
	cases := []struct {
		name string
		path string
		read formatBenchReader
	}{
		{"csv", write("table.csv", csvText), csvReader},
		{"csv.gz", write("table.csv.gz", compressBench(b, csvText, "gz")), csvReader},
		{"csv.zst", write("table.csv.zst", compressBench(b, csvText, "zst")), csvReader},
		{"jsonl", write("table.jsonl", jsonText), jsonReader},
		{"jsonl.gz", write("table.jsonl.gz", compressBench(b, jsonText, "gz")), jsonReader},
		{"arrow-file/mmap", ipcFile, arrowReader(false)},
		{"arrow-file/no-mmap", ipcFile, arrowReader(true)},
		{"arrow-stream", ipcStream, arrowReader(false)},
	}
	ctx := context.Background()
	fileOf := func(p string) read.File {
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		return read.File{Path: p, Size: st.Size()}
	}
	pqFile := fileOf(pq)
	_, tableBytes, pqTypes, err := parquetReader(ctx, memory.NewGoAllocator(), pqFile)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("table: %d rows, %.1f MB as Arrow (the unit of every MB figure); parquet file %.1f MB", formatBenchRows, float64(tableBytes)/1e6, float64(pqFile.Size)/1e6)
	for _, c := range cases {
		f := fileOf(c.path)
		b.Run(c.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			// One read outside the timing checks the rows and the types against Parquet's.
			rows, size, types, err := c.read(ctx, mem, f)
			if err != nil {
				b.Fatal(err)
			}
			if rows != formatBenchRows || fmt.Sprint(types) != fmt.Sprint(pqTypes) {
				b.Fatalf("%s: %d rows of %v, want %d of %v", c.name, rows, types, formatBenchRows, pqTypes)
			}
			if size != tableBytes {
				b.Logf("%s: its batches hold %d Arrow bytes, Parquet's %d", c.name, size, tableBytes)
			}
			b.SetBytes(tableBytes)
			var fmtCPU, pqCPU time.Duration
			b.ResetTimer()
			for b.Loop() {
				cpu0 := cpuTime()
				if rows, _, _, err := c.read(ctx, mem, f); err != nil || rows != formatBenchRows {
					b.Fatalf("%s: %d rows, %v", c.name, rows, err)
				}
				fmtCPU += cpuTime() - cpu0
				b.StopTimer()
				cpu0 = cpuTime()
				if rows, _, _, err := parquetReader(ctx, mem, pqFile); err != nil || rows != formatBenchRows {
					b.Fatalf("parquet: %d rows, %v", rows, err)
				}
				pqCPU += cpuTime() - cpu0
				b.StartTimer()
			}
			mb := float64(tableBytes) * float64(b.N) / 1e6
			b.ReportMetric(mb/fmtCPU.Seconds(), "MB/cpu-s")
			b.ReportMetric(mb/pqCPU.Seconds(), "parquet_MB/cpu-s")
			b.ReportMetric(pqCPU.Seconds()/fmtCPU.Seconds(), "x_parquet")
			b.ReportMetric(float64(f.Size)/1e6, "file_MB")
		})
	}
}

// BenchmarkWebDatasetImages reads the ImageNet-like corpus (bench/corpus: 1000 JPEGs about
// 500x375) two ways in the same loop iteration, each at 224x224 RGB on all cores: the
// files with data.ReadImages, and the same JPEG bytes packed into 16 WebDataset tar shards
// (<key>.jpg and <key>.cls, as webdataset's TarWriter writes them) with
// data.ReadWebDataset. It reports both in images per CPU second (the process's user and
// system time) and x_ReadImages, their ratio (issue 15's goal: at least 0.9); the two
// alternate which runs first. Run it as
//
//	go test ./bench -run '^$' -bench 'WebDatasetImages' -benchtime 3x [-tags libjpeg]
func BenchmarkWebDatasetImages(b *testing.B) {
	dir := corpusDir("SLUICE_IMAGENET_DIR", imagenetCorpusDir)
	n, err := countJPEGs(dir)
	if err != nil || n == 0 {
		b.Skipf("no image corpus at bench/%s (%v); %s", dir, err, buildCorpusHint)
	}
	shards := b.TempDir()
	if err := writeJPEGShards(dir, shards, 16); err != nil {
		b.Fatal(err)
	}
	mem := memcheck.New(memory.NewGoAllocator())
	dc := &data.Context{Allocator: mem, NoProgress: true}
	ctx := context.Background()
	wds := func() (int, error) {
		ds := data.ReadWebDataset(shards, data.ImageSize(224, 224), data.ImageMode("RGB"), data.Columns("__key__", "jpg")).WithContext(dc)
		got := 0
		for batch, err := range ds.IterBatches(ctx) {
			if err != nil {
				return got, err
			}
			img, err := batch.Tensor("jpg")
			if err != nil {
				return got, err
			}
			if s := img.Shape; len(s) != 4 || s[1] != 224 || s[2] != 224 || s[3] != 3 {
				return got, fmt.Errorf("jpg column of shape %v, want [N 224 224 3]", s)
			}
			got += batch.NumRows()
		}
		return got, nil
	}
	var imgCPU, wdsCPU time.Duration
	b.ResetTimer()
	files := func() (int, error) { return readAll224(ctx, dc, dir) }
	// The two alternate which goes first, so neither always pays for the other's garbage.
	for i := 0; b.Loop(); i++ {
		runs := []struct {
			name string
			read func() (int, error)
			cpu  *time.Duration
		}{{"ReadImages", files, &imgCPU}, {"ReadWebDataset", wds, &wdsCPU}}
		if i%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, r := range runs {
			cpu0 := cpuTime()
			if got, err := r.read(); err != nil || got != n {
				b.Fatalf("%s: %d images, %v; want %d", r.name, got, err, n)
			}
			*r.cpu += cpuTime() - cpu0
		}
	}
	images := float64(n) * float64(b.N)
	b.ReportMetric(images/wdsCPU.Seconds(), "wds-images/cpu-s")
	b.ReportMetric(images/imgCPU.Seconds(), "ReadImages-images/cpu-s")
	b.ReportMetric(imgCPU.Seconds()/wdsCPU.Seconds(), "x_ReadImages")
	b.ReportMetric(images/b.Elapsed().Seconds(), "both-images/s")
	if a := mem.CurrentAlloc(); a != 0 {
		b.Errorf("%d bytes of Arrow memory left after the runs", a)
	}
}

// writeJPEGShards packs the JPEGs of dir, in name order, into k tar shards of out
// (shard-000000.tar ...), each photo a sample <stem>.jpg with its index as <stem>.cls.
func writeJPEGShards(dir, out string, k int) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	per := (len(names) + k - 1) / k
	for s := 0; s*per < len(names); s++ {
		f, err := os.Create(filepath.Join(out, fmt.Sprintf("shard-%06d.tar", s)))
		if err != nil {
			return err
		}
		tw := tar.NewWriter(f)
		for i := s * per; i < min((s+1)*per, len(names)); i++ {
			raw, err := os.ReadFile(names[i])
			if err != nil {
				return err
			}
			key := strings.TrimSuffix(filepath.Base(names[i]), ".jpg")
			for _, m := range []struct {
				ext  string
				data []byte
			}{{"jpg", raw}, {"cls", []byte(strconv.Itoa(i))}} {
				if err := tw.WriteHeader(&tar.Header{Name: key + "." + m.ext, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
					return err
				}
				if _, err := tw.Write(m.data); err != nil {
					return err
				}
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
