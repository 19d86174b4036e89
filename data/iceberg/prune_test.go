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
	for _, tc := range []struct {
		where      expr.Expr
		files      int
		rows, sum  int64
		translated bool
	}{
		{data.Col("id").Ge(6500), 1, 2500, (6500 + 8999) * 2500 / 2, true},
		{data.Lit(int64(2999)).Ge(data.Col("id")), 1, 3000, 2999 * 3000 / 2, true},
		{data.Col("id").Between(2500, 3499), 2, 1000, (2500 + 3499) * 1000 / 2, true},
		{data.Col("id").IsIn(10, 7000).Or(data.Col("id").Eq(20)), 2, 3, 7030, true},
		{data.Col("id").Lt(100).And(data.Col("name").Contains("9")), 1, 19, 0, true},
		{data.Col("name").Contains("row-1"), 3, 1111, 0, false},
		{data.Col("id").Add(1).Gt(8000), 3, 1000, (8000 + 8999) * 1000 / 2, false},
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
