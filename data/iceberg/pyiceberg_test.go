package iceberg

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	ice "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
)

// python returns a python3 with pyiceberg's SQL catalog and pyarrow, or skips the test
// (scripts/install-python-deps.sh installs them; CI runs it).
func python(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import pyiceberg.catalog.sql, pyarrow, sqlalchemy").Run()
	}
	if err != nil || os.Getenv("SLUICE_NO_PYTHON") != "" {
		t.Skip("pyiceberg interop skipped: python3 with pyiceberg, sqlalchemy and pyarrow not found (run scripts/install-python-deps.sh)")
	}
	return py
}

// pyCatalog is the Python that opens the catalog of the test directory argv[1].
const pyCatalog = `
import sys, json, datetime, decimal
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
d = sys.argv[1]
cat = SqlCatalog("interop", uri=f"sqlite:///{d}/catalog.db", warehouse=f"file://{d}/warehouse")
`

// pyRows are the rows pyiceberg writes and sluice checks, row i of n: the same formulas
// as wantPyRow.
const pyRows = `
def rows(lo, hi):
    return pa.table({
        "id": pa.array(range(lo, hi), pa.int64()),
        "name": pa.array([f"n{i}" if i % 7 else None for i in range(lo, hi)], pa.string()),
        "score": pa.array([i * 0.25 for i in range(lo, hi)], pa.float64()),
        "flag": pa.array([i % 2 == 0 for i in range(lo, hi)], pa.bool_()),
        "day": pa.array([datetime.date(2020, 1, 1) + datetime.timedelta(days=i % 1000) for i in range(lo, hi)], pa.date32()),
        "ts": pa.array([1600000000000000 + i * 1001 for i in range(lo, hi)], pa.timestamp("us", tz="UTC")),
        "small": pa.array([i % 100 for i in range(lo, hi)], pa.int32()),
    })
`

// TestPyicebergWritesSluiceReads: pyiceberg creates a table on the SQL catalog and commits
// two appends; sluice reads the latest snapshot and the first, and compares every value.
func TestPyicebergWritesSluiceReads(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	script := pyCatalog + pyRows + `
cat.create_namespace("db")
t = cat.create_table("db.py", schema=rows(0, 1).schema)
t.append(rows(0, 3000))
first = t.current_snapshot().snapshot_id
t.append(rows(3000, 5000))
print(json.dumps({"first": first, "snapshots": len(t.metadata.snapshots)}))
`
	out, err := exec.Command(py, "-c", script, dir).Output()
	if err != nil {
		t.Fatalf("pyiceberg: %v: %s", err, stderrOf(err))
	}
	var res struct {
		First     int64 `json:"first"`
		Snapshots int   `json:"snapshots"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ctx := context.Background()
	c := testContext(t)
	cat, err := OpenSQLCatalog(ctx, "interop", filepath.Join(dir, "catalog.db"), "file://"+filepath.Join(dir, "warehouse"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	tbl, err := cat.LoadTable(ctx, table.Identifier{"db", "py"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tbl.Metadata().Snapshots()); n != res.Snapshots || n != 2 {
		t.Errorf("sluice sees %d snapshots, pyiceberg %d", n, res.Snapshots)
	}
	checkPyRows(t, Read(tbl).WithContext(c), 5000)
	checkPyRows(t, Read(tbl, SnapshotID(res.First)).WithContext(c), 3000)
	// Through iceberg-go's reader (a row filter), the same values.
	n, err := Read(tbl, RowFilter(ice.GreaterThanEqual(ice.Reference("id"), int64(4500)))).WithContext(c).Count(ctx)
	if err != nil || n != 500 {
		t.Errorf("id >= 4500: Count %d, %v", n, err)
	}
}

// checkPyRows reads ds and checks that it holds rows 0..n-1 of pyRows, exactly.
func checkPyRows(t *testing.T, ds *data.Dataset, n int) {
	t.Helper()
	seen := make([]bool, n)
	for b, err := range ds.IterBatches(context.Background(), data.BatchSize(1024)) {
		if err != nil {
			t.Fatal(err)
		}
		rec := b.Record()
		col := func(name string) arrow.Array {
			i := rec.Schema().FieldIndices(name)
			if len(i) == 0 {
				t.Fatalf("no column %s in %s", name, rec.Schema())
			}
			return rec.Column(i[0])
		}
		ids, names, scores := col("id").(*array.Int64), col("name").(*array.String), col("score").(*array.Float64)
		flags, days, ts, small := col("flag").(*array.Boolean), col("day").(*array.Date32), col("ts").(*array.Timestamp), col("small").(*array.Int32)
		if u := ts.DataType().(*arrow.TimestampType); u.Unit != arrow.Microsecond || u.TimeZone != "UTC" {
			t.Fatalf("ts is %s, want timestamp[us, tz=UTC]", u)
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			i := ids.Value(r)
			if i < 0 || i >= int64(n) || seen[i] {
				t.Fatalf("id %d out of range or seen twice", i)
			}
			seen[i] = true
			wantName := fmt.Sprintf("n%d", i)
			if i%7 == 0 {
				if !names.IsNull(r) {
					t.Fatalf("row %d: name %q, want null", i, names.Value(r))
				}
			} else if names.IsNull(r) || names.Value(r) != wantName {
				t.Fatalf("row %d: name %q, want %q", i, names.Value(r), wantName)
			}
			day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(i%1000))
			if scores.Value(r) != float64(i)*0.25 || flags.Value(r) != (i%2 == 0) || days.Value(r).ToTime() != day ||
				int64(ts.Value(r)) != 1600000000000000+i*1001 || small.Value(r) != int32(i%100) {
				t.Fatalf("row %d: score %v flag %v day %v ts %v small %v", i, scores.Value(r), flags.Value(r), days.Value(r).ToTime(), ts.Value(r), small.Value(r))
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("row %d missing", i)
		}
	}
}

// TestSluiceWritesPyicebergReads: sluice creates a table on the SQL catalog, appends twice and
// overwrites once; pyiceberg reads every snapshot and reports its rows, which must be
// sluice's exactly.
func TestSluiceWritesPyicebergReads(t *testing.T) {
	py := python(t)
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	cat, err := OpenSQLCatalog(ctx, "interop", filepath.Join(dir, "catalog.db"), "file://"+filepath.Join(dir, "warehouse"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if err := cat.CreateNamespace(ctx, table.Identifier{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	ident := table.Identifier{"db", "go"}
	if _, err := WriteTable(ctx, rows(c, 0, 4000), cat, ident); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteTable(ctx, rows(c, 4000, 6000), cat, ident); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteTable(ctx, rows(c, 6000, 6500), cat, ident, Overwrite()); err != nil {
		t.Fatal(err)
	}
	script := pyCatalog + `
t = cat.load_table("db.go")
out = []
for s in sorted(t.metadata.snapshots, key=lambda s: s.sequence_number):
    tab = t.scan(snapshot_id=s.snapshot_id).to_arrow().sort_by("id")
    ids = tab.column("id").to_pylist()
    ok = all(r["name"] == f"row-{r['id']}" and r["score"] == r["id"] / 4 and r["group"] == chr(ord("a") + r["id"] % 3)
             for r in tab.to_pylist())
    out.append({"op": s.summary.operation.value, "rows": len(ids), "min": min(ids), "max": max(ids), "sum": sum(ids), "values_ok": ok})
print(json.dumps(out))
`
	out, err := exec.Command(py, "-c", script, dir).Output()
	if err != nil {
		t.Fatalf("pyiceberg: %v: %s", err, stderrOf(err))
	}
	var snaps []struct {
		Op                  string
		Rows, Min, Max, Sum int64
		ValuesOK            bool `json:"values_ok"`
	}
	if err := json.Unmarshal(out, &snaps); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := []struct{ rows, min, max int64 }{{4000, 0, 3999}, {6000, 0, 5999}, {500, 6000, 6499}}
	if len(snaps) != len(want) {
		t.Fatalf("pyiceberg sees %d snapshots, want %d: %s", len(snaps), len(want), out)
	}
	for i, w := range want {
		s := snaps[i]
		if s.Rows != w.rows || s.Min != w.min || s.Max != w.max || s.Sum != (w.min+w.max)*w.rows/2 || !s.ValuesOK {
			t.Errorf("snapshot %d (%s) as pyiceberg reads it: %+v, want %d rows %d..%d", i, s.Op, s, w.rows, w.min, w.max)
		}
	}
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}
