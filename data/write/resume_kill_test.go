package write_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/data/write"
)

// writeFormat writes ds in one of the kill tests' formats ("" is Parquet).
func writeFormat(ds *data.Dataset, format string, ctx context.Context, dir string, opts ...data.Option) ([]string, error) {
	switch format {
	case "", "parquet":
		return ds.WriteParquet(ctx, dir, opts...)
	case "csv":
		return ds.WriteCSV(ctx, dir, opts...)
	case "json":
		return ds.WriteJSON(ctx, dir, opts...)
	case "numpy":
		return ds.WriteNumpy(ctx, dir, "id", opts...)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// resumeKillRows and resumeKillPerFile shape the resumed write: Range cuts the rows into
// several read tasks, each of which writes a few files.
const (
	resumeKillRows    = 16384
	resumeKillPerFile = 1000
)

// committedOutput is a local output's manifest entries (without run ids and dates) and the
// bytes of every file it lists.
func committedOutput(t *testing.T, dir string) ([]string, map[string][]byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, manifest.Name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	files := map[string][]byte{}
	for _, f := range m.Files {
		entries = append(entries, fmt.Sprintf("%s rows=%d bytes=%d crc=%s task=%d input=%s", f.Path, f.Rows, f.Bytes, f.CRC32, f.Task, f.Input))
		if files[f.Path], err = os.ReadFile(filepath.Join(dir, f.Path)); err != nil {
			t.Fatal(err)
		}
	}
	return entries, files
}

// pythonIDs reads the "id" values of a committed output with the reference readers (pyarrow
// for Parquet, CSV and JSON Lines, numpy for .npy), in the manifest's order, joined by commas.
func pythonIDs(t *testing.T, dir, format string) string {
	t.Helper()
	script := `
import json, sys
import numpy as np
d, fmt = sys.argv[1], sys.argv[2]
m = json.load(open(d + "/_SUCCESS"))
out = []
for f in m["files"]:
    p = d + "/" + f["path"]
    if fmt == "parquet":
        import pyarrow.parquet as pq
        col = pq.read_table(p).column("id").to_pylist()
    elif fmt == "csv":
        import pyarrow.csv as pc
        col = pc.read_csv(p).column("id").to_pylist()
    elif fmt == "json":
        import pyarrow.json as pj
        col = pj.read_json(p).column("id").to_pylist()
    else:
        col = np.load(p, allow_pickle=False).tolist()
    out.extend(int(x) for x in col)
print(",".join(map(str, out)))
`
	cmd := exec.Command("python3", "-c", script, dir, format)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 reading %s: %v\n%s", dir, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// TestKillResume kills a resumable writer (every format, both local committers, and the copy
// committer on S3 when a versitygw server runs) at points before its commit, checks that the
// output holds nothing a reader lists, then reruns the write with Resume and checks that it
// read only the inputs the killed run had not completed (at least the ones it had recorded
// when killed) and committed exactly the files a clean run commits: the same names, rows and
// bytes, and the same values read back by pyarrow and numpy.
func TestKillResume(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("starts child processes; skipped with -short and under the race detector")
	}
	if runtime.GOOS != "linux" {
		t.Skip("kill points are exercised on Linux")
	}
	ctx := context.Background()
	py := havePyarrow()
	if !py {
		t.Log("python3 with pyarrow not found: the pyarrow and numpy checks are skipped (scripts/install-python-deps.sh)")
	}
	write.SetDefaultLease(killLease)
	defer write.SetDefaultLease(0)
	type point struct {
		name       string
		count      int
		minResumed int64 // the inputs the rerun must skip at least
	}
	tasks := int64(resumeKillRows / max(1024, resumeKillRows/(4*runtime.GOMAXPROCS(0))))
	points := []point{
		{"write", 4, 0},       // while writing the first files
		{"file", 4, 0},        // between files
		{"recorded", 3, 3},    // three tasks recorded
		{"publish", 1, tasks}, // every task recorded, the commit not begun
	}
	type killed struct {
		name, dir, format string
		tg                target
		p                 point
	}
	var done []killed
	for _, tg := range targets(t) {
		if tg.name == "mem-copy" || tg.committer == write.CommitterMultipart {
			continue // a child cannot see the parent's mem:// bucket; multipart runs cannot resume
		}
		for _, format := range []string{"parquet", "csv", "json", "numpy"} {
			for _, p := range points {
				name := fmt.Sprintf("%s/%s/%s#%d", tg.name, format, p.name, p.count)
				dir := tg.dir(t)
				ok := t.Run(name, func(t *testing.T) {
					c := startChild(t, killSpec{Dir: dir, Point: p.name, Count: p.count, Start: 0, N: resumeKillRows, PerFile: resumeKillPerFile,
						Committer: tg.committer, Format: format, Resume: true})
					if r := c.await(t); r != "READY" {
						c.finish(t)
						t.Fatalf("the child reported %q before %s; stderr:\n%s", r, p.name, c.stderr.String())
					}
					c.kill()
					// Nothing is committed: no manifest, and no file a listing reader reads.
					if ents, _ := os.ReadDir(dir); tg.local && slices.ContainsFunc(ents, func(e os.DirEntry) bool { return !strings.HasPrefix(e.Name(), "_") }) {
						t.Fatalf("the killed run left visible files in %s", dir)
					}
					done = append(done, killed{name, dir, format, tg, p})
				})
				if !ok {
					return
				}
			}
		}
	}
	// The killed runs' leases must lapse before a rerun takes them for dead (the exchange
	// committer's locks are dropped by the kernel at once).
	time.Sleep(killLease + 1100*time.Millisecond)
	for _, k := range done {
		t.Run(k.name+"/resume", func(t *testing.T) {
			write.SetForceCommitter(k.tg.committer)
			defer write.SetForceCommitter("")
			ds := writeIDs(0, resumeKillRows).WithContext(&data.Context{CPUs: 2})
			if _, err := writeFormat(ds, k.format, ctx, k.dir, data.MaxRowsPerFile(resumeKillPerFile), data.Resume()); err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			var resumed int64
			for _, op := range ds.Stats().Ops {
				resumed += op.Counters["inputs_resumed"]
			}
			if resumed < k.p.minResumed || resumed > tasks {
				t.Fatalf("the resumed run skipped %d of %d inputs, want at least %d", resumed, tasks, k.p.minResumed)
			}
			t.Logf("the resumed run skipped %d of %d inputs", resumed, tasks)
			if l := leftovers(t, ctx, k.dir); len(l) != 0 {
				t.Fatalf("the resumed run left: %q", l)
			}
			if !k.tg.local {
				if got := mustIDs(t, ctx, checked(t), k.dir); !slices.Equal(got, ids(0, resumeKillRows)) && k.format == "parquet" {
					t.Fatalf("sluice reads %d ids, want %d", len(got), resumeKillRows)
				}
				return
			}
			clean := filepath.Join(t.TempDir(), "clean")
			if _, err := writeFormat(writeIDs(0, resumeKillRows).WithContext(&data.Context{CPUs: 2}), k.format, ctx, clean, data.MaxRowsPerFile(resumeKillPerFile)); err != nil {
				t.Fatal(err)
			}
			ge, gf := committedOutput(t, k.dir)
			we, wf := committedOutput(t, clean)
			if !slices.Equal(ge, we) {
				t.Fatalf("the resumed run committed\n%s\na clean run commits\n%s", strings.Join(ge, "\n"), strings.Join(we, "\n"))
			}
			for p, b := range wf {
				if !bytes.Equal(gf[p], b) {
					t.Fatalf("%s differs from a clean run's", p)
				}
			}
			if ents, _ := os.ReadDir(k.dir); len(ents) != len(wf)+1 {
				t.Fatalf("%s holds %d entries, want %d files and the manifest", k.dir, len(ents), len(wf))
			}
			if py {
				want := make([]string, resumeKillRows)
				for i := range want {
					want[i] = fmt.Sprint(i)
				}
				if got := pythonIDs(t, k.dir, k.format); got != strings.Join(want, ",") {
					t.Fatalf("pyarrow/numpy read %d values, not the ids 0..%d in order", strings.Count(got, ",")+1, resumeKillRows-1)
				}
			}
		})
	}
}
