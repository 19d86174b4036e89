package sqlio

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
	_ "modernc.org/sqlite"
)

// TestReadStreamsBlocks reads 10 rows in blocks of 3: four blocks, each released by the
// consumer, none holding the whole result.
func TestReadStreamsBlocks(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (i INTEGER); WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x+1 FROM c WHERE x < 9) INSERT INTO t SELECT x FROM c"); err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	err = Read(context.Background(), db, "SELECT i FROM t", ReadOptions{BlockRows: 3}, mem, func(rec arrow.RecordBatch) error {
		sizes = append(sizes, rec.NumRows())
		rec.Release()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 4 || sizes[0] != 3 || sizes[3] != 1 {
		t.Fatalf("block sizes %v, want [3 3 3 1]", sizes)
	}
}

func TestParseDecimal(t *testing.T) {
	for _, c := range []struct {
		in         string
		prec, sc   int32
		want, fail string
	}{
		{"12.34", 10, 2, "12.34", ""},
		{"-0.05", 10, 2, "-0.05", ""},
		{"7", 10, 3, "7.000", ""},
		{"123456789012345678901234.5", 38, 1, "123456789012345678901234.5", ""},
		{"1e3", 10, 2, "1000.00", ""},
		{"1.234", 10, 2, "", "more than 2 fractional digits"},
		{"123456", 5, 0, "", "does not fit decimal(5,0)"},
		{"abc", 5, 0, "", "is not a decimal"},
	} {
		n, err := parseDecimal(c.in, c.prec, c.sc)
		if c.fail != "" {
			if err == nil || !contains(err.Error(), c.fail) {
				t.Errorf("%s: got %v, want an error containing %q", c.in, err, c.fail)
			}
			continue
		}
		if err != nil || n.ToString(c.sc) != c.want {
			t.Errorf("%s: got %s, %v; want %s", c.in, n.ToString(c.sc), err, c.want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
