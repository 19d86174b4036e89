package iceberg

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/iceberg-go/table"
)

// TestCommitConflict: two writers hold the same table version; the first commits, and the
// second's commit fails with an error naming the table (iceberg-go checks the branch's
// snapshot id in the commit), and the first's rows stay, as the only ones; an overwrite from
// the stale version fails the same way rather than dropping rows it never saw.
func TestCommitConflict(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cat, _ := openCatalog(t)
	ident := table.Identifier{"db", "t"}
	base, err := WriteTable(ctx, rows(c, 0, 100), cat, ident)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, rows(c, 100, 200), base); err != nil {
		t.Fatal(err)
	}
	_, err = Write(ctx, rows(c, 200, 300), base) // from the stale version
	cur, lerr := cat.LoadTable(ctx, ident)
	if lerr != nil {
		t.Fatal(lerr)
	}
	n, _ := sumIDs(t, Read(cur).WithContext(c))
	t.Logf("stale writer: err=%v, table now %d rows, %d snapshots", err, n, len(cur.Metadata().Snapshots()))
	if err == nil || !strings.Contains(err.Error(), "WriteIceberg db.t") || !strings.Contains(err.Error(), "has changed") || n != 200 {
		t.Errorf("a conflicting append: error %v, the table holds %d rows (want an error and 200)", err, n)
	}
	// Overwrite from the stale version must not silently drop rows it never saw.
	_, err = Write(ctx, rows(c, 1000, 1010), base, Overwrite())
	cur, _ = cat.LoadTable(ctx, ident)
	n, _ = sumIDs(t, Read(cur).WithContext(c))
	if err == nil || !strings.Contains(err.Error(), "has changed") || n != 200 || len(cur.Metadata().Snapshots()) != 2 {
		t.Errorf("a conflicting overwrite: error %v, the table holds %d rows (want an error and 200)", err, n)
	}
}
