package iceberg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/catalog/rest"
	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
)

// restCatalog opens the REST catalog server scripts/iceberg-rest.sh started (Apache Iceberg's
// own, in Java), with a namespace of the test's own, or skips the test. .ci/run starts it.
func restCatalog(t *testing.T) (*rest.Catalog, string) {
	t.Helper()
	uri := os.Getenv("SLUICE_ICEBERG_REST_URI")
	if uri == "" {
		t.Skip("no REST catalog: eval \"$(scripts/iceberg-rest.sh start)\" sets SLUICE_ICEBERG_REST_URI (needs java and mvn; .ci/run does it)")
	}
	ctx := context.Background()
	cat, err := rest.NewCatalog(ctx, "rest", uri)
	if err != nil {
		t.Fatalf("REST catalog at %s: %v", uri, err)
	}
	t.Cleanup(func() { cat.Close() }) // its idle connections, before the leak check
	ns := fmt.Sprintf("sluice_%s_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano())
	if err := cat.CreateNamespace(ctx, table.Identifier{ns}, nil); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	return cat, ns
}

// TestRESTCatalog runs sluice's writes and reads through Apache Iceberg's REST catalog server:
// create, append, time travel, overwrite, a stale writer's conflict, a failed run, and
// pyiceberg (its REST client, a second implementation) reading what sluice committed.
func TestRESTCatalog(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, ns := restCatalog(t)
	ident := table.Identifier{ns, "events"}
	name := ns + ".events"

	base, err := WriteTable(ctx, rows(c, 0, 10000), cat, ident)
	if err != nil {
		t.Fatal(err)
	}
	first := base.CurrentSnapshot().SnapshotID
	tbl, err := Write(ctx, rows(c, 10000, 25000), base)
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err = cat.LoadTable(ctx, ident); err != nil {
		t.Fatal(err)
	}
	if n := len(tbl.Metadata().Snapshots()); n != 2 {
		t.Fatalf("%d snapshots after two commits, want 2", n)
	}
	if n, sum := sumIDs(t, Read(tbl).WithContext(c)); n != 25000 || sum != 25000*24999/2 {
		t.Errorf("latest: %d rows, sum %d", n, sum)
	}
	if n, sum := sumIDs(t, Read(tbl, SnapshotID(first)).WithContext(c)); n != 10000 || sum != 10000*9999/2 {
		t.Errorf("first snapshot: %d rows, sum %d", n, sum)
	}
	all, err := Read(tbl).WithContext(c).Sort([]string{"id"}).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range all {
		if r["id"] != int64(i) || r["name"] != fmt.Sprintf("row-%d", i) || r["score"] != float64(i)/4 || r["group"] != string(rune('a'+i%3)) {
			t.Fatalf("row %d = %v", i, r)
		}
	}

	// A writer holding the first version conflicts: the server refuses its commit.
	_, err = Write(ctx, rows(c, 50000, 50100), base)
	if err == nil || !strings.Contains(err.Error(), "WriteIceberg "+name) || !strings.Contains(err.Error(), "has changed") {
		t.Errorf("a stale append: error %v, want a conflict naming %s", err, name)
	}
	// A run that fails midway commits nothing.
	bad := rows(c, 100000, 300000).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		if ids, _ := b.Int64s("id"); len(ids) > 0 && ids[len(ids)-1] > 250000 {
			return nil, errors.New("the scorer broke")
		}
		return b, nil
	})
	if _, err = Write(ctx, bad, tbl); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "nothing was committed") {
		t.Errorf("a failed run: error %v, want one naming %s and saying nothing was committed", err, name)
	}
	if tbl, err = cat.LoadTable(ctx, ident); err != nil {
		t.Fatal(err)
	}
	if n := len(tbl.Metadata().Snapshots()); n != 2 {
		t.Fatalf("%d snapshots after a conflict and a failed run, want 2", n)
	}

	// Overwrite: one commit; the snapshot before it still reads.
	before := tbl.CurrentSnapshot().SnapshotID
	if tbl, err = Write(ctx, rows(c, 100, 600), tbl, Overwrite()); err != nil {
		t.Fatal(err)
	}
	if n, sum := sumIDs(t, Read(tbl).WithContext(c)); n != 500 || sum != (100+599)*500/2 {
		t.Errorf("after overwrite: %d rows, sum %d", n, sum)
	}
	if n, _ := sumIDs(t, Read(tbl, SnapshotID(before)).WithContext(c)); n != 25000 {
		t.Errorf("the snapshot before the overwrite reads %d rows, want 25000", n)
	}

	// pyiceberg's REST client reads the same table: rows, sum, snapshots, one row's values.
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import pyiceberg.catalog.rest, pyarrow").Run()
	}
	if err != nil || os.Getenv("SLUICE_NO_PYTHON") != "" {
		t.Log("pyiceberg's REST read skipped: python3 with pyiceberg and pyarrow not found (run scripts/install-python-deps.sh)")
		return
	}
	script := `
import sys, json
import pyarrow.compute as pc
from pyiceberg.catalog.rest import RestCatalog
cat = RestCatalog("rest", uri=sys.argv[1])
t = cat.load_table(sys.argv[2])
a = t.scan().to_arrow()
r = a.filter(pc.equal(a["id"], 123)).to_pylist()
print(json.dumps({"rows": a.num_rows, "sum": pc.sum(a["id"]).as_py(), "snapshots": len(t.metadata.snapshots),
                  "first": t.scan(snapshot_id=int(sys.argv[3])).to_arrow().num_rows, "row": r}))
`
	out, err := exec.Command(py, "-c", script, os.Getenv("SLUICE_ICEBERG_REST_URI"), name, fmt.Sprint(first)).Output()
	if err != nil {
		t.Fatalf("pyiceberg: %v: %s", err, stderrOf(err))
	}
	var res struct {
		Rows, Sum, Snapshots, First int64
		Row                         []map[string]any
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("pyiceberg (REST) reads: %s", strings.TrimSpace(string(out)))
	if res.Rows != 500 || res.Sum != (100+599)*500/2 || res.Snapshots != 3 || res.First != 10000 || len(res.Row) != 1 ||
		res.Row[0]["name"] != "row-123" || res.Row[0]["score"] != 123.0/4 || res.Row[0]["group"] != string(rune('a'+123%3)) {
		t.Errorf("pyiceberg reads %s", out)
	}
}
