package write_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// testContext is a data.Context over a checked allocator, verified (no byte, no goroutine
// left) when the test ends.
func testContext(t *testing.T) *data.Context {
	t.Helper()
	mem := memcheck.New(memory.NewGoAllocator())
	t.Cleanup(func() {
		goleak.VerifyNone(t, goleak.IgnoreCurrent())
		mem.AssertSize(t, 0)
	})
	return &data.Context{Allocator: mem, CPUs: 2, MemoryBudget: 64 << 20}
}

// failAt is a MapBatches function that fails once it sees row id n.
func failAt(n int64, err error) func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	return func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		if v, _ := b.Int64s("id"); len(v) > 0 && v[len(v)-1] >= n {
			return nil, err
		}
		return b, nil
	}
}

// TestFailedOverwriteKeepsOld: an overwrite that fails, by an error in the plan, a
// cancellation or a full disk, leaves the old dataset byte for byte, and nothing else.
func TestFailedOverwriteKeepsOld(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, c *data.Context, dir string) error
		want string
	}{
		{"error at row 1500", func(t *testing.T, c *data.Context, dir string) error {
			_, err := data.Range(3000).WithContext(c).MapBatches(failAt(1500, errors.New("bad row 1500")), data.BatchSize(250)).
				WriteParquet(context.Background(), dir, data.Mode(data.SaveOverwrite), data.MaxRowsPerFile(500))
			return err
		}, "bad row 1500"},
		{"cancellation", func(t *testing.T, c *data.Context, dir string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := data.Range(3000).WithContext(c).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
				if v, _ := b.Int64s("id"); v[0] >= 1000 {
					cancel()
				}
				return b, nil
			}, data.BatchSize(250)).WriteParquet(ctx, dir, data.Mode(data.SaveOverwrite), data.MaxRowsPerFile(500))
			return err
		}, "context canceled"},
		{"full disk (simulated)", func(t *testing.T, c *data.Context, dir string) error {
			var written atomic.Int64
			write.SetWrapStorage(func(st write.Storage) write.Storage { return fullDisk{st, &written, 3 << 10} })
			defer write.SetWrapStorage(nil)
			_, err := data.Range(3000).WithContext(c).WriteParquet(context.Background(), dir, data.Mode(data.SaveOverwrite), data.MaxRowsPerFile(500))
			return err
		}, "no space left on device"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testContext(t)
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := data.Range(2000).WithContext(c).WriteParquet(context.Background(), dir, data.MaxRowsPerFile(500)); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			err := tc.run(t, c, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if after := snapshot(t, dir); !maps.Equal(before, after) {
				t.Fatalf("the old dataset changed: %d files before, %d after", len(before), len(after))
			}
			n, err := data.ReadParquet(dir).WithContext(c).Count(context.Background())
			if err != nil || n != 2000 {
				t.Fatalf("count %d, %v", n, err)
			}
			if l := leftovers(t, context.Background(), dir); len(l) != 0 {
				t.Fatalf("left behind: %q", l)
			}
		})
	}
}

// fullDisk is a Storage whose files fail with ENOSPC once limit bytes were written in all.
type fullDisk struct {
	write.Storage
	written *atomic.Int64
	limit   int64
}

func (f fullDisk) Create(ctx context.Context, p string) (write.AtomicFile, error) {
	af, err := f.Storage.Create(ctx, p)
	if err != nil {
		return nil, err
	}
	return fullFile{af, f}, nil
}

type fullFile struct {
	write.AtomicFile
	d fullDisk
}

func (f fullFile) Write(p []byte) (int, error) {
	if f.d.written.Add(int64(len(p))) > f.d.limit {
		return 0, &os.PathError{Op: "write", Path: "(simulated)", Err: syscall.ENOSPC}
	}
	return f.AtomicFile.Write(p)
}

// TestFullTmpfsKeepsOld fills a real 1 MiB tmpfs (mounting one needs root; the test says so
// and skips otherwise): the overwrite fails with ENOSPC while staging and the old dataset,
// on the same file system, is untouched.
func TestFullTmpfsKeepsOld(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s; TestFailedOverwriteKeepsOld simulates the full disk instead", err, bytes.TrimSpace(out))
	}
	defer exec.Command("umount", mnt).Run()
	c := testContext(t)
	ctx := context.Background()
	dir := filepath.Join(mnt, "out")
	// Random doubles do not compress: 20k rows are about 160 KB, 200k rows 1.6 MB.
	random := func(n int64) *data.Dataset {
		return data.Range(n).WithContext(c).AddColumn("x", func(ctx context.Context, b *data.Batch) (any, error) {
			v, _ := b.Int64s("id")
			out := make([]float64, len(v))
			for i, id := range v {
				out[i] = float64(id*2654435761%1000003) / 7
			}
			return out, nil
		})
	}
	if _, err := random(20_000).WriteParquet(ctx, dir, data.MaxRowsPerFile(5000)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	_, err := random(200_000).WriteParquet(ctx, dir, data.Mode(data.SaveOverwrite), data.MaxRowsPerFile(5000))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	if after := snapshot(t, dir); !maps.Equal(before, after) {
		t.Fatal("the old dataset changed")
	}
	if n, err := data.ReadParquet(dir).WithContext(c).Count(ctx); err != nil || n != 20_000 {
		t.Fatalf("count %d, %v", n, err)
	}
	if l := leftovers(t, ctx, dir); len(l) != 0 {
		t.Fatalf("left behind: %q", l)
	}
	// With the space back (the staging area was removed) the rerun of a smaller one works.
	if _, err := random(30_000).WriteParquet(ctx, dir, data.Mode(data.SaveOverwrite), data.MaxRowsPerFile(5000)); err != nil {
		t.Fatal(err)
	}
}

// TestWriteEmptyDataset: an empty dataset leaves one file that carries the schema, beside
// the manifest, and reads back as an empty dataset (pyarrow too, for Parquet).
func TestWriteEmptyDataset(t *testing.T) {
	ctx := context.Background()
	none := func(ctx context.Context, r data.Row) (bool, error) { return false, nil }
	for _, format := range []string{"parquet", "csv", "json", "npy"} {
		for _, src := range []string{"filter", "range0"} {
			t.Run(format+"/"+src, func(t *testing.T) {
				c := testContext(t)
				dir := filepath.Join(t.TempDir(), "out")
				ds := data.Range(100).WithContext(c).Filter(none)
				if src == "range0" {
					ds = data.Range(0).WithContext(c)
				}
				var err error
				switch format {
				case "parquet":
					_, err = ds.WriteParquet(ctx, dir)
				case "csv":
					_, err = ds.WriteCSV(ctx, dir)
				case "json":
					_, err = ds.WriteJSON(ctx, dir)
				case "npy":
					_, err = ds.WriteNumpy(ctx, dir, "id")
				}
				if err != nil {
					t.Fatal(err)
				}
				names := listNames(t, dir)
				if !slices.Equal(names, []string{"_SUCCESS", "part_000000_000000." + format}) {
					t.Fatalf("files %q", names)
				}
				var back *data.Dataset
				switch format {
				case "parquet":
					back = data.ReadParquet(dir)
				case "csv":
					back = data.ReadCSV(dir)
				case "json":
					back = data.ReadJSON(dir)
				case "npy":
					back = data.ReadNumpy(dir)
				}
				rows, err := back.WithContext(c).TakeAll(ctx, 0)
				if err != nil || len(rows) != 0 {
					t.Fatalf("read back %v, %v", rows, err)
				}
				body, _ := os.ReadFile(filepath.Join(dir, "part_000000_000000."+format))
				switch format {
				case "csv":
					if string(body) != "id\n" {
						t.Fatalf("csv %q, want the header", body)
					}
				case "parquet":
					out := python(t, `import pyarrow.dataset as ds, sys; t = ds.dataset(sys.argv[1]).to_table(); print(t.num_rows, t.schema.names)`, dir)
					if out != "0 ['id']" {
						t.Fatalf("pyarrow read %q", out)
					}
				case "npy":
					out := python(t, `import numpy, sys; a = numpy.load(sys.argv[1]); print(a.shape, a.dtype)`, filepath.Join(dir, "part_000000_000000.npy"))
					if out != "(0,) int64" {
						t.Fatalf("numpy read %q", out)
					}
				}
			})
		}
	}
}

func listNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// python runs a Python snippet with args and returns its trimmed output; it skips the test
// when python3 or the module the snippet imports first is missing.
func python(t *testing.T, code string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found; scripts/install-python-deps.sh installs what the interop checks need")
	}
	mod := strings.Fields(strings.TrimPrefix(code, "import "))[0]
	mod = strings.TrimSuffix(mod, ",")
	if err := exec.Command("python3", "-c", "import "+mod).Run(); err != nil {
		t.Skipf("python3 cannot import %s; scripts/install-python-deps.sh installs it", mod)
	}
	out, err := exec.Command("python3", append([]string{"-c", code}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestWriteLogsLeftovers: a write that finds a killed run's staging area removes it and says
// so in a warning.
func TestWriteLogsLeftovers(t *testing.T) {
	c := testContext(t)
	dir := filepath.Join(t.TempDir(), "out")
	dead := filepath.Join(filepath.Dir(dir), ".out.sluice-"+write.NewRunID())
	os.Mkdir(dead, 0o777)
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(prev)
	if _, err := data.Range(10).WithContext(c).WriteParquet(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "WriteParquet: removed "+dead) || !strings.Contains(logs.String(), "did not finish") {
		t.Fatalf("log %q", logs.String())
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatal("leftover not removed")
	}
}
