package s3_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/storage"
)

// TestVersitygw runs the readers and writers against a real S3 server in another process:
// versitygw started by scripts/versitygw.sh, which prints the variables this test reads
// (SLUICE_VERSITYGW_ENDPOINT, SLUICE_VERSITYGW_BUCKET and the AWS credentials). Without
// SLUICE_VERSITYGW_ENDPOINT the test is skipped; the same checks run against gofakes3 above.
func TestVersitygw(t *testing.T) {
	endpoint := os.Getenv("SLUICE_VERSITYGW_ENDPOINT")
	if endpoint == "" {
		t.Skip("SLUICE_VERSITYGW_ENDPOINT not set; start a server with scripts/versitygw.sh")
	}
	t.Cleanup(func() { goleak.VerifyNone(t) })
	bucket := os.Getenv("SLUICE_VERSITYGW_BUCKET")
	if bucket == "" {
		bucket = "sluice"
	}
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	f := &storage.FS{}
	defer f.Close()
	prefix := fmt.Sprintf("s3://%s/test-%d", bucket, time.Now().UnixNano())
	root, err := f.Resolve(ctx, prefix+"?endpoint="+url.QueryEscape(endpoint)+"&use_path_style=true")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Prepare(context.Background(), root, storage.SaveOverwrite) // deletes the test's objects

	out := root + "/out"
	var written []string
	for _, committer := range []string{write.CommitterCopy, write.CommitterMultipart} {
		dir := out + "-" + committer
		run, err := write.BeginRun(ctx, dir, write.RunOptions{FS: f, Committer: committer})
		if err != nil {
			t.Fatalf("%s: begin on an empty output: %v", committer, err)
		}
		staged, err := writeParquet(ctx, mem, run.Storage(), run.Dir(), 2500, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(staged) != 3 {
			t.Fatalf("%s: staged %q", committer, staged)
		}
		infos := make([]write.FileInfo, len(staged))
		for i, p := range staged {
			infos[i] = write.FileInfo{Path: p, Name: p[strings.LastIndex(p, "/")+1:], Index: i}
		}
		// Nothing is visible before the commit: the output has no data file yet.
		if n := countData(t, ctx, f, dir); n != 0 {
			t.Fatalf("%s: %d data objects visible before the commit", committer, n)
		}
		_, paths, err := run.Commit(ctx, infos)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := write.BeginRun(ctx, dir, write.RunOptions{FS: f, Committer: committer}); !errors.Is(err, write.ErrExists) {
			t.Fatalf("%s: begin on an existing output: %v", committer, err)
		}
		if committer == write.CommitterMultipart {
			out, written = dir, paths
		}
	}

	st := read.NewStorage(f)
	files, got := readInts(t, ctx, mem, st, []string{out + "/*.parquet"}, nil, func(file read.File, emit read.Emit) error {
		return read.ReadParquet(ctx, mem, st, file, read.ParquetOptions{}, emit)
	})
	if !slices.Equal(files, written) || !slices.Equal(got, seq(0, 2500)) {
		t.Fatalf("files %q (want %q), %d values", files, written, len(got))
	}

	w, err := f.Create(ctx, root+"/csv/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "x,y\n7,a\n8,b\n")
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	_, got = readInts(t, ctx, mem, st, []string{root + "/csv"}, []string{"csv"}, func(file read.File, emit read.Emit) error {
		return read.ReadCSV(ctx, mem, st, file, read.CSVOptions{}, emit)
	})
	if !slices.Equal(got, []int64{7, 8}) {
		t.Fatalf("csv values %v", got)
	}

	w, err = f.Create(ctx, root+"/aborted.bin")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 6<<20))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(ctx, root+"/aborted.bin"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("aborted object: %v", err)
	}
	if _, err := st.Open(ctx, root+"/missing.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing object: %v", err)
	}
}

// countData counts the objects under dir that are not hidden (no "_" or "." segment).
func countData(t *testing.T, ctx context.Context, f *storage.FS, dir string) int {
	t.Helper()
	n := 0
	err := f.Walk(ctx, dir+"/", func(o storage.Object) error {
		rel := strings.TrimPrefix(o.Path, dir+"/")
		if !strings.HasPrefix(rel, "_") && !strings.Contains(rel, "/_") && !strings.HasPrefix(rel, ".") {
			n++
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}
