package s3_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/storage"
	_ "github.com/sluicedata/sluice/storage/s3"
)

// newFS returns an FS with fast retries, closed when the test ends.
func newFS(t *testing.T) *storage.FS {
	f := &storage.FS{Retry: storage.Retry{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond}}
	t.Cleanup(func() { f.Close() })
	return f
}

// intBatch builds a batch with one int64 column "x" holding from, from+1, ..., from+n-1.
func intBatch(mem memory.Allocator, from, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(from + i))
	}
	return b.NewRecordBatch()
}

// readInts lists paths through st and reads every file with readFile, returning column 0 as
// int64 values in file order.
func readInts(t *testing.T, ctx context.Context, mem memory.Allocator, st read.Storage, paths []string, exts []string,
	readFile func(read.File, read.Emit) error) ([]string, []int64) {
	t.Helper()
	var files []string
	var got []int64
	err := read.ListFiles(ctx, st, paths, read.ListOptions{Extensions: exts}, func(f read.File) error {
		files = append(files, f.Path)
		return readFile(f, func(rec arrow.RecordBatch) error {
			defer rec.Release()
			col := rec.Column(0).(*array.Int64)
			got = append(got, col.Int64Values()...)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, got
}

func memoryChecked(t *testing.T) *memcheck.Allocator {
	mem := memcheck.New(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func writeStorage(f *storage.FS) write.Storage { return write.NewStorage(f) }

func bytesContains(s, sub string) bool { return strings.Contains(s, sub) }

func seq(from, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(from + i)
	}
	return out
}

// writeParquet writes rows 0..n-1 as Parquet files of at most perFile rows under dir.
func writeParquet(ctx context.Context, mem memory.Allocator, st write.Storage, dir string, n, perFile int) ([]string, error) {
	fw, err := write.NewFiles(ctx, st, write.Parquet(write.ParquetAllocator(mem)), write.FilesOptions{Dir: dir, MaxRowsPerFile: int64(perFile)})
	if err != nil {
		return nil, err
	}
	defer fw.Abort()
	for from := 0; from < n; from += 1000 {
		rec := intBatch(mem, from, min(1000, n-from))
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			return nil, err
		}
	}
	return fw.Close()
}

func TestReadWriteThroughS3(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the servers close (cleanups run last-in first-out)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	srv := startFakeS3(t, "bucket")
	f := newFS(t)
	// The options are given once, on the first path; listed paths carry none.
	base, err := f.Resolve(ctx, srv.url("", "bucket/out"))
	if err != nil {
		t.Fatal(err)
	}
	if base != "s3://bucket/out" {
		t.Fatalf("Resolve = %q", base)
	}

	written, err := writeParquet(ctx, mem, write.NewStorage(f), base, 2500, 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"out/part_000000_000000.parquet", "out/part_000000_000001.parquet", "out/part_000000_000002.parquet"}
	if got := srv.objects(t, "bucket"); !slices.Equal(got, want) {
		t.Fatalf("objects %q, want %q (written %q)", got, want, written)
	}
	srv.put(t, "bucket", "out/_SUCCESS", nil)
	srv.put(t, "bucket", "out/notes.txt", []byte("not data"))
	srv.put(t, "bucket", "csv/a.csv", []byte("x,y\n1,a\n2,b\n"))
	srv.put(t, "bucket", "csv/sub/b.csv", []byte("x,y\n3,c\n"))

	st := read.NewStorage(f)
	t.Run("parquet by prefix and extension", func(t *testing.T) {
		files, got := readInts(t, ctx, mem, st, []string{"s3://bucket/out"}, []string{"parquet"}, func(file read.File, emit read.Emit) error {
			return read.ReadParquet(ctx, mem, st, file, read.ParquetOptions{}, emit)
		})
		if !slices.Equal(files, written) || !slices.Equal(got, seq(0, 2500)) {
			t.Fatalf("files %q (want %q), %d values", files, written, len(got))
		}
	})
	t.Run("csv by glob", func(t *testing.T) {
		files, got := readInts(t, ctx, mem, st, []string{"s3://bucket/csv/**/*.csv"}, nil, func(file read.File, emit read.Emit) error {
			return read.ReadCSV(ctx, mem, st, file, read.CSVOptions{}, emit)
		})
		if !slices.Equal(files, []string{"s3://bucket/csv/a.csv", "s3://bucket/csv/sub/b.csv"}) || !slices.Equal(got, []int64{1, 2, 3}) {
			t.Fatalf("files %q, values %v", files, got)
		}
	})
	t.Run("a single object", func(t *testing.T) {
		files, got := readInts(t, ctx, mem, st, []string{"s3://bucket/csv/a.csv"}, nil, func(file read.File, emit read.Emit) error {
			return read.ReadCSV(ctx, mem, st, file, read.CSVOptions{}, emit)
		})
		if len(files) != 1 || !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("files %q, values %v", files, got)
		}
	})
	t.Run("missing prefix is fs.ErrNotExist", func(t *testing.T) {
		err := read.ListFiles(ctx, st, []string{"s3://bucket/nothing"}, read.ListOptions{}, func(read.File) error { return nil })
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "s3://bucket/nothing") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAnonymousForm(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the servers close (cleanups run last-in first-out)
	ctx := context.Background()
	srv := startFakeS3(t, "public")
	srv.put(t, "public", "data/a.txt", []byte("hello"))
	f := newFS(t)
	p, err := f.Resolve(ctx, srv.url("anonymous", "public/data/a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if p != "s3://anonymous@public/data/a.txt" {
		t.Fatalf("Resolve = %q", p)
	}
	rc, err := f.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v", b, err)
	}
	for _, r := range srv.seen() {
		if r.signed {
			t.Errorf("%s %s was signed; anonymous requests carry no Authorization", r.method, r.path)
		}
	}
	if _, err := newFS(t).Resolve(ctx, srv.url("alice:pw", "public/x")); err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("a user other than anonymous: err = %v (must fail without echoing the password)", err)
	}
}

// TestFaults runs a write and a read through a proxy that throttles and drops connections,
// and checks that exactly the expected files with exactly the expected rows come out.
func TestFaults(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the servers close (cleanups run last-in first-out)
	tests := []struct {
		name  string
		fault func(n int, r *http.Request) fault
	}{
		{"every third request throttled", func(n int, r *http.Request) fault {
			if n%3 == 0 {
				return slowDown
			}
			return pass
		}},
		{"every fourth connection dropped", func(n int, r *http.Request) fault {
			if n%4 == 0 {
				return drop
			}
			return pass
		}},
		{"first read of every object cut in half", cutFirstReads()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			srv := startFakeS3(t, "bucket")
			f := newFS(t)
			dir, err := f.Resolve(ctx, srv.url("", "bucket/out"))
			if err != nil {
				t.Fatal(err)
			}
			srv.setFault(tt.fault)
			written, err := writeParquet(ctx, mem, write.NewStorage(f), dir, 3000, 1000)
			if err != nil {
				t.Fatal(err)
			}
			srv.setFault(tt.fault)
			// Over one 5 MiB part: a multipart upload, each part retried on its own.
			big := strings.Repeat("0123456789", 700_000)
			w, err := f.Create(ctx, "s3://bucket/text/big.txt")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(w, big); err != nil {
				t.Fatal(err)
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			st := read.NewStorage(f)
			files, got := readInts(t, ctx, mem, st, []string{dir}, nil, func(file read.File, emit read.Emit) error {
				return read.ReadParquet(ctx, mem, st, file, read.ParquetOptions{}, emit)
			})
			if !slices.Equal(files, written) || !slices.Equal(got, seq(0, 3000)) {
				t.Fatalf("files %q, %d values", files, len(got))
			}
			rc, err := st.Open(ctx, "s3://bucket/text/big.txt")
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != big {
				t.Fatalf("stream read %d bytes, %v", len(b), err)
			}
			srv.setFault(nil)
			want := []string{"out/part_000000_000000.parquet", "out/part_000000_000001.parquet", "out/part_000000_000002.parquet", "text/big.txt"}
			if got := srv.objects(t, "bucket"); !slices.Equal(got, want) {
				t.Fatalf("objects %q, want %q", got, want)
			}
			injected := srv.count(slowDown) + srv.count(drop) + srv.count(cutBody)
			if injected == 0 {
				t.Fatal("no fault was injected")
			}
			t.Logf("%d faults injected over %d requests", injected, len(srv.seen()))
		})
	}
}

// cutFirstReads cuts the body of the first GET of every object, so both range reads and
// streams must resume.
func cutFirstReads() func(n int, r *http.Request) fault {
	cut := map[string]bool{}
	return func(n int, r *http.Request) fault {
		if r.Method != http.MethodGet || r.URL.Query().Has("list-type") || r.URL.Query().Has("uploads") || cut[r.URL.Path] {
			return pass
		}
		cut[r.URL.Path] = true
		return cutBody
	}
}

func TestPermanentErrorsFailAtOnce(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the servers close (cleanups run last-in first-out)
	ctx := context.Background()
	srv := startFakeS3(t, "bucket")
	srv.put(t, "bucket", "secret.csv", []byte("x\n1\n"))
	f := newFS(t)
	if _, err := f.Resolve(ctx, srv.url("", "bucket")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		fault    fault
		path     string
		sentinel error
	}{
		{"404", pass, "s3://bucket/missing.csv", fs.ErrNotExist},
		{"403", forbid, "s3://bucket/secret.csv", fs.ErrPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.setFault(func(int, *http.Request) fault { return tt.fault })
			before := len(srv.seen())
			_, err := f.Open(ctx, tt.path)
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("err = %v; want %v naming %s", err, tt.sentinel, tt.path)
			}
			if n := len(srv.seen()) - before; n != 1 {
				t.Fatalf("%d requests; a permanent error must not be retried", n)
			}
		})
	}
}

func TestAbortLeavesNoObject(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after the servers close (cleanups run last-in first-out)
	srv := startFakeS3(t, "bucket")
	f := newFS(t)
	if _, err := f.Resolve(context.Background(), srv.url("", "bucket")); err != nil {
		t.Fatal(err)
	}
	big := []byte(strings.Repeat("x", 6<<20)) // over one 5 MiB part: a real multipart upload
	tests := []struct {
		name string
		end  func(w storage.Writer, cancel context.CancelFunc) error
	}{
		{"abort", func(w storage.Writer, _ context.CancelFunc) error { return w.Abort() }},
		{"commit after cancel", func(w storage.Writer, cancel context.CancelFunc) error {
			cancel()
			if err := w.Commit(); !errors.Is(err, context.Canceled) {
				return fmt.Errorf("commit after cancel: %v", err)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		for _, size := range []int{10, len(big)} {
			t.Run(fmt.Sprintf("%s %d bytes", tt.name, size), func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				w, err := f.Create(ctx, "s3://bucket/obj")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Write(big[:size]); err != nil {
					t.Fatal(err)
				}
				if err := tt.end(w, cancel); err != nil {
					t.Fatal(err)
				}
				if got := srv.objects(t, "bucket"); len(got) != 0 {
					t.Fatalf("objects %q after %s", got, tt.name)
				}
				if err := w.Abort(); err != nil {
					t.Fatalf("second Abort: %v", err)
				}
			})
		}
	}
}
