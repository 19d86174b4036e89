package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/data/write"
)

// resumeRows is the size of the resume tests' dataset: Range cuts it into several read tasks.
const resumeRows = 16384

// resumeDataset is Range(resumeRows) through a row function that counts the rows it sees and
// calls hook (when set) on each.
func resumeDataset(c *Context, seen *atomic.Int64, hook func(ctx context.Context, id int64) error) *Dataset {
	return Range(resumeRows).WithContext(c).Map(func(ctx context.Context, r Row) (Row, error) {
		id := r["id"].(int64)
		seen.Add(1)
		if hook != nil {
			if err := hook(ctx, id); err != nil {
				return nil, err
			}
		}
		return Row{"id": id, "sq": float64(id) * float64(id)}, nil
	}, Name("square"))
}

// committedFiles reads a committed output's manifest and every file it lists.
func committedFiles(t *testing.T, dir string) (*manifest.Manifest, map[string][]byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, manifest.Name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		files[f.Path] = b
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if _, ok := files[e.Name()]; !ok && e.Name() != manifest.Name {
			t.Errorf("%s holds %s, which its manifest does not list", dir, e.Name())
		}
	}
	return m, files
}

// sameOutput checks that two committed outputs list the same files (names, rows, sizes,
// checksums) with the same bytes.
func sameOutput(t *testing.T, got, want string) {
	t.Helper()
	gm, gf := committedFiles(t, got)
	wm, wf := committedFiles(t, want)
	strip := func(m *manifest.Manifest) []string {
		var out []string
		for _, f := range m.Files {
			out = append(out, fmt.Sprintf("%s rows=%d bytes=%d crc=%s task=%d input=%s", f.Path, f.Rows, f.Bytes, f.CRC32, f.Task, f.Input))
		}
		return out
	}
	if g, w := strip(gm), strip(wm); !slices.Equal(g, w) {
		t.Fatalf("the resumed run committed\n%s\na clean run commits\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	for p, b := range wf {
		if !bytes.Equal(gf[p], b) {
			t.Fatalf("%s differs from a clean run's", p)
		}
	}
}

func resumedInputs(ds *Dataset) int64 {
	var n int64
	for _, op := range ds.Stats().Ops {
		n += op.Counters[resumeCounter]
	}
	return n
}

// siblings lists the staging areas beside an output (the exchange committer's).
func siblings(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".sluice-*"))
	return m
}

// TestResumeAfterFailure: a resumable write that fails part way (in a row function, on one
// input) leaves its completed tasks staged; the rerun with Resume reads only the inputs that
// were not complete and commits the files a clean run commits, byte for byte.
func TestResumeAfterFailure(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir, clean := filepath.Join(tmp, "out"), filepath.Join(tmp, "clean")
	var seen atomic.Int64
	c := testContext(t)
	c.CPUs = 1 // tasks in input order: every task before the failing one completes
	fail := errors.New("transient")
	_, err := resumeDataset(c, &seen, func(ctx context.Context, id int64) error {
		if id == resumeRows-1 {
			return fail
		}
		return nil
	}).WriteParquet(ctx, dir, Resume(), MaxRowsPerFile(1000))
	if !errors.Is(err, fail) {
		t.Fatalf("first run: %v, want the row function's error", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the failed run created its output: %v", err)
	}
	if s := siblings(t, dir); len(s) != 1 {
		t.Fatalf("the failed run left %d staging areas, want 1 kept for resume", len(s))
	}

	seen.Store(0)
	ds := resumeDataset(testContext(t), &seen, nil)
	if _, err := ds.WriteParquet(ctx, dir, Resume(), MaxRowsPerFile(1000)); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	tasks := int64(resumeRows) / rowsPerTask(resumeRows)
	if got := resumedInputs(ds); got != tasks-1 {
		t.Errorf("the resumed run skipped %d inputs, want %d (all but the failed one)", got, tasks-1)
	}
	if got, want := seen.Load(), rowsPerTask(resumeRows); got != want {
		t.Errorf("the resumed run computed %d rows, want %d (one input)", got, want)
	}
	if _, err := resumeDataset(testContext(t), &seen, nil).WriteParquet(ctx, clean, MaxRowsPerFile(1000)); err != nil {
		t.Fatal(err)
	}
	sameOutput(t, dir, clean)
	if s := siblings(t, dir); len(s) != 0 {
		t.Fatalf("the resumed run left %q", s)
	}
}

// TestResumeAfterCancel: a cancelled resumable write (every format) keeps its completed
// tasks; the rerun skips them, and a second cancellation in the rerun loses nothing either.
func TestResumeAfterCancel(t *testing.T) {
	writers := map[string]func(ds *Dataset, ctx context.Context, dir string, opts ...Option) ([]string, error){
		"parquet": (*Dataset).WriteParquet,
		"csv":     (*Dataset).WriteCSV,
		"json":    (*Dataset).WriteJSON,
		"numpy": func(ds *Dataset, ctx context.Context, dir string, opts ...Option) ([]string, error) {
			return ds.WriteNumpy(ctx, dir, "sq", opts...)
		},
	}
	per := rowsPerTask(resumeRows)
	for _, name := range []string{"parquet", "csv", "json", "numpy"} {
		w := writers[name]
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			dir, clean := filepath.Join(tmp, "out"), filepath.Join(tmp, "clean")
			var seen atomic.Int64
			// Two cancelled runs, the first at the third input, the second (resuming) at the
			// sixth, then one that finishes.
			for i, stop := range []int64{2 * per, 5 * per} {
				ctx, cancel := context.WithCancel(context.Background())
				c := testContext(t)
				c.CPUs = 1
				_, err := w(resumeDataset(c, &seen, func(_ context.Context, id int64) error {
					if id == stop {
						cancel()
					}
					return nil
				}), ctx, dir, Resume(), MaxRowsPerFile(1000))
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("run %d: %v, want context.Canceled", i, err)
				}
			}
			seen.Store(0)
			ds := resumeDataset(testContext(t), &seen, nil)
			if _, err := w(ds, context.Background(), dir, Resume(), MaxRowsPerFile(1000)); err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			if got := resumedInputs(ds); got != 5 {
				t.Errorf("the last run skipped %d inputs, want 5", got)
			}
			if got, want := seen.Load(), resumeRows-5*per; got != want {
				t.Errorf("the last run computed %d rows, want %d", got, want)
			}
			if _, err := w(resumeDataset(testContext(t), &seen, nil), context.Background(), clean, MaxRowsPerFile(1000)); err != nil {
				t.Fatal(err)
			}
			sameOutput(t, dir, clean)
		})
	}
}

// TestResumeRefusals: a rerun whose plan or save mode differs is refused, saying why and what
// to do, and leaves the staged work alone; a rerun without Resume discards it.
func TestResumeRefusals(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out")
	var seen atomic.Int64
	c := testContext(t)
	c.CPUs = 1
	fail := errors.New("boom")
	_, err := resumeDataset(c, &seen, func(_ context.Context, id int64) error {
		if id == 3*rowsPerTask(resumeRows) {
			return fail
		}
		return nil
	}).WriteParquet(ctx, dir, Resume(), MaxRowsPerFile(1000))
	if !errors.Is(err, fail) {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"options", []Option{Resume(), MaxRowsPerFile(500)}, "its plan fingerprint"},
		{"mode", []Option{Resume(), MaxRowsPerFile(1000), Mode(SaveOverwrite)}, "save mode error, this run is in save mode overwrite"},
	} {
		_, err := resumeDataset(testContext(t), &seen, nil).WriteParquet(ctx, dir, tc.opts...)
		if !errors.Is(err, write.ErrResumeRefused) || !strings.Contains(err.Error(), tc.want) ||
			!strings.Contains(err.Error(), "write without Resume to discard it") || !strings.HasPrefix(err.Error(), "sluice: WriteParquet: "+dir) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if s := siblings(t, dir); len(s) != 1 {
			t.Fatalf("%s: the refusal touched the staged run: %q", tc.name, s)
		}
	}
	// Another plan: a filter before the write.
	_, err = resumeDataset(testContext(t), &seen, nil).Filter(func(context.Context, Row) (bool, error) { return true, nil }).
		WriteParquet(ctx, dir, Resume(), MaxRowsPerFile(1000))
	if !errors.Is(err, write.ErrResumeRefused) {
		t.Fatalf("changed plan: %v", err)
	}
	t.Logf("refusal: %v", err)
	if _, err := resumeDataset(testContext(t), &seen, nil).WriteParquet(ctx, dir, MaxRowsPerFile(1000)); err != nil {
		t.Fatal(err)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Fatalf("the run without Resume kept %q", s)
	}
	// A plan whose write does not run in the read tasks cannot resume.
	_, err = Range(100).WithContext(testContext(t)).RandomShuffle(1).WriteParquet(ctx, filepath.Join(t.TempDir(), "x"), Resume())
	if err == nil || !strings.Contains(err.Error(), "Resume needs the write to run inside the read tasks") {
		t.Fatalf("shuffled plan: %v", err)
	}
	_, err = Range(100).WithContext(testContext(t)).WriteParquet(ctx, filepath.Join(t.TempDir(), "x"), Resume(), MinRowsPerFile(10))
	if err == nil || !strings.Contains(err.Error(), "Resume needs the write to run inside the read tasks") {
		t.Fatalf("MinRowsPerFile: %v", err)
	}
}
