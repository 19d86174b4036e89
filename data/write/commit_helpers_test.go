package write_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/storage"
	_ "github.com/sluicedata/sluice/storage/s3"
)

// target is one kind of output the commit tests run against.
type target struct {
	name      string
	committer string
	// dir returns a fresh output directory (a path or a URL without options).
	dir func(t *testing.T) string
	// local is set for OS paths.
	local bool
}

// targets are the outputs every commit test covers: both local committers, the copy
// committer over mem://, and, when a versitygw server is running
// (SLUICE_VERSITYGW_ENDPOINT, see scripts/versitygw.sh), both object committers on S3.
func targets(t *testing.T) []target {
	out := []target{
		{"exchange", write.CommitterExchange, func(t *testing.T) string { return filepath.Join(t.TempDir(), "out") }, true},
		{"rename", write.CommitterRename, func(t *testing.T) string { return filepath.Join(t.TempDir(), "out") }, true},
		{"mem-copy", write.CommitterCopy, func(t *testing.T) string { return "mem://" + bucketName(t) + "/out" }, false},
	}
	if base := versitygw(t, false); base != "" {
		for _, c := range []string{write.CommitterCopy, write.CommitterMultipart} {
			out = append(out, target{"s3-" + strings.TrimPrefix(c, "object-"), c, func(t *testing.T) string {
				return fmt.Sprintf("%s/%s-%d/out", base, bucketName(t), time.Now().UnixNano())
			}, false})
		}
	}
	return out
}

func bucketName(t *testing.T) string {
	r := strings.NewReplacer("/", "-", "_", "-", " ", "-", "#", "-")
	return strings.ToLower(r.Replace(t.Name()))
}

// versitygw returns "s3://<bucket>" for the versitygw server of SLUICE_VERSITYGW_ENDPOINT,
// with its options registered on storage.Default(), or "" when none runs (required: skip).
func versitygw(t *testing.T, required bool) string {
	endpoint := os.Getenv("SLUICE_VERSITYGW_ENDPOINT")
	if endpoint == "" {
		if required {
			t.Skip("SLUICE_VERSITYGW_ENDPOINT not set; start a server with scripts/versitygw.sh (CI does)")
		}
		return ""
	}
	bucket := os.Getenv("SLUICE_VERSITYGW_BUCKET")
	if bucket == "" {
		bucket = "sluice"
	}
	base, err := storage.Default().Resolve(context.Background(), "s3://"+bucket+"?endpoint="+url.QueryEscape(endpoint)+"&use_path_style=true")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(base, "/")
}

var idSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)

// idBatch holds ids start..start+n-1. The caller releases it.
func idBatch(mem memory.Allocator, start, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, idSchema)
	defer b.Release()
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
	}
	return b.NewRecordBatch()
}

// ids returns start..start+n-1.
func ids(start, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(start + i)
	}
	return out
}

// stage writes ids start..start+n-1 through run as Parquet files of perFile rows (task 0) and
// returns what the FilesWriter reports.
func stage(t *testing.T, ctx context.Context, mem memory.Allocator, run *write.Run, start, n, perFile int) ([]write.FileInfo, error) {
	t.Helper()
	fw, err := write.NewFiles(ctx, run.Storage(), write.Parquet(write.ParquetAllocator(mem)), write.FilesOptions{Dir: run.Dir(), Prefix: run.Prefix(), MaxRowsPerFile: int64(perFile)})
	if err != nil {
		return nil, err
	}
	defer fw.Abort()
	for off := 0; off < n; off += perFile {
		rec := idBatch(mem, start+off, min(perFile, n-off))
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			return nil, err
		}
	}
	if _, err := fw.Close(); err != nil {
		return nil, err
	}
	return fw.Files(), nil
}

// writeRun writes ids start..start+n-1 into dir in one committed run.
func writeRun(t *testing.T, ctx context.Context, mem memory.Allocator, tg target, dir string, mode write.SaveMode, start, n, perFile int) (*manifest.Manifest, error) {
	t.Helper()
	run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: mode, Committer: tg.committer})
	if err != nil || run == nil {
		return nil, err
	}
	defer run.Abort()
	files, err := stage(t, ctx, mem, run, start, n, perFile)
	if err != nil {
		return nil, err
	}
	m, _, err := run.Commit(ctx, files)
	return m, err
}

// readIDs reads the dataset in dir as sluice's readers do (honouring the manifest), sorted.
func readIDs(t *testing.T, ctx context.Context, mem memory.Allocator, dir string, opts read.ListOptions) ([]int64, error) {
	t.Helper()
	st := read.Default()
	var out []int64
	opts.Extensions = []string{"parquet"}
	err := read.ListFiles(ctx, st, []string{dir}, opts, func(f read.File) error {
		return read.ReadParquet(ctx, mem, st, f, read.ParquetOptions{}, func(rec arrow.RecordBatch) error {
			defer rec.Release()
			out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
			return nil
		})
	})
	slices.Sort(out)
	return out, err
}

// mustIDs is readIDs that fails the test on error.
func mustIDs(t *testing.T, ctx context.Context, mem memory.Allocator, dir string) []int64 {
	t.Helper()
	got, err := readIDs(t, ctx, mem, dir, read.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// readAll reads a file by path or URL.
func readAll(t *testing.T, ctx context.Context, p string) []byte {
	t.Helper()
	rc, err := read.Default().Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// join joins an output directory and a relative path.
func join(dir, rel string) string {
	if storage.IsURL(dir) {
		return dir + "/" + rel
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// checkManifest checks dir's manifest against its files: each listed file exists with the
// listed size and checksum, and the rows add up to want.
func checkManifest(t *testing.T, ctx context.Context, dir string, wantRows int64) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Decode(readAll(t, ctx, join(dir, manifest.Name)))
	if err != nil {
		t.Fatal(err)
	}
	if m.State != manifest.StateCommitted || m.Rows != wantRows {
		t.Fatalf("manifest state %q rows %d, want committed %d", m.State, m.Rows, wantRows)
	}
	for _, f := range m.Files {
		b := readAll(t, ctx, join(dir, f.Path))
		if int64(len(b)) != f.Bytes || manifest.FormatCRC32(crc32.ChecksumIEEE(b)) != f.CRC32 {
			t.Fatalf("%s: %d bytes crc %08x, manifest says %d bytes crc %s", f.Path, len(b), crc32.ChecksumIEEE(b), f.Bytes, f.CRC32)
		}
	}
	return m
}

// leftovers lists what a run may leave behind under dir: staging areas inside it, sibling
// staging directories beside it, and multipart uploads in progress.
func leftovers(t *testing.T, ctx context.Context, dir string) []string {
	t.Helper()
	var out []string
	if storage.IsURL(dir) {
		storage.Default().Walk(ctx, dir+"/"+write.StagingDir+"/", func(o storage.Object) error {
			out = append(out, o.Path)
			return nil
		})
		ups, err := storage.Default().ListDeferred(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range ups {
			out = append(out, "upload "+u.Path)
		}
		return out
	}
	if _, err := os.Stat(filepath.Join(dir, write.StagingDir)); err == nil {
		out = append(out, filepath.Join(dir, write.StagingDir))
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "."+filepath.Base(dir)+".sluice-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// snapshot returns every file under a local dir (hidden ones too) with its bytes, to compare
// an output before and after a failed write.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}
