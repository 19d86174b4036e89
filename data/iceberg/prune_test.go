package iceberg

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/expr"
)

// TestWherePrunes: a Where right after Read prunes data files by their id bounds, the rows
// stay exact, and conjuncts without an Iceberg translation are left to the Where.
func TestWherePrunes(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	ident := table.Identifier{"db", "t"}
	var tbl *table.Table
	var err error
	for lo := int64(0); lo < 9000; lo += 3000 { // three data files: ids 0-2999, 3000-5999, 6000-8999
		if tbl, err = WriteTable(ctx, rows(c, lo, lo+3000), cat, ident); err != nil {
			t.Fatal(err)
		}
	}
	// Each data file's id range, to know which files a filter must keep.
	type bounds struct{ lo, hi int64 }
	var files []bounds
	full, err := (&source{tbl: tbl}).plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range full.paths {
		lo, err1 := data.ReadParquet(p).WithContext(c).Min(ctx, "id")
		hi, err2 := data.ReadParquet(p).WithContext(c).Max(ctx, "id")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		files = append(files, bounds{lo.(int64), hi.(int64)})
	}
	if len(files) < 3 {
		t.Fatalf("%d data files, want at least the three writes'", len(files))
	}
	overlapping := func(lo, hi int64) int {
		n := 0
		for _, f := range files {
			if f.lo <= hi && lo <= f.hi {
				n++
			}
		}
		return n
	}
	const inf = 1 << 62
	for _, tc := range []struct {
		where      expr.Expr
		files      int
		rows, sum  int64
		translated bool
	}{
		{data.Col("id").Ge(6500), overlapping(6500, inf), 2500, (6500 + 8999) * 2500 / 2, true},
		{data.Lit(int64(2999)).Ge(data.Col("id")), overlapping(-inf, 2999), 3000, 2999 * 3000 / 2, true},
		{data.Col("id").Between(2500, 3499), overlapping(2500, 3499), 1000, (2500 + 3499) * 1000 / 2, true},
		{data.Col("id").IsIn(10, 7000).Or(data.Col("id").Eq(20)), overlapping(10, 20) + overlapping(7000, 7000), 3, 7030, true},
		{data.Col("id").Lt(100).And(data.Col("name").Contains("9")), overlapping(-inf, 99), 19, 0, true},
		{data.Col("name").Contains("row-1"), len(files), 1111, 0, false},
		{data.Col("id").Add(1).Gt(8000), len(files), 1000, (8000 + 8999) * 1000 / 2, false},
	} {
		src := &source{tbl: tbl}
		tasks, err := src.ReadTasksFiltered(ctx, nil, tc.where.Conjuncts())
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != tc.files {
			t.Errorf("%s: %d files planned, want %d", tc.where, len(tasks), tc.files)
		}
		ds := Read(tbl).WithContext(c).Where(tc.where)
		if e := ds.Explain(); !strings.Contains(e, "ReadIceberg") || !strings.Contains(e, "filter=") {
			t.Errorf("%s: Explain does not show the pushed filter:\n%s", tc.where, e)
		}
		n, sum := sumIDs(t, ds)
		if n != tc.rows || (tc.sum != 0 && sum != tc.sum) {
			t.Errorf("%s: %d rows, sum %d; want %d, %d", tc.where, n, sum, tc.rows, tc.sum)
		}
		if got := src.pruneFilter(tc.where.Conjuncts()) != nil; got != tc.translated {
			t.Errorf("%s: translated %v, want %v", tc.where, got, tc.translated)
		}
	}
}

// TestWherePrunesSnapshotSchema: a Where on an older snapshot binds against that snapshot's
// schema, as the scan does. After a long column id and a string column name swapped names,
// id is the string column in the current schema, which an integer literal does not bind
// against; the snapshot's id still prunes by its bounds.
func TestWherePrunesSnapshotSchema(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	ident := table.Identifier{"db", "swapped"}
	var tbl *table.Table
	var err error
	for lo := int64(0); lo < 6000; lo += 3000 {
		if tbl, err = WriteTable(ctx, rows(c, lo, lo+3000).SelectColumns("id", "name"), cat, ident); err != nil {
			t.Fatal(err)
		}
	}
	first := tbl.CurrentSnapshot().SnapshotID
	for _, r := range [][2]string{{"id", "tmp"}, {"name", "id"}, {"tmp", "name"}} {
		tx := tbl.NewTransaction()
		if err := tx.UpdateSchema(true, false).RenameColumn([]string{r[0]}, r[1]).Commit(); err != nil {
			t.Fatal(err)
		}
		if tbl, err = tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	where := data.Col("id").Lt(1000)
	src := &source{tbl: tbl, conf: readConfig{snapshotID: &first}}
	tasks, err := src.ReadTasksFiltered(ctx, nil, where.Conjuncts())
	if err != nil {
		t.Fatal(err)
	}
	all, err := src.ReadTasks(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) == 0 || len(tasks) >= len(all) {
		t.Errorf("snapshot before the renames, %s: %d of %d files planned; want the first write's", where, len(tasks), len(all))
	}
	if n, sum := sumIDs(t, Read(tbl, SnapshotID(first)).WithContext(c).Where(where)); n != 1000 || sum != 999*1000/2 {
		t.Errorf("snapshot before the renames, %s: %d rows, sum %d; want 1000, %d", where, n, sum, 999*1000/2)
	}
}
