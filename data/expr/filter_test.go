package expr

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestFilterAgainstOracle filters random (sometimes sliced) batches by random predicates
// and compares the kept rows, column by column, with the rows the oracle says are true.
func TestFilterAgainstOracle(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	bg := newBatchGen(*seed + 300)
	eg := &exprGen{r: bg.r}
	kinds := map[string]int{}
	for trial := range 1500 {
		full := bg.batch(1 + bg.r.IntN(40))
		rec := full
		if trial%2 == 1 && full.NumRows() > 2 {
			rec = full.NewSlice(1, full.NumRows()-1)
			full.Release()
		}
		e := eg.boolean(1 + eg.r.IntN(3))
		pred, err := BindPredicate(e, rec.Schema())
		if err != nil {
			rec.Release()
			continue
		}
		o := &oracle{rec: rec}
		var want []int
		failed := false
		for i := range int(rec.NumRows()) {
			o.row = i
			v, err := o.eval(e)
			if err != nil {
				failed = true
				break
			}
			if v.v == true {
				want = append(want, i)
			}
		}
		out, err := Filter(ctx, mem, pred, rec)
		switch {
		case failed && err == nil:
			t.Fatalf("%s: the oracle failed, Filter did not", e)
		case failed:
		case err != nil:
			t.Fatalf("%s: %v", e, err)
		default:
			switch {
			case len(want) == int(rec.NumRows()):
				kinds["all"]++
				if out != rec {
					t.Errorf("%s: every row passes, Filter should return the batch itself", e)
				}
			case len(want) == 0:
				kinds["none"]++
			default:
				kinds["some"]++
			}
			checkRows(t, e, rec, out, want)
			out.Release()
		}
		rec.Release()
	}
	t.Logf("filters that kept all, none, some rows: %v", kinds)
	if kinds["some"] < 100 || kinds["all"] < 20 || kinds["none"] < 20 {
		t.Errorf("too few filters of each kind: %v", kinds)
	}
}

func checkRows(t *testing.T, e Expr, in, out arrow.RecordBatch, rows []int) {
	t.Helper()
	if int(out.NumRows()) != len(rows) {
		t.Fatalf("%s: kept %d rows, want %d", e, out.NumRows(), len(rows))
	}
	if !out.Schema().Equal(in.Schema()) {
		t.Fatalf("%s: schema changed", e)
	}
	for c := range int(in.NumCols()) {
		for j, i := range rows {
			if g, w := valueAt(out.Column(c), j), valueAt(in.Column(c), i); !sameValue(g, w) {
				t.Fatalf("%s: column %s row %d: got %v, want %v", e, in.ColumnName(c), j, g, w)
			}
		}
	}
}
