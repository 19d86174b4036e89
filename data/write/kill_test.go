package write_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/write"
)

// The kill tests run a real write (data.WriteParquet) in a child process (this test binary,
// running TestKillChild), stop it at a named point of the protocol (write.SetTestHook), kill
// it with SIGKILL, and check the output with sluice, with pyarrow.dataset, and with
// scripts/check_manifest.py; then they rerun the write and check that it succeeds and removes
// what the killed run left.

// killLease is the lease of the runs in these tests: short, so that the reruns can take the
// killed runs for dead after a short wait.
const killLease = 500 * time.Millisecond

// killSpec tells TestKillChild what to write and where to stop.
type killSpec struct {
	Dir       string
	Mode      string // "overwrite" or "append"
	Point     string // a point of write's test hook
	Count     int    // stop at the Count-th time the point is reached
	Start, N  int    // write ids Start..Start+N-1
	PerFile   int
	Committer string
	// Barrier, when set, makes the child wait at the point until this file exists, then go
	// on, instead of waiting to be killed.
	Barrier string
	// Format is the writer: "" or "parquet", "csv", "json", "numpy" (resume_kill_test.go).
	Format string
	// Resume writes with data.Resume (and Mode "" means the default save mode).
	Resume bool
}

// TestKillChild is the writer of the kill tests; it runs only in their child processes.
func TestKillChild(t *testing.T) {
	raw := os.Getenv("SLUICE_KILL_CHILD")
	if raw == "" {
		t.Skip("the writer of the kill tests; it runs only in their child processes")
	}
	var s killSpec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	versitygw(t, false) // registers the S3 bucket's options, when there is a server
	write.SetForceCommitter(s.Committer)
	write.SetDefaultLease(killLease)
	var hits atomic.Int32
	write.SetTestHook(func(p string) {
		if p != s.Point || int(hits.Add(1)) != s.Count {
			return
		}
		fmt.Println("READY")
		if s.Barrier == "" {
			select {} // until killed
		}
		for {
			if _, err := os.Stat(s.Barrier); err == nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	opts := []data.Option{data.MaxRowsPerFile(int64(s.PerFile))}
	switch s.Mode {
	case "append":
		opts = append(opts, data.Mode(data.SaveAppend))
	case "overwrite":
		opts = append(opts, data.Mode(data.SaveOverwrite))
	}
	if s.Resume {
		opts = append(opts, data.Resume())
	}
	_, err := writeFormat(writeIDs(s.Start, s.N).WithContext(&data.Context{CPUs: 2}), s.Format, context.Background(), s.Dir, opts...)
	if err != nil {
		fmt.Println("ERROR " + strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(3)
	}
	fmt.Println("DONE")
	os.Exit(0)
}

// writeIDs is the dataset of ids start..start+n-1, in one column "id".
func writeIDs(start, n int) *data.Dataset {
	return data.Range(int64(start+n)).Filter(func(ctx context.Context, r data.Row) (bool, error) {
		return r["id"].(int64) >= int64(start), nil
	}, data.Name("from"))
}

// child is a running TestKillChild.
type child struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr bytes.Buffer
}

func startChild(t *testing.T, s killSpec) *child {
	t.Helper()
	raw, _ := json.Marshal(s)
	c := &child{lines: make(chan string, 16)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), "SLUICE_KILL_CHILD="+string(raw))
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); l == "READY" || l == "DONE" || strings.HasPrefix(l, "ERROR ") {
				c.lines <- l
			}
		}
	}()
	return c
}

// await returns the child's next report: READY, DONE, "ERROR <message>", or EXIT when it
// ended without one.
func (c *child) await(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.cmd.Wait()
			return "EXIT " + c.stderr.String()
		}
		return l
	case <-time.After(2 * time.Minute):
		c.kill()
		t.Fatalf("the child did not report in 2 minutes; stderr:\n%s", c.stderr.String())
		return ""
	}
}

// kill ends the child with SIGKILL and waits for it.
func (c *child) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
	for range c.lines {
	}
}

// finish waits for a child that goes on to the end, and returns its last report.
func (c *child) finish(t *testing.T) string {
	t.Helper()
	last := c.await(t)
	c.cmd.Wait()
	for range c.lines {
	}
	return last
}

// killPoint is where a kill test stops the writer; committed says whether the new dataset
// is committed there.
type killPoint struct {
	point     string
	count     int
	committed bool
}

var killPoints = []killPoint{
	{"write", 3, false},     // while writing a file
	{"file", 2, false},      // between files
	{"publish", 1, false},   // every file staged, the commit not begun
	{"published", 1, false}, // during the publish: some files published
	{"committed", 1, true},  // the manifest in place, the replaced version not yet removed
	{"cleanup", 1, true},    // during the removal of the replaced files
}

// reachable says whether a committer passes the point in a mode: the exchange publishes an
// overwrite in one rename (nothing "during" it), and a manifest committer's append replaces
// nothing (no cleanup).
func reachable(committer, mode, point string) bool {
	switch {
	case committer == write.CommitterExchange && mode == "overwrite" && point == "published":
		return false
	case committer != write.CommitterExchange && mode == "append" && point == "cleanup":
		return false
	}
	return true
}

func joinIDs(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(s, ",")
}

// havePyarrow reports whether python3 imports pyarrow.dataset; the pyarrow checks of the kill
// tests are skipped (and say so) without it.
func havePyarrow() bool {
	return exec.Command("python3", "-c", "import pyarrow.dataset, pyarrow.fs").Run() == nil
}

// checked is what scripts/check_manifest.py reports of one directory: why it fails, or the
// ids it reads as the manifest lists them, and as pyarrow.dataset reads them by listing the
// directory itself (it skips names starting with "_" or ".").
type checkedDir struct{ fail, manifest, listing string }

// runChecker runs scripts/check_manifest.py once over dirs (one Python start-up for all).
func runChecker(t *testing.T, dirs []string, strict bool) map[string]checkedDir {
	t.Helper()
	args := []string{filepath.Join("..", "..", "scripts", "check_manifest.py"), "--print-column", "id", "--listing"}
	if strict {
		args = append(args, "--strict")
	}
	cmd := exec.Command("python3", append(args, dirs...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("check_manifest.py: %v\n%s", err, stderr.String())
	}
	res := map[string]checkedDir{}
	for _, line := range strings.Split(string(out), "\n") {
		kind, rest, _ := strings.Cut(line, "\t")
		dir, values, _ := strings.Cut(rest, "\t")
		r := res[dir]
		switch kind {
		case "fail":
			r.fail = values
		case "manifest":
			r.manifest = values
		case "listing":
			r.listing = values
		}
		res[dir] = r
	}
	for _, d := range dirs {
		if _, ok := res[d]; !ok {
			t.Fatalf("check_manifest.py said nothing of %s:\n%s", d, stderr.String())
		}
	}
	return res
}

// TestKillWriter kills a writer at every point of the protocol, for every committer and in
// both modes that touch an existing dataset, and checks that sluice, pyarrow.dataset and
// check_manifest.py read the old dataset or the new one exactly, and that a rerun succeeds
// and leaves nothing of the killed run behind.
func TestKillWriter(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("starts child processes; skipped with -short and under the race detector")
	}
	if runtime.GOOS != "linux" {
		t.Skip("kill points are exercised on Linux")
	}
	ctx := context.Background()
	py := havePyarrow()
	if !py {
		t.Log("python3 with pyarrow not found: the pyarrow and check_manifest.py checks are skipped (scripts/install-python-deps.sh)")
	}
	write.SetDefaultLease(killLease)
	defer write.SetDefaultLease(0)
	oldIDs, newIDs, rerunIDs := ids(0, 2000), ids(10000, 3000), ids(20000, 1000)
	type scenario struct {
		name, dir, mode string
		tg              target
		p               killPoint
		want            []int64 // the dataset after the kill
	}
	var done []scenario
	for _, tg := range targets(t) {
		if tg.name == "mem-copy" {
			continue // in-process only: a child cannot see the parent's mem:// bucket
		}
		for _, mode := range []string{"overwrite", "append"} {
			for _, p := range killPoints {
				name := fmt.Sprintf("%s/%s/%s#%d", tg.name, mode, p.point, p.count)
				dir := tg.dir(t) // the parent's: it must outlive the subtest, for the rerun
				ok := t.Run(name, func(t *testing.T) {
					write.SetForceCommitter(tg.committer)
					defer write.SetForceCommitter("")
					if _, err := writeIDs(0, 2000).WriteParquet(ctx, dir, data.MaxRowsPerFile(500)); err != nil {
						t.Fatal(err)
					}
					var before map[string]string
					if tg.local {
						before = visible(snapshot(t, dir))
					}
					c := startChild(t, killSpec{Dir: dir, Mode: mode, Point: p.point, Count: p.count, Start: 10000, N: 3000, PerFile: 500, Committer: tg.committer})
					report := c.await(t)
					committed := p.committed
					switch {
					case report == "READY":
						c.kill()
						if !reachable(tg.committer, mode, p.point) {
							t.Fatalf("the child stopped at %s, which this committer should not pass", p.point)
						}
					case report == "DONE" && !reachable(tg.committer, mode, p.point):
						c.finish(t)
						committed = true // the run never passed the point and finished
					default:
						c.finish(t)
						t.Fatalf("the child reported %q before %s; stderr:\n%s", report, p.point, c.stderr.String())
					}
					// Before the commit the old dataset is there byte for byte (and, under the
					// exchange, nothing else; the rename committer's staging area is hidden,
					// and its publish adds files the manifest does not list).
					if tg.local && !committed && (tg.committer == write.CommitterExchange || p.point != "published") {
						if after := visible(snapshot(t, dir)); !maps.Equal(before, after) {
							t.Fatalf("the old dataset changed: %d files before the kill, %d after", len(before), len(after))
						}
					}
					want := oldIDs
					if committed {
						want = newIDs
						if mode == "append" {
							want = append(slices.Clone(oldIDs), newIDs...)
						}
					}
					if got := mustIDs(t, ctx, checked(t), dir); !slices.Equal(got, want) {
						t.Fatalf("sluice reads %d ids, want %d (%s)", len(got), len(want), map[bool]string{true: "the new dataset", false: "the old dataset"}[committed])
					}
					if n, err := data.ReadParquet(dir).Count(ctx); err != nil || n != int64(len(want)) {
						t.Fatalf("ReadParquet.Count = %d, %v; want %d", n, err, len(want))
					}
					done = append(done, scenario{name, dir, mode, tg, p, want})
				})
				if !ok {
					return
				}
			}
		}
	}
	if py {
		var dirs []string
		for _, s := range done {
			dirs = append(dirs, s.dir)
		}
		res := runChecker(t, dirs, false)
		for _, s := range done {
			t.Run(s.name+"/pyarrow", func(t *testing.T) {
				r := res[s.dir]
				if r.fail != "" || r.manifest != joinIDs(s.want) {
					t.Fatalf("check_manifest.py: %q, or it reads another dataset (%d ids, want %d)", r.fail, countIDs(r.manifest), len(s.want))
				}
				// Under the exchange pyarrow always sees one whole version; under a manifest
				// committer only until the publish starts, and after it once the cleanup is
				// done (the rerun below checks that).
				committed := s.p.committed || !reachable(s.tg.committer, s.mode, s.p.point)
				whole := s.tg.committer == write.CommitterExchange || !committed && s.p.point != "published" ||
					s.mode == "append" && committed
				switch {
				case r.listing == joinIDs(s.want):
				case whole:
					t.Fatalf("pyarrow.dataset reads %d ids, want %d", countIDs(r.listing), len(s.want))
				default:
					t.Logf("pyarrow.dataset, listing the directory itself, reads %d ids (the manifest's dataset has %d): the documented limit of %s", countIDs(r.listing), len(s.want), s.tg.committer)
				}
			})
		}
	}
	// The killed runs' leases must lapse before a rerun takes them for dead.
	time.Sleep(killLease + 1100*time.Millisecond) // + 1 s: S3 lists modification times in seconds
	for _, s := range done {
		t.Run(s.name+"/rerun", func(t *testing.T) {
			write.SetForceCommitter(s.tg.committer)
			defer write.SetForceCommitter("")
			mode := data.SaveOverwrite
			want := rerunIDs
			if s.mode == "append" {
				mode = data.SaveAppend
				want = append(slices.Clone(s.want), rerunIDs...)
				slices.Sort(want)
			}
			if _, err := writeIDs(20000, 1000).WriteParquet(ctx, s.dir, data.Mode(mode), data.MaxRowsPerFile(500)); err != nil {
				t.Fatalf("rerun: %v", err)
			}
			if got := mustIDs(t, ctx, checked(t), s.dir); !slices.Equal(got, want) {
				t.Fatalf("after the rerun sluice reads %d ids, want %d", len(got), len(want))
			}
			if l := leftovers(t, ctx, s.dir); len(l) != 0 {
				t.Fatalf("the rerun left: %q", l)
			}
		})
	}
	if !py {
		return
	}
	var dirs []string
	for _, s := range done {
		dirs = append(dirs, s.dir)
	}
	res := runChecker(t, dirs, true)
	for _, s := range done {
		t.Run(s.name+"/rerun/pyarrow", func(t *testing.T) {
			want := rerunIDs
			if s.mode == "append" {
				want = append(slices.Clone(s.want), rerunIDs...)
				slices.Sort(want)
			}
			// Strict: no data file outside the manifest is left, so pyarrow's own listing
			// reads the dataset exactly too.
			if r := res[s.dir]; r.fail != "" || r.manifest != joinIDs(want) || r.listing != joinIDs(want) {
				t.Fatalf("check_manifest.py --strict: %q; manifest %d ids, listing %d ids, want %d", r.fail, countIDs(r.manifest), countIDs(r.listing), len(want))
			}
		})
	}
}

// visible drops the hidden files (a staging area inside the output) from a snapshot.
func visible(files map[string]string) map[string]string {
	out := map[string]string{}
	for p, b := range files {
		if !strings.HasPrefix(p, write.StagingDir+string(filepath.Separator)) {
			out[p] = b
		}
	}
	return out
}

func countIDs(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, ",") + 1
}

// TestConcurrentAppendProcesses: two processes append to one output at the same moment (both
// held at the start of their commit, then released together): both land, or one fails with
// a clean error having published nothing; no file is clobbered.
func TestConcurrentAppendProcesses(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("starts child processes; skipped with -short and under the race detector")
	}
	ctx := context.Background()
	py := havePyarrow()
	write.SetDefaultLease(killLease)
	defer write.SetDefaultLease(0)
	for _, tg := range targets(t) {
		if tg.name == "mem-copy" {
			continue
		}
		t.Run(tg.name, func(t *testing.T) {
			write.SetForceCommitter(tg.committer)
			defer write.SetForceCommitter("")
			dir := tg.dir(t)
			if _, err := writeIDs(0, 2000).WriteParquet(ctx, dir, data.MaxRowsPerFile(500)); err != nil {
				t.Fatal(err)
			}
			barrier := filepath.Join(t.TempDir(), "go")
			starts := []int{10000, 20000}
			kids := make([]*child, len(starts))
			for i, start := range starts {
				kids[i] = startChild(t, killSpec{Dir: dir, Mode: "append", Point: "publish", Count: 1, Start: start, N: 1500, PerFile: 500, Committer: tg.committer, Barrier: barrier})
			}
			for i, k := range kids {
				if r := k.await(t); r != "READY" {
					t.Fatalf("child %d: %s", i, r)
				}
			}
			os.WriteFile(barrier, nil, 0o666)
			want := ids(0, 2000)
			landed := 0
			for i, k := range kids {
				switch r := k.finish(t); {
				case r == "DONE":
					landed++
					want = append(want, ids(starts[i], 1500)...)
				case strings.HasPrefix(r, "ERROR ") && strings.Contains(r, "another run"):
					t.Logf("child %d failed cleanly: %s", i, r)
				default:
					t.Fatalf("child %d: %s", i, r)
				}
			}
			if landed == 0 {
				t.Fatal("neither append landed")
			}
			slices.Sort(want)
			if got := mustIDs(t, ctx, checked(t), dir); !slices.Equal(got, want) {
				t.Fatalf("sluice reads %d ids, want %d (%d of 2 appends landed)", len(got), len(want), landed)
			}
			if py {
				if r := runChecker(t, []string{dir}, true)[dir]; r.fail != "" || r.manifest != joinIDs(want) || r.listing != joinIDs(want) {
					t.Fatalf("check_manifest.py --strict: %q, or another dataset", r.fail)
				}
			}
			t.Logf("%d of 2 concurrent appends landed", landed)
		})
	}
}
