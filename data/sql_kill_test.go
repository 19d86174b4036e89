package data

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/data/sqlio"
)

// The SQL kill tests run WriteSQL in a child process (this test binary, running
// TestSQLKillChild), stop it at a point of the write (sqlio.SetTestHook), kill it with
// SIGKILL, and check that the target table holds what it held before; then they run the
// write again, which must succeed.

type sqlKillSpec struct {
	Driver, DSN, Table string
	Mode               string // "append" or "overwrite"
	Point              string
	Count              int
}

// TestSQLKillChild is the writer of the kill tests; it runs only in their child processes.
func TestSQLKillChild(t *testing.T) {
	raw := os.Getenv("SLUICE_SQL_KILL_CHILD")
	if raw == "" {
		t.Skip("the writer of the SQL kill tests; it runs only in their child processes")
	}
	var s sqlKillSpec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	hits := 0
	sqlio.SetTestHook(func(p string) {
		if p != s.Point {
			return
		}
		if hits++; hits == s.Count {
			fmt.Println("READY")
			select {} // until killed
		}
	})
	db, err := sql.Open(s.Driver, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	mode := SaveAppend
	if s.Mode == "overwrite" {
		mode = SaveOverwrite
	}
	_, err = killRows().WriteSQL(context.Background(), db, s.Table, Mode(mode))
	fmt.Println("FINISHED", err)
}

// killRows is what the kill tests write: 40 000 rows in several tasks.
func killRows() *Dataset {
	return Range(40_000).WithContext(&Context{CPUs: 2}).Map(func(ctx context.Context, r Row) (Row, error) {
		return Row{"id": r["id"], "v": "new"}, nil
	})
}

func testSQLKill(t *testing.T, tc *Context, driver, dsn string, db *sql.DB, table string) {
	if _, err := db.Exec("CREATE TABLE " + table + " (id BIGINT, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	fillIDs(t, db, table, 100)
	read := func() string {
		return sortedRows(t, ReadSQL(db, "SELECT id, v FROM "+table).WithContext(tc), []string{"id", "v"})
	}
	before := read()
	for _, mode := range []string{"append", "overwrite"} {
		for _, point := range []struct {
			name  string
			count int
		}{{"task", 2}, {"tasks", 1}, {"commit", 1}} {
			t.Run(mode+"/"+point.name, func(t *testing.T) {
				spec, _ := json.Marshal(sqlKillSpec{Driver: driver, DSN: dsn, Table: table, Mode: mode, Point: point.name, Count: point.count})
				cmd := exec.Command(os.Args[0], "-test.run", "^TestSQLKillChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "SLUICE_SQL_KILL_CHILD="+string(spec))
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				ready := make(chan string, 1)
				go func() {
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						if l := sc.Text(); l == "READY" || strings.HasPrefix(l, "FINISHED") {
							ready <- l
							return
						}
					}
					ready <- "EOF"
				}()
				select {
				case l := <-ready:
					if l != "READY" {
						cmd.Process.Kill()
						cmd.Wait()
						t.Fatalf("the child did not stop at %s: %s", point.name, l)
					}
				case <-time.After(60 * time.Second):
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the child did not reach %s in 60 s", point.name)
				}
				cmd.Process.Kill() // SIGKILL
				cmd.Wait()
				if got := read(); got != before {
					t.Fatalf("killed at %s: the table changed", point.name)
				}
			})
		}
	}
	// A write after the kills succeeds (reporting the staging tables they left).
	if n, err := killRows().WithContext(tc).WriteSQL(context.Background(), db, table); err != nil || n != 40_000 {
		t.Fatalf("the write after the kills: %d rows, %v", n, err)
	}
	if n, err := ReadSQL(db, "SELECT * FROM "+table).WithContext(tc).Count(context.Background()); err != nil || n != 40_101 {
		t.Fatalf("after the write: %d rows, %v", n, err)
	}
}

func TestSQLKillWriterSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; -short")
	}
	tc := testContext(t)
	dsn := filepath.Join(t.TempDir(), "kill.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	testSQLKill(t, tc, "sqlite", dsn, db, "target")
}

func TestPostgresKillWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; -short")
	}
	tc := testContext(t)
	db, s := openPostgres(t)
	testSQLKill(t, tc, "pgx", os.Getenv("SLUICE_POSTGRES_DSN"), db, s+".target")
}
