package write_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func checked(t *testing.T) memory.Allocator {
	mem := memcheck.New(memory.NewGoAllocator())
	t.Cleanup(func() {
		goleak.VerifyNone(t, goleak.IgnoreCurrent())
		mem.AssertSize(t, 0)
	})
	return mem
}

// TestRunModes writes a dataset, then runs a second write in each save mode and checks that
// until its commit the output reads exactly as the first dataset, and after it as the mode
// says, with a manifest whose sizes and checksums match the files.
func TestRunModes(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t) {
		for _, tc := range []struct {
			mode    write.SaveMode
			begin   error // of the second run
			want    []int64
			genWant int64
		}{
			{write.SaveError, write.ErrExists, ids(0, 100), 1},
			{write.SaveOverwrite, nil, ids(1000, 50), 1},
			{write.SaveAppend, nil, append(ids(0, 100), ids(1000, 50)...), 2},
			{write.SaveIgnore, nil, ids(0, 100), 1},
		} {
			t.Run(tg.name+"/"+tc.mode.String(), func(t *testing.T) {
				mem := checked(t)
				dir := tg.dir(t)
				if _, err := writeRun(t, ctx, mem, tg, dir, write.SaveError, 0, 100, 40); err != nil {
					t.Fatal(err)
				}
				m := checkManifest(t, ctx, dir, 100)
				if m.Committer != tg.committer || len(m.Files) != 3 || m.Files[0].Path != "part_000000_000000.parquet" {
					t.Fatalf("first manifest: committer %s, files %v", m.Committer, m.Paths())
				}
				run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: tc.mode, Committer: tg.committer})
				if !errors.Is(err, tc.begin) || (err == nil) != (run != nil || tc.mode == write.SaveIgnore) {
					t.Fatalf("BeginRun = %v, %v", run, err)
				}
				if run == nil {
					if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, tc.want) {
						t.Fatalf("read %d ids, want %d", len(got), len(tc.want))
					}
					return
				}
				defer run.Abort()
				files, err := stage(t, ctx, mem, run, 1000, 50, 20)
				if err != nil {
					t.Fatal(err)
				}
				if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, ids(0, 100)) {
					t.Fatalf("before the commit the output reads %d ids, want the first 100", len(got))
				}
				m, paths, err := run.Commit(ctx, files)
				if err != nil {
					t.Fatal(err)
				}
				if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, tc.want) {
					t.Fatalf("after the commit the output reads %d ids, want %d", len(got), len(tc.want))
				}
				checkManifest(t, ctx, dir, int64(len(tc.want)))
				if m.Generation != tc.genWant || m.RunID != run.ID() || len(paths) != 3 {
					t.Fatalf("manifest generation %d run %s, paths %q", m.Generation, m.RunID, paths)
				}
				// Appended files carry the run id, so they cannot collide with the first run's;
				// so do an overwrite's but under the exchange, where the old files are elsewhere
				// when the new ones arrive.
				wantPrefix := write.DefaultPrefix + "_000000_"
				if tc.mode == write.SaveAppend || tg.committer != write.CommitterExchange {
					wantPrefix = write.DefaultPrefix + "_" + run.ID() + "_000000_"
				}
				for _, p := range paths {
					if !strings.HasPrefix(p[strings.LastIndexAny(p, `/\`)+1:], wantPrefix) {
						t.Fatalf("path %s, want a name starting %s", p, wantPrefix)
					}
				}
				if l := leftovers(t, ctx, dir); len(l) != 0 {
					t.Fatalf("left behind: %q", l)
				}
			})
		}
	}
}

// TestRunAbort: an aborted overwrite leaves the old dataset exactly, and nothing else.
func TestRunAbort(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			if _, err := writeRun(t, ctx, mem, tg, dir, write.SaveError, 0, 100, 40); err != nil {
				t.Fatal(err)
			}
			before := readAll(t, ctx, join(dir, manifest.Name))
			run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveOverwrite, Committer: tg.committer})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stage(t, ctx, mem, run, 1000, 50, 20); err != nil {
				t.Fatal(err)
			}
			if err := run.Abort(); err != nil {
				t.Fatal(err)
			}
			if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, ids(0, 100)) {
				t.Fatalf("read %d ids after the abort", len(got))
			}
			if after := readAll(t, ctx, join(dir, manifest.Name)); string(after) != string(before) {
				t.Fatal("the manifest changed")
			}
			if l := leftovers(t, ctx, dir); len(l) != 0 {
				t.Fatalf("left behind: %q", l)
			}
			if _, _, err := run.Commit(ctx, nil); err == nil {
				t.Fatal("Commit after Abort succeeded")
			}
		})
	}
}

// TestConcurrentAppends: runs that append to one output at the same time all land; none of
// their files is clobbered.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			if _, err := writeRun(t, ctx, mem, tg, dir, write.SaveError, 0, 100, 40); err != nil {
				t.Fatal(err)
			}
			const runs = 4
			var wg sync.WaitGroup
			errs := make([]error, runs)
			for i := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = writeRun(t, ctx, mem, tg, dir, write.SaveAppend, 1000*(i+1), 30, 20)
				}()
			}
			wg.Wait()
			want := ids(0, 100)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				want = append(want, ids(1000*(i+1), 30)...)
			}
			slices.Sort(want)
			if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, want) {
				t.Fatalf("read %d ids, want %d", len(got), len(want))
			}
			m := checkManifest(t, ctx, dir, int64(len(want)))
			if m.Generation != runs+1 || len(m.Runs) != runs+1 {
				t.Fatalf("generation %d, %d runs", m.Generation, len(m.Runs))
			}
		})
	}
}

// TestConcurrentFirstWrites: of two SaveError runs into a new output, one commits and the
// other fails cleanly, having published nothing.
func TestConcurrentFirstWrites(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			a, err := write.BeginRun(ctx, dir, write.RunOptions{Committer: tg.committer})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Abort()
			b, err := write.BeginRun(ctx, dir, write.RunOptions{Committer: tg.committer})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Abort()
			fa, err := stage(t, ctx, mem, a, 0, 50, 20)
			if err != nil {
				t.Fatal(err)
			}
			fb, err := stage(t, ctx, mem, b, 500, 50, 20)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.Commit(ctx, fb); err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Commit(ctx, fa); !errors.Is(err, write.ErrConcurrentCommit) {
				t.Fatalf("second commit: %v", err)
			}
			if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, ids(500, 50)) {
				t.Fatalf("read %d ids, want the winner's 50", len(got))
			}
			if l := leftovers(t, ctx, dir); len(l) != 0 {
				t.Fatalf("left behind: %q", l)
			}
			if !tg.local {
				return
			}
			// No file of the loser is in the directory either (pyarrow would list it).
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if len(names) != 4 { // the manifest and the winner's 3 files
				t.Fatalf("directory holds %q", names)
			}
		})
	}
}

// TestLeftoversRemoved: a run finds what killed runs left, names it, and removes it; a live
// run's staging area is left alone.
func TestLeftoversRemoved(t *testing.T) {
	ctx := context.Background()
	t.Run("exchange", func(t *testing.T) {
		mem := checked(t)
		tg := targets(t)[0]
		dir := tg.dir(t)
		if _, err := writeRun(t, ctx, mem, tg, dir, write.SaveError, 0, 10, 10); err != nil {
			t.Fatal(err)
		}
		dead := filepath.Join(filepath.Dir(dir), ".out.sluice-"+write.NewRunID())
		os.Mkdir(dead, 0o777)
		os.WriteFile(filepath.Join(dead, "part_000000_000000.parquet"), []byte("partial"), 0o666)
		live, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveAppend})
		if err != nil {
			t.Fatal(err)
		}
		defer live.Abort()
		run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveAppend})
		if err != nil {
			t.Fatal(err)
		}
		defer run.Abort()
		if l := live.Leftovers(); len(l) != 1 || !strings.Contains(l[0], dead) || !strings.Contains(l[0], "did not finish") {
			t.Fatalf("leftovers %q", l)
		}
		if len(run.Leftovers()) != 0 {
			t.Fatalf("the second run took the first, alive, for dead: %q", run.Leftovers())
		}
		if _, err := os.Stat(dead); !os.IsNotExist(err) {
			t.Fatalf("dead staging area still there: %v", err)
		}
		if _, err := os.Stat(live.Dir()); err != nil {
			t.Fatalf("live staging area removed: %v", err)
		}
	})
	for _, tg := range targets(t)[1:] {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			if _, err := writeRun(t, ctx, mem, tg, dir, write.SaveError, 0, 10, 10); err != nil {
				t.Fatal(err)
			}
			// A run that dies before its commit: its ledger goes stale.
			dead, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveOverwrite, Committer: tg.committer, Lease: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stage(t, ctx, mem, dead, 100, 10, 5); err != nil {
				t.Fatal(err)
			}
			stopHeartbeat(dead)
			time.Sleep(1200 * time.Millisecond) // past the lease, by the store's one-second clock too
			run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveAppend, Committer: tg.committer, Lease: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if l := run.Leftovers(); len(l) == 0 || !strings.Contains(l[0], dead.ID()) || !strings.Contains(l[0], "did not finish") {
				t.Fatalf("leftovers %q", l)
			}
			files, err := stage(t, ctx, mem, run, 200, 10, 10)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := run.Commit(ctx, files); err != nil {
				t.Fatal(err)
			}
			if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, append(ids(0, 10), ids(200, 10)...)) {
				t.Fatalf("read %v", got)
			}
			if l := leftovers(t, ctx, dir); len(l) != 0 {
				t.Fatalf("left behind: %q", l)
			}
		})
	}
}

// stopHeartbeat makes a run look dead to others: its ledger stops being refreshed, as when
// its process is killed (the kill tests do it for real).
func stopHeartbeat(r *write.Run) { write.StopHeartbeat(r) }

// TestSaveErrorNamesUnfinishedRun: SaveError on an output that holds files but no manifest
// says that a sluice run may not have finished.
func TestSaveErrorNamesUnfinishedRun(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(dir, 0o777)
	for i := range 3 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("part_000000_%06d.parquet", i)), []byte("x"), 0o666)
	}
	_, err := write.BeginRun(ctx, dir, write.RunOptions{})
	if !errors.Is(err, write.ErrExists) || !strings.Contains(err.Error(), "no _SUCCESS manifest: if a sluice run wrote them, it did not finish") {
		t.Fatalf("err = %v", err)
	}
	// A committed dataset and a killed overwrite's staging area beside it: the refusal says
	// that the earlier run did not finish (and that its leftovers are gone).
	mem := checked(t)
	tg := targets(t)[0]
	out := filepath.Join(t.TempDir(), "out")
	if _, err := writeRun(t, ctx, mem, tg, out, write.SaveError, 0, 10, 10); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(filepath.Dir(out), ".out.sluice-"+write.NewRunID())
	os.Mkdir(dead, 0o777)
	_, err = write.BeginRun(ctx, out, write.RunOptions{})
	if !errors.Is(err, write.ErrExists) || !strings.Contains(err.Error(), "removed "+dead) || !strings.Contains(err.Error(), "which did not finish") {
		t.Fatalf("err = %v", err)
	}
}

// TestReadHonoursManifest: a file that is in the directory but not in the manifest is not
// read; a listed file that is missing is an error, or a warning with Incomplete.
func TestReadHonoursManifest(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			m, err := writeRun(t, ctx, mem, tg, dir, write.SaveError, 0, 100, 40)
			if err != nil {
				t.Fatal(err)
			}
			// A file a killed run published without committing is not read.
			if tg.local {
				run, err := write.BeginRun(ctx, dir, write.RunOptions{Mode: write.SaveAppend, Committer: write.CommitterRename})
				if err != nil {
					t.Fatal(err)
				}
				defer run.Abort()
				extra, err := stage(t, ctx, mem, run, 5000, 10, 10)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Link(extra[0].Path, filepath.Join(dir, "part_zzz.parquet")); err != nil {
					t.Fatal(err)
				}
			}
			if got := mustIDs(t, ctx, mem, dir); !slices.Equal(got, ids(0, 100)) {
				t.Fatalf("read %d ids", len(got))
			}
			removeFile(t, ctx, join(dir, m.Files[1].Path))
			_, err = readIDs(t, ctx, mem, dir, read.ListOptions{})
			if err == nil || !strings.Contains(err.Error(), m.Files[1].Path+" (missing)") || !strings.Contains(err.Error(), "ReadIncomplete") {
				t.Fatalf("err = %v", err)
			}
			got, err := readIDs(t, ctx, mem, dir, read.ListOptions{Incomplete: true})
			if err != nil || len(got) != 60 {
				t.Fatalf("incomplete read: %d ids, %v", len(got), err)
			}
		})
	}
}

func removeFile(t *testing.T, ctx context.Context, p string) {
	t.Helper()
	if err := write.Default().Remove(ctx, p); err != nil {
		t.Fatal(err)
	}
}

// TestUnfinishedFirstRun: a directory holding only a run's staging area (no manifest) is an
// error for readers, naming what is missing, unless Incomplete.
func TestUnfinishedFirstRun(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t)[1:] {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			run, err := write.BeginRun(ctx, dir, write.RunOptions{Committer: tg.committer})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Abort()
			if _, err := stage(t, ctx, mem, run, 0, 10, 10); err != nil {
				t.Fatal(err)
			}
			_, err = readIDs(t, ctx, mem, dir, read.ListOptions{})
			if err == nil || !strings.Contains(err.Error(), "no _SUCCESS manifest") || !strings.Contains(err.Error(), write.StagingDir) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("exchange", func(t *testing.T) {
		mem := checked(t)
		dir := filepath.Join(t.TempDir(), "out")
		run, err := write.BeginRun(ctx, dir, write.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer run.Abort()
		_, err = readIDs(t, ctx, mem, dir, read.ListOptions{})
		if err == nil || !strings.Contains(err.Error(), "no such file") || !strings.Contains(err.Error(), "did not finish") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestEmptyCommit: a run with no file commits a manifest with none; the output reads empty.
func TestEmptyCommit(t *testing.T) {
	ctx := context.Background()
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mem := checked(t)
			dir := tg.dir(t)
			run, err := write.BeginRun(ctx, dir, write.RunOptions{Committer: tg.committer})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := run.Commit(ctx, nil); err != nil {
				t.Fatal(err)
			}
			got, err := readIDs(t, ctx, mem, dir, read.ListOptions{})
			if err != nil || len(got) != 0 {
				t.Fatalf("read %v, %v", got, err)
			}
		})
	}
}
