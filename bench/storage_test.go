package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/storage"
	_ "github.com/sluicedata/sluice/storage/s3"
)

// s3BenchRows x 4 random 8-byte columns: a 32 MB Parquet file that compression cannot shrink,
// in 4 row groups.
const s3BenchRows = 1 << 20

// BenchmarkS3ParquetRead reads one Parquet file through read.ReadParquet from local disk and
// from an S3 server on loopback, in MB/s of file bytes. The server is versitygw when
// SLUICE_VERSITYGW_ENDPOINT is set (scripts/versitygw.sh prints it; the bucket is
// SLUICE_VERSITYGW_BUCKET, default "sluice"), else gofakes3 in this process, which competes
// with the reader for the 2 cores. Goal: S3 reaches 70% of local; each S3 variant also
// reports its figure as a fraction of local's in the same run (of-local), when local ran.
//
//   - local: the OS file through read.Default().
//   - s3: the same bytes as an object, as read.ReadParquet reads it by default: the Parquet
//     source declares each row group's column chunks and the next's (RangeReader.Prefetch),
//     fetched in the background while it decodes; other reads go through 4 MiB blocks.
//   - s3-no-prefetch: no declarations, the 4 MiB blocks and their read-ahead alone.
//   - s3-1m-blocks: no declarations, 1 MiB blocks.
//   - s3-no-readahead: no declarations and no blocks: every ReadAt is its own range request.
//   - s3-stream-only: the object streamed by one GET without decoding: the link's speed.
//
// Every read variant also reports cpu-ms/file, this process's CPU time per file (with
// gofakes3 it includes the server), and, against versitygw, server-cpu-ms/file, the server
// process's (SLUICE_VERSITYGW_PID, which scripts/versitygw.sh exports).
func BenchmarkS3ParquetRead(b *testing.B) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	ctx := context.Background()
	dir := b.TempDir()
	local := writeS3BenchParquet(b, mem, dir)
	data, err := os.ReadFile(local)
	if err != nil {
		b.Fatal(err)
	}

	base, opts, stop := s3BenchServer(b)
	defer stop()
	upload := &storage.FS{}
	defer upload.Close()
	obj, err := upload.Resolve(ctx, base+"/bench/data.parquet?"+opts)
	if err != nil {
		b.Fatal(err)
	}
	w, err := upload.Create(ctx, obj)
	if err != nil {
		b.Fatal(err)
	}
	w.Write(data)
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}

	var localMBps float64
	run := func(b *testing.B, st read.Storage, path string) {
		f := read.File{Path: path, Size: int64(len(data))}
		cpu0, server0 := cpuTime(), serverCPU()
		for b.Loop() {
			rows, err := readParquetRows(ctx, mem, st, f, read.ParquetOptions{})
			if err != nil || rows != s3BenchRows {
				b.Fatalf("%d rows, %v", rows, err)
			}
		}
		cpu, server := cpuTime()-cpu0, serverCPU()-server0
		mbps := float64(len(data)) * float64(b.N) / b.Elapsed().Seconds() / 1e6
		b.ReportMetric(mbps, "MB/s")
		b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/file")
		if path != local && server0 >= 0 && server >= 0 {
			b.ReportMetric(float64(server.Microseconds())/1e3/float64(b.N), "server-cpu-ms/file")
		}
		if path == local {
			localMBps = mbps
		} else if localMBps > 0 {
			b.ReportMetric(mbps/localMBps, "of-local")
		}
	}
	b.Run("local", func(b *testing.B) { run(b, read.Default(), local) })
	// The link: the object streamed to io.Discard by one GET, no decoding.
	b.Run("s3-stream-only", func(b *testing.B) {
		fs := &storage.FS{}
		defer fs.Close()
		p, err := fs.Resolve(ctx, obj+"?"+opts)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			rc, err := fs.Open(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil || n != int64(len(data)) {
				b.Fatalf("%d bytes, %v", n, err)
			}
		}
		b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
	for _, tc := range []struct {
		name     string
		ahead    int64
		prefetch bool
	}{{"s3", 0, true}, {"s3-no-prefetch", 0, false}, {"s3-1m-blocks", 1 << 20, false}, {"s3-no-readahead", -1, false}} {
		b.Run(tc.name, func(b *testing.B) {
			fs := &storage.FS{ReadAhead: tc.ahead}
			defer fs.Close()
			p, err := fs.Resolve(ctx, obj+"?"+opts)
			if err != nil {
				b.Fatal(err)
			}
			st := read.NewStorage(fs)
			if !tc.prefetch {
				st = noPrefetch{st}
			}
			run(b, st, p)
		})
	}
}

// serverCPU returns the CPU time (user and system) the versitygw process has used so far,
// read from /proc/$SLUICE_VERSITYGW_PID/stat (scripts/versitygw.sh exports the pid), or -1
// when there is no such process to read. The kernel counts it in clock ticks of 10 ms
// (USER_HZ, 100 on Linux).
func serverCPU() time.Duration {
	pid := os.Getenv("SLUICE_VERSITYGW_PID")
	if pid == "" {
		return -1
	}
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses and may hold spaces: the
	// third field of the line (state) is first, utime (14th) and stime (15th) follow.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// noPrefetch hides RangeReader.Prefetch from the Parquet source, which then reads through the
// blocks alone.
type noPrefetch struct{ read.Storage }

func (s noPrefetch) OpenRange(ctx context.Context, path string) (read.RangeReader, error) {
	rr, err := s.Storage.OpenRange(ctx, path)
	if err != nil {
		return nil, err
	}
	return struct{ read.RangeReader }{rr}, nil
}

// s3ListObjects is how many objects BenchmarkS3ListFirstFile lists: the goal is that
// listing 100,000 small objects delays the first row by under 1 s.
const s3ListObjects = 100_000

// BenchmarkS3ListFirstFile lists 100,000 objects through read.ListFiles from gofakes3 in this
// process and reports the time until the first file reaches the caller (ms/first: reading can
// start then, while later pages are still listed) and for the whole listing (ms/list).
func BenchmarkS3ListFirstFile(b *testing.B) {
	ctx := context.Background()
	b.Setenv("AWS_ACCESS_KEY_ID", "sluice")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "sluice-secret")
	b.Setenv("AWS_CONFIG_FILE", os.DevNull)
	b.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	backend := s3mem.New()
	if err := backend.CreateBucket("bench"); err != nil {
		b.Fatal(err)
	}
	for i := range s3ListObjects {
		key := fmt.Sprintf("many/part-%06d.json", i)
		if _, err := backend.PutObject("bench", key, map[string]string{}, strings.NewReader("{}"), 2, nil); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	fs := &storage.FS{}
	defer fs.Close()
	root, err := fs.Resolve(ctx, "s3://bench/many?endpoint="+url.QueryEscape(srv.URL)+"&use_path_style=true&region=us-east-1")
	if err != nil {
		b.Fatal(err)
	}
	st := read.NewStorage(fs)
	var first, total time.Duration
	for b.Loop() {
		start := time.Now()
		n := 0
		err := read.ListFiles(ctx, st, []string{root}, read.ListOptions{Extensions: []string{"json"}}, func(read.File) error {
			if n == 0 {
				first += time.Since(start)
			}
			n++
			return nil
		})
		total += time.Since(start)
		if err != nil || n != s3ListObjects {
			b.Fatalf("listed %d, %v", n, err)
		}
	}
	b.ReportMetric(first.Seconds()*1e3/float64(b.N), "ms/first")
	b.ReportMetric(total.Seconds()*1e3/float64(b.N), "ms/list")
}

// writeS3BenchParquet writes the benchmark file under dir and returns its path.
func writeS3BenchParquet(b *testing.B, mem memory.Allocator, dir string) string {
	b.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "r", Type: arrow.PrimitiveTypes.Int64},
		{Name: "u", Type: arrow.PrimitiveTypes.Float64},
		{Name: "n", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	fw, err := write.NewFiles(context.Background(), write.Local(), write.Parquet(write.ParquetAllocator(mem),
		write.ParquetDictionary(false), write.ParquetRowGroupRows(s3BenchRows/4)), write.FilesOptions{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer fw.Abort()
	rng := rand.New(rand.NewPCG(3, 4))
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for from := 0; from < s3BenchRows; from += 1 << 16 {
		for i := range 1 << 16 {
			bld.Field(0).(*array.Int64Builder).Append(int64(from + i))
			bld.Field(1).(*array.Int64Builder).Append(rng.Int64())
			bld.Field(2).(*array.Float64Builder).Append(rng.Float64())
			bld.Field(3).(*array.Float64Builder).Append(rng.NormFloat64())
		}
		rec := bld.NewRecordBatch()
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			b.Fatal(err)
		}
	}
	paths, err := fw.Close()
	if err != nil || len(paths) != 1 {
		b.Fatalf("wrote %q, %v", paths, err)
	}
	return filepath.Clean(paths[0])
}

// s3BenchServer returns the s3://bucket URL of the benchmark's S3 server, the URL options
// that reach it, and a stop function.
func s3BenchServer(b *testing.B) (bucketURL, opts string, stop func()) {
	options := func(endpoint string) string {
		return "endpoint=" + url.QueryEscape(endpoint) + "&use_path_style=true&region=us-east-1"
	}
	if ep := os.Getenv("SLUICE_VERSITYGW_ENDPOINT"); ep != "" {
		bucket := os.Getenv("SLUICE_VERSITYGW_BUCKET")
		if bucket == "" {
			bucket = "sluice"
		}
		return "s3://" + bucket, options(ep), func() {}
	}
	b.Setenv("AWS_ACCESS_KEY_ID", "sluice")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "sluice-secret")
	b.Setenv("AWS_CONFIG_FILE", os.DevNull)
	b.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	backend := s3mem.New()
	if err := backend.CreateBucket("bench"); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	return "s3://bench", options(srv.URL), srv.Close
}
