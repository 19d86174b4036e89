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
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
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
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
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
	if ok, err := write.PrepareOutput(ctx, write.NewStorage(f), out, write.SaveError); !ok || err != nil {
		t.Fatalf("prepare empty output: %v, %v", ok, err)
	}
	written, err := writeParquet(ctx, mem, write.NewStorage(f), out, 2500, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 3 {
		t.Fatalf("written %q", written)
	}
	if _, err := write.PrepareOutput(ctx, write.NewStorage(f), out, write.SaveError); !errors.Is(err, write.ErrExists) {
		t.Fatalf("prepare existing output: %v", err)
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
