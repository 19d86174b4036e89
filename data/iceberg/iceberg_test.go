package iceberg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ice "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
	"go.uber.org/goleak"
)

// testContext is a Context over a checked allocator: the test fails on a leaked byte or
// goroutine.
func testContext(t *testing.T) *data.Context {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() {
		goleak.VerifyNone(t, goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener"))
		mem.AssertSize(t, 0)
	})
	return &data.Context{Allocator: mem, CPUs: 2, MemoryBudget: 64 << 20, NoProgress: true}
}

// openCatalog opens a SQL catalog in a temporary directory with the namespace db.
func openCatalog(t *testing.T) (*SQLCatalog, string) {
	t.Helper()
	dir := t.TempDir()
	cat, err := OpenSQLCatalog(context.Background(), "test", filepath.Join(dir, "catalog.db"), "file://"+filepath.Join(dir, "warehouse"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.CreateNamespace(context.Background(), table.Identifier{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	return cat, dir
}

// rows makes ids lo..hi-1 with a name, a score and a group column.
func rows(c *data.Context, lo, hi int64) *data.Dataset {
	return data.Range(hi - lo).WithContext(c).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		ids, err := b.Int64s("id")
		if err != nil {
			return nil, err
		}
		id, name, score, group := make([]int64, len(ids)), make([]string, len(ids)), make([]float64, len(ids)), make([]string, len(ids))
		for i, v := range ids {
			id[i] = lo + v
			name[i] = fmt.Sprintf("row-%d", lo+v)
			score[i] = float64(lo+v) / 4
			group[i] = string(rune('a' + (lo+v)%3))
		}
		return b.NewBatch("id", id, "name", name, "score", score, "group", group)
	})
}

// sumIDs reads ds and returns its row count and the sum of its id column.
func sumIDs(t *testing.T, ds *data.Dataset) (int64, int64) {
	t.Helper()
	var n, sum int64
	for b, err := range ds.IterBatches(context.Background(), data.BatchSize(4096)) {
		if err != nil {
			t.Fatal(err)
		}
		ids, err := b.Int64s("id")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range ids {
			n, sum = n+1, sum+v
		}
	}
	return n, sum
}

func TestWriteReadSnapshots(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	ident := table.Identifier{"db", "events"}
	tbl, err := WriteTable(ctx, rows(c, 0, 10000), cat, ident)
	if err != nil {
		t.Fatal(err)
	}
	first := tbl.CurrentSnapshot().SnapshotID
	if tbl, err = Write(ctx, rows(c, 10000, 25000), tbl, SnapshotProperties(map[string]string{"writer": "sluice-test"})); err != nil {
		t.Fatal(err)
	}
	if got := tbl.CurrentSnapshot().Summary.Properties["writer"]; got != "sluice-test" {
		t.Errorf("snapshot summary writer = %q", got)
	}
	// A table loaded again from the catalog sees both commits.
	if tbl, err = cat.LoadTable(ctx, ident); err != nil {
		t.Fatal(err)
	}
	if n := len(tbl.Metadata().Snapshots()); n != 2 {
		t.Fatalf("%d snapshots, want 2", n)
	}
	ds := Read(tbl).WithContext(c)
	if e := ds.Explain(); !strings.Contains(e, "ReadIceberg") || !strings.Contains(e, "db.events") {
		t.Errorf("Explain does not name the read and the table:\n%s", e)
	}
	if n, sum := sumIDs(t, ds); n != 25000 || sum != 25000*24999/2 {
		t.Errorf("latest: %d rows, sum %d", n, sum)
	}
	if n, err := ds.Count(ctx); err != nil || n != 25000 {
		t.Errorf("Count = %d, %v", n, err)
	}
	if n, sum := sumIDs(t, Read(tbl, SnapshotID(first)).WithContext(c)); n != 10000 || sum != 10000*9999/2 {
		t.Errorf("first snapshot: %d rows, sum %d", n, sum)
	}
	// Values, column by column, through the projection pushdown.
	got, err := Read(tbl).WithContext(c).SelectColumns("name", "id").Sort([]string{"id"}).Limit(3).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2]["name"] != "row-2" || got[2]["id"] != int64(2) || len(got[2]) != 2 {
		t.Errorf("projected rows %v", got)
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

	// Overwrite: one commit replacing the rows; the snapshot before it still reads.
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
}

func TestReadRowFilterAndPartitions(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	schema, err := rows(c, 0, 1).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := table.ArrowSchemaToIcebergWithFreshIDs(schema.Schema, true)
	if err != nil {
		t.Fatal(err)
	}
	field, _ := sc.FindFieldByName("group")
	spec := ice.NewPartitionSpec(ice.PartitionField{SourceIDs: []int{field.ID}, FieldID: 1000, Name: "group", Transform: ice.IdentityTransform{}})
	tbl, err := cat.CreateTable(ctx, table.Identifier{"db", "parts"}, sc, catalog.WithPartitionSpec(&spec))
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err = Write(ctx, rows(c, 0, 9000), tbl); err != nil {
		t.Fatal(err)
	}
	// A filter on the partition column prunes the other partitions' files at planning.
	src := &source{tbl: tbl, conf: readConfig{filter: ice.EqualTo(ice.Reference("group"), "b")}}
	p, err := src.plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := (&source{tbl: tbl}).plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.tasks) == 0 || len(p.tasks) >= len(all.tasks) {
		t.Errorf("group = b plans %d of %d files; want the one partition's", len(p.tasks), len(all.tasks))
	}
	n, sum := sumIDs(t, Read(tbl, RowFilter(ice.EqualTo(ice.Reference("group"), "b"))).WithContext(c))
	var wantN, wantSum int64
	for i := int64(0); i < 9000; i++ {
		if i%3 == 1 {
			wantN, wantSum = wantN+1, wantSum+i
		}
	}
	if n != wantN || sum != wantSum {
		t.Errorf("group = b: %d rows, sum %d; want %d, %d", n, sum, wantN, wantSum)
	}
	// A filter on a data column: iceberg-go's reader filters the rows.
	n, _ = sumIDs(t, Read(tbl, RowFilter(ice.GreaterThanEqual(ice.Reference("id"), int64(8000)))).WithContext(c))
	if n != 1000 {
		t.Errorf("id >= 8000: %d rows, want 1000", n)
	}
	if got, err := Read(tbl, RowFilter(ice.GreaterThanEqual(ice.Reference("id"), int64(8000)))).WithContext(c).Count(ctx); err != nil || got != 1000 {
		t.Errorf("Count with a row filter = %d, %v", got, err)
	}
	// iceberg-go's reader gives a projection in the table's order; the blocks hold it in the
	// order asked for, as the schema says.
	ds := Read(tbl, RowFilter(ice.GreaterThanEqual(ice.Reference("id"), int64(8990)))).WithContext(c).SelectColumns("name", "id")
	if s, err := ds.Schema(ctx); err != nil || s.Schema.Field(0).Name != "name" {
		t.Errorf("schema %v, %v; want name, id", s, err)
	}
	n = 0
	for b, err := range ds.IterBatches(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Schema(); got.NumFields() != 2 || got.Field(0).Name != "name" || got.Field(1).Name != "id" {
			t.Fatalf("block schema %v; want name, id", got)
		}
		n += int64(b.NumRows())
	}
	if n != 10 {
		t.Errorf("%d rows, want 10", n)
	}
}

func TestWriteFailureCommitsNothing(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	tbl, err := WriteTable(ctx, rows(c, 0, 1000), cat, table.Identifier{"db", "t"})
	if err != nil {
		t.Fatal(err)
	}
	snap := tbl.CurrentSnapshot().SnapshotID
	bad := rows(c, 1000, 200000).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		ids, _ := b.Int64s("id")
		if len(ids) > 0 && ids[len(ids)-1] > 150000 {
			return nil, errors.New("the scorer broke")
		}
		return b, nil
	})
	_, err = Write(ctx, bad, tbl)
	if err == nil || !strings.Contains(err.Error(), "db.t") || !strings.Contains(err.Error(), "the scorer broke") || !strings.Contains(err.Error(), "nothing was committed") {
		t.Fatalf("error %v: want one naming the table and the cause", err)
	}
	tbl, err = cat.LoadTable(ctx, table.Identifier{"db", "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.Metadata().Snapshots()) != 1 || tbl.CurrentSnapshot().SnapshotID != snap {
		t.Errorf("a failed write changed the snapshots: %v", tbl.Metadata().Snapshots())
	}
	if n, _ := sumIDs(t, Read(tbl).WithContext(c)); n != 1000 {
		t.Errorf("after a failed write the table reads %d rows, want 1000", n)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	tbl, err := WriteTable(ctx, rows(c, 0, 10), cat, table.Identifier{"db", "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ds   *data.Dataset
		want []string
	}{
		{"snapshot", Read(tbl, SnapshotID(12345)), []string{"ReadIceberg db.t", "12345"}},
		{"column", Read(tbl, SelectedFields("nope")), []string{"ReadIceberg db.t", "nope"}},
		{"nil table", Read(nil), []string{"nil table"}},
	} {
		_, err := tc.ds.WithContext(c).TakeAll(ctx, 0)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want it to say %q", tc.name, err, w)
			}
		}
	}
	// A dataset whose columns the table does not have.
	other := data.Range(10).WithContext(c).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		return b.NewBatch("other", []string{"x", "x", "x", "x", "x", "x", "x", "x", "x", "x"}[:b.NumRows()])
	})
	if _, err := Write(ctx, other, tbl); err == nil || !strings.Contains(err.Error(), "WriteIceberg db.t") {
		t.Errorf("mismatched schema: %v", err)
	}
	if _, err := cat.LoadTable(ctx, table.Identifier{"db", "missing"}); err == nil {
		t.Error("LoadTable of a missing table: no error")
	}
}

func TestOpenSQLCatalogErrors(t *testing.T) {
	ctx := context.Background()
	bad := filepath.Join(t.TempDir(), "no-such-dir", "catalog.db")
	if _, err := OpenSQLCatalog(ctx, "x", bad, "file:///tmp/w", nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a catalog in a missing directory: %v, want an error naming %s", err, bad)
	}
	notDB := filepath.Join(t.TempDir(), "catalog.db")
	if err := os.WriteFile(notDB, []byte("this is not a SQLite database, it is a text file of some length"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSQLCatalog(ctx, "x", notDB, "file:///tmp/w", nil); err == nil || !strings.Contains(err.Error(), notDB) {
		t.Errorf("a catalog file that is not SQLite: %v, want an error naming %s", err, notDB)
	}
}

// TestReadPromotedFile reads a table whose schema never changed but which holds a data file
// added with an int column in its long column (AddFiles allows the promotion): that file goes
// through iceberg-go's reader, which casts it, and the others through sluice's, so every
// block has the table's types.
func TestReadPromotedFile(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, dir := openCatalog(t)
	ident := table.Identifier{"db", "promoted"}
	sc := ice.NewSchema(0, ice.NestedField{ID: 1, Name: "id", Type: ice.PrimitiveTypes.Int64})
	tbl, err := cat.CreateTable(ctx, ident, sc)
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err = Write(ctx, data.Range(1000).WithContext(c), tbl); err != nil {
		t.Fatal(err)
	}
	narrow := data.Range(500).WithContext(c).MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		ids, err := b.Int64s("id")
		if err != nil {
			return nil, err
		}
		out := make([]int32, len(ids))
		for i, v := range ids {
			out[i] = int32(1000 + v)
		}
		return b.NewBatch("id", out)
	})
	paths, err := narrow.WriteParquet(ctx, filepath.Join(dir, "narrow"))
	if err != nil {
		t.Fatal(err)
	}
	tx := tbl.NewTransaction()
	if err := tx.AddFiles(ctx, paths, nil, false); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(tbl.Metadata().Schemas()); n != 1 {
		t.Fatalf("%d schemas: the test needs a table whose schema never changed", n)
	}
	ds := Read(tbl).WithContext(c)
	schema, err := ds.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := schema.Schema.FieldsByName("id"); len(f) != 1 || f[0].Type.ID() != arrow.INT64 {
		t.Fatalf("schema %v, want id int64", schema.Schema)
	}
	if n, sum := sumIDs(t, ds); n != 1500 || sum != 1500*1499/2 {
		t.Errorf("%d rows, sum %d; want 1500, %d", n, sum, 1500*1499/2)
	}
}
