package write

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestFilesSplitting(t *testing.T) {
	tests := []struct {
		name     string
		batches  []int // rows per batch
		maxRows  int64
		wantRows []int64 // rows per file
	}{
		{"no limit", []int{10, 20, 5}, 0, []int64{35}},
		{"exact multiple", []int{10, 10}, 10, []int64{10, 10}},
		{"split inside batches", []int{7, 7, 7}, 5, []int64{5, 5, 5, 5, 1}},
		{"one big batch", []int{23}, 4, []int64{4, 4, 4, 4, 4, 3}},
		{"empty batches skipped", []int{0, 3, 0, 3}, 4, []int64{4, 2}},
		{"no rows no files", []int{0, 0}, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := filepath.Join(t.TempDir(), "out")
			fw, err := NewFiles(context.Background(), Local(), CSV(), FilesOptions{Dir: dir, Prefix: "data", TaskIndex: 3, MaxRowsPerFile: tt.maxRows})
			if err != nil {
				t.Fatal(err)
			}
			defer fw.Abort()
			start := 0
			for _, n := range tt.batches {
				rec := makeBatch(t, mem, start, n)
				err := fw.Write(rec)
				rec.Release()
				if err != nil {
					t.Fatal(err)
				}
				start += n
			}
			paths, err := fw.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != len(tt.wantRows) {
				t.Fatalf("%d files %v, want %d", len(paths), paths, len(tt.wantRows))
			}
			next := int64(0)
			var names []string
			for i, p := range paths {
				want := filepath.Join(dir, fmt.Sprintf("data_000003_%06d.csv", i))
				if p != want {
					t.Errorf("file %d is %s, want %s", i, p, want)
				}
				names = append(names, filepath.Base(p))
				ids := readCSVIDs(t, mem, p)
				if int64(len(ids)) != tt.wantRows[i] {
					t.Errorf("file %d has %d rows, want %d", i, len(ids), tt.wantRows[i])
				}
				for _, id := range ids {
					if id != next {
						t.Fatalf("file %d: id %d, want %d (rows out of order)", i, id, next)
					}
					next++
				}
			}
			if len(paths) == 0 {
				assertEmptyDir(t, dir)
			} else if got := listDir(t, dir); strings.Join(got, ",") != strings.Join(names, ",") {
				t.Fatalf("dir holds %v, want exactly %v", got, names)
			}
		})
	}
}

// readCSVIDs returns the id column of a CSV file written from testSchema.
func readCSVIDs(t *testing.T, mem memory.Allocator, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := arrowcsv.NewReader(f, testSchema, arrowcsv.WithHeader(true), arrowcsv.WithAllocator(mem), arrowcsv.WithNullReader(true, ""))
	defer rd.Release()
	var ids []int64
	for rd.Next() {
		col := rd.RecordBatch().Column(0)
		for i := 0; i < col.Len(); i++ {
			v, _ := col.GetOneForMarshal(i).(int64)
			ids = append(ids, v)
		}
	}
	if rd.Err() != nil {
		t.Fatalf("read %s: %v", path, rd.Err())
	}
	return ids
}

func TestFilesNamesAreDeterministic(t *testing.T) {
	run := func(dir string) []string {
		mem := memcheck.New(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		fw, err := NewFiles(context.Background(), nil, JSON(), FilesOptions{Dir: dir, TaskIndex: 12, MaxRowsPerFile: 3})
		if err != nil {
			t.Fatal(err)
		}
		rec := makeBatch(t, mem, 0, 7)
		defer rec.Release()
		if err := fw.Write(rec); err != nil {
			t.Fatal(err)
		}
		paths, err := fw.Close()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range paths {
			names = append(names, filepath.Base(p))
		}
		return names
	}
	a, b := run(t.TempDir()), run(t.TempDir())
	want := "part_000012_000000.json,part_000012_000001.json,part_000012_000002.json"
	if strings.Join(a, ",") != want || strings.Join(b, ",") != want {
		t.Fatalf("names %v and %v, want %s in both runs", a, b, want)
	}
}

// failingFormat wraps a Format so that the RecordWriter fails on its failAt-th Write
// (counting from 1, across all files) or, with failAt == 0, on Close.
type failingFormat struct {
	Format
	failAt int
	writes *int
}

var errInjected = errors.New("injected failure")

func (f failingFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	rw, err := f.Format.NewWriter(w, schema)
	if err != nil {
		return nil, err
	}
	return &failingWriter{RecordWriter: rw, f: f}, nil
}

type failingWriter struct {
	RecordWriter
	f failingFormat
}

func (w *failingWriter) Write(rec arrow.RecordBatch) error {
	*w.f.writes++
	if *w.f.writes == w.f.failAt {
		return errInjected
	}
	return w.RecordWriter.Write(rec)
}

func (w *failingWriter) Close() error {
	if w.f.failAt == 0 {
		return errInjected
	}
	return w.RecordWriter.Close()
}

// TestFilesFailureLeavesNothing checks that every way a task can fail removes the files it
// committed and its temp file, leaving the directory empty.
func TestFilesFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		// Each case writes up to 3 batches of 4 rows into files of 5 rows and fails
		// somewhere after the first file was committed.
		name    string
		format  func() Format
		cancel  int // cancel the context before this batch (1-based); 0 = never
		abortAt int // call Abort before this batch (1-based); 0 = never
		wantErr string
	}{
		{name: "record writer fails on third write", format: func() Format { n := 0; return failingFormat{Parquet(), 3, &n} }, wantErr: "injected failure"},
		{name: "record writer fails on close", format: func() Format { n := 0; return failingFormat{CSV(), 0, &n} }, wantErr: "injected failure"},
		{name: "context cancelled mid-task", format: JSON, cancel: 3, wantErr: "context canceled"},
		{name: "abort after partial writes", format: func() Format { return CSV() }, abortAt: 3, wantErr: "aborted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			dir := t.TempDir()
			fw, err := NewFiles(ctx, Local(), tt.format(), FilesOptions{Dir: dir, MaxRowsPerFile: 5})
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for i := 1; i <= 3 && werr == nil; i++ {
				if i == tt.cancel {
					cancel()
				}
				if i == tt.abortAt {
					if err := fw.Abort(); err != nil {
						t.Fatalf("abort: %v", err)
					}
				}
				rec := makeBatch(t, mem, (i-1)*4, 4)
				werr = fw.Write(rec)
				rec.Release()
			}
			paths, cerr := fw.Close()
			if werr == nil {
				werr = cerr
			}
			if werr == nil || !strings.Contains(werr.Error(), tt.wantErr) || !strings.HasPrefix(werr.Error(), "sluice: write") {
				t.Fatalf("error %v, want a sluice error containing %q", werr, tt.wantErr)
			}
			if cerr == nil || paths != nil {
				t.Fatalf("Close after a failure returned %v, %v; want no paths and an error", paths, cerr)
			}
			assertEmptyDir(t, dir)
			if err := fw.Abort(); err != nil {
				t.Fatalf("Abort after failure: %v", err)
			}
		})
	}
}

// TestFilesReadOnlyDir writes into a directory that cannot take new files. As root, where
// permission bits do not stop writes, the directory's place is taken by a regular file
// instead, which makes Create fail the same way for everyone.
func TestFilesReadOnlyDir(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	parent := t.TempDir()
	dir := filepath.Join(parent, "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	target := dir
	if probe, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		probe.Close()
		os.Remove(probe.Name())
		t.Logf("running as a user that ignores permission bits; using a path under a regular file")
		if err := os.WriteFile(filepath.Join(parent, "file"), nil, 0o444); err != nil {
			t.Fatal(err)
		}
		target = filepath.Join(parent, "file", "out")
	}
	fw, err := NewFiles(context.Background(), Local(), Parquet(ParquetAllocator(mem)), FilesOptions{Dir: target})
	if err != nil {
		t.Fatal(err)
	}
	rec := makeBatch(t, mem, 0, 3)
	defer rec.Release()
	err = fw.Write(rec)
	if err == nil || !strings.Contains(err.Error(), "sluice: write: create") {
		t.Fatalf("error %v, want a create error", err)
	}
	assertEmptyDir(t, dir)
	if got := listDir(t, parent); len(got) > 2 {
		t.Fatalf("parent holds %v", got)
	}
}

func TestFilesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		opts    FilesOptions
		wantErr string
	}{
		{"nil format", nil, FilesOptions{Dir: "x"}, "nil format"},
		{"empty dir", CSV(), FilesOptions{}, "empty output directory"},
		{"prefix with separator", CSV(), FilesOptions{Dir: "x", Prefix: "a/b"}, "path separator"},
		{"negative task", CSV(), FilesOptions{Dir: "x", TaskIndex: -1}, "negative task index"},
		{"negative max rows", CSV(), FilesOptions{Dir: "x", MaxRowsPerFile: -5}, "negative MaxRowsPerFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFiles(context.Background(), nil, tt.format, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sluice: write") {
				t.Fatalf("error %v, want a sluice error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFilesSchemaChangeFails(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	fw, err := NewFiles(context.Background(), nil, Parquet(ParquetAllocator(mem)), FilesOptions{Dir: dir, MaxRowsPerFile: 2})
	if err != nil {
		t.Fatal(err)
	}
	a := makeBatch(t, mem, 0, 3)
	defer a.Release()
	b := makeVecBatch(t, mem, 2)
	defer b.Release()
	if err := fw.Write(a); err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(b); err == nil || !strings.Contains(err.Error(), "does not match the first batch") {
		t.Fatalf("error %v, want a schema mismatch", err)
	}
	assertEmptyDir(t, dir)
}

// TestFilesParallelTasks runs several write tasks at once into one directory, as the engine
// will, and checks that names never collide.
func TestFilesParallelTasks(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	const tasks = 4
	errs := make(chan error, tasks)
	for task := 0; task < tasks; task++ {
		go func() {
			fw, err := NewFiles(context.Background(), Local(), Parquet(ParquetAllocator(mem)), FilesOptions{Dir: dir, TaskIndex: task, MaxRowsPerFile: 10})
			if err != nil {
				errs <- err
				return
			}
			defer fw.Abort()
			rec := makeBatch(t, mem, task*25, 25)
			defer rec.Release()
			if err := fw.Write(rec); err != nil {
				errs <- err
				return
			}
			_, err = fw.Close()
			errs <- err
		}()
	}
	for i := 0; i < tasks; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	names := listDir(t, dir)
	if len(names) != tasks*3 {
		t.Fatalf("dir holds %d files %v, want %d", len(names), names, tasks*3)
	}
	var total int64
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		tbl := readParquet(t, mem, data)
		total += tbl.NumRows()
		tbl.Release()
	}
	if total != tasks*25 {
		t.Fatalf("%d rows in all files, want %d", total, tasks*25)
	}

}

// flakyStorage is Local with the commit of its failAt-th file (1-based) failing.
type flakyStorage struct {
	Storage
	failAt  int
	created *int
}

func (s flakyStorage) Create(ctx context.Context, path string) (AtomicFile, error) {
	f, err := s.Storage.Create(ctx, path)
	if err != nil {
		return nil, err
	}
	*s.created++
	if *s.created == s.failAt {
		return failingCommit{f}, nil
	}
	return f, nil
}

type failingCommit struct{ AtomicFile }

func (f failingCommit) Commit() error {
	f.AtomicFile.Abort()
	return errInjected
}

func TestFilesCommitFailureRemovesEarlierFiles(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	n := 0
	fw, err := NewFiles(context.Background(), flakyStorage{Local(), 2, &n}, Parquet(ParquetAllocator(mem)), FilesOptions{Dir: dir, MaxRowsPerFile: 4})
	if err != nil {
		t.Fatal(err)
	}
	rec := makeBatch(t, mem, 0, 10)
	defer rec.Release()
	err = fw.Write(rec)
	if !errors.Is(err, errInjected) {
		t.Fatalf("error %v, want the injected commit failure", err)
	}
	assertEmptyDir(t, dir)
}
