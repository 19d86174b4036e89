package iceberg

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
)

// The kill tests run Write in a child process (this test binary, running TestKillChild), stop
// it at a point of the write, kill it with SIGKILL, and check that the table's snapshots and
// rows are what they were; then a write in this process must succeed.

type killSpec struct {
	Dir       string
	Point     string // "data": while data files are being written; "commit": just before the commit
	Overwrite bool
}

// TestKillChild is the writer of the kill tests; it runs only in their child processes.
func TestKillChild(t *testing.T) {
	raw := os.Getenv("SLUICE_ICEBERG_KILL_CHILD")
	if raw == "" {
		t.Skip("the writer of the Iceberg kill tests; it runs only in their child processes")
	}
	var s killSpec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cat, err := OpenSQLCatalog(ctx, "test", filepath.Join(s.Dir, "catalog.db"), "file://"+filepath.Join(s.Dir, "warehouse"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.LoadTable(ctx, table.Identifier{"db", "t"})
	if err != nil {
		t.Fatal(err)
	}
	stop := func() {
		fmt.Println("READY")
		select {} // until killed
	}
	var batches atomic.Int64
	ds := rows(&data.Context{CPUs: 2, NoProgress: true}, 1000, 1_000_000).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		if s.Point == "data" && batches.Add(1) == 300 {
			stop()
		}
		return b, nil
	})
	if s.Point == "commit" {
		testBeforeCommit = stop
	}
	var opts []WriteOption
	if s.Overwrite {
		opts = append(opts, Overwrite())
	}
	_, err = Write(ctx, ds, tbl, opts...)
	fmt.Println("FINISHED", err)
}

func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill tests: not in -short")
	}
	ctx := context.Background()
	c := testContext(t)
	cat, dir := openCatalog(t)
	ident := table.Identifier{"db", "t"}
	tbl, err := WriteTable(ctx, rows(c, 0, 1000), cat, ident)
	if err != nil {
		t.Fatal(err)
	}
	snaps := len(tbl.Metadata().Snapshots())
	current := tbl.CurrentSnapshot().SnapshotID
	dataDir := strings.TrimPrefix(tbl.Location(), "file://") + "/data"
	for _, point := range []string{"data", "commit"} {
		for _, overwrite := range []bool{false, true} {
			name := fmt.Sprintf("%s/overwrite=%v", point, overwrite)
			before := countFiles(t, dataDir)
			spec, _ := json.Marshal(killSpec{Dir: dir, Point: point, Overwrite: overwrite})
			cmd := exec.Command(os.Args[0], "-test.run", "^TestKillChild$", "-test.v")
			cmd.Env = append(os.Environ(), "SLUICE_ICEBERG_KILL_CHILD="+string(spec))
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if l := sc.Text(); l == "READY" || strings.HasPrefix(l, "FINISHED") {
						ready <- l
						break
					}
				}
				close(ready)
			}()
			select {
			case l := <-ready:
				if l != "READY" {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("%s: the child did not stop at its point: %q", name, l)
				}
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%s: the child never got to its point", name)
			}
			written := countFiles(t, dataDir) - before
			cmd.Process.Signal(os.Kill)
			cmd.Wait()
			if point == "commit" && written == 0 {
				t.Errorf("%s: the child was killed before the commit with no data files written", name)
			}
			t.Logf("%s: killed with %d new data files on disk", name, written)
			tbl, err := cat.LoadTable(ctx, ident)
			if err != nil {
				t.Fatal(err)
			}
			if len(tbl.Metadata().Snapshots()) != snaps || tbl.CurrentSnapshot().SnapshotID != current {
				t.Fatalf("%s: the killed write changed the table: %d snapshots (want %d), current %d (want %d)",
					name, len(tbl.Metadata().Snapshots()), snaps, tbl.CurrentSnapshot().SnapshotID, current)
			}
			if n, sum := sumIDs(t, Read(tbl).WithContext(c)); n != 1000 || sum != 999*1000/2 {
				t.Fatalf("%s: after the kill the table reads %d rows, sum %d", name, n, sum)
			}
		}
	}
	// The table takes the next write.
	tbl, err = cat.LoadTable(ctx, ident)
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err = Write(ctx, rows(c, 1000, 2000), tbl); err != nil {
		t.Fatal(err)
	}
	if n, _ := sumIDs(t, Read(tbl).WithContext(c)); n != 2000 {
		t.Errorf("the write after the kills: %d rows, want 2000", n)
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
