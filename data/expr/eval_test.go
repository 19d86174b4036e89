package expr

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestEvalAgainstOracle evaluates random expressions (every operator, every numeric type,
// strings, dictionaries, timestamps in three zones, dates, lists) over random batches with
// nulls, garbage under the nulls and sliced offsets, and holds each result (type, values,
// or the failure) against the row-at-a-time oracle, on a checked allocator.
func TestEvalAgainstOracle(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	bg := newBatchGen(*seed)
	eg := &exprGen{r: bg.r}
	trials := 20000
	if testing.Short() || raceEnabled {
		trials = 3000
	}
	var rec arrow.RecordBatch
	defer func() { rec.Release() }()
	counts := map[string]int{}
	failures := 0
	for trial := range trials {
		if trial%40 == 0 {
			if rec != nil {
				rec.Release()
			}
			full := bg.batch(1 + bg.r.IntN(48))
			rec = full
			if bg.r.IntN(3) == 0 && full.NumRows() > 2 {
				rec = full.NewSlice(1, full.NumRows()-1) // offsets other than 0
				full.Release()
			}
		}
		e := eg.any(1 + eg.r.IntN(4))
		got, err := checkOne(ctx, mem, e, rec)
		counts[got]++
		if err != nil {
			failures++
			t.Errorf("%s\n%v\nbatch:\n%s", e, err, describeBatch(rec))
			if failures > 5 {
				t.FailNow()
			}
		}
	}
	t.Logf("outcomes over %d expressions: %v", trials, counts)
	// The generator must reach every outcome, or the test checks less than it claims.
	for _, k := range []string{"values", "bind error", "eval error"} {
		if counts[k] < trials/50 {
			t.Errorf("only %d of %d expressions ended in %q", counts[k], trials, k)
		}
	}
}

// checkOne binds and evaluates e over rec and compares with the oracle; it returns the
// outcome ("values", "bind error", "eval error") and a mismatch, if any.
func checkOne(ctx context.Context, mem memory.Allocator, e Expr, rec arrow.RecordBatch) (string, error) {
	o := &oracle{rec: rec}
	var want []any
	var wantType arrow.DataType
	typeErr, valErr := false, false
	for i := range int(rec.NumRows()) {
		o.row = i
		v, err := o.eval(e)
		switch {
		case errors.Is(err, errType):
			typeErr = true
		case err != nil:
			valErr = true
		default:
			want = append(want, v.v)
			wantType = v.t
		}
	}
	bd, err := Bind(e, rec.Schema())
	if err != nil {
		var xe *Error
		if !errors.As(err, &xe) {
			return "bind error", errors.New("Bind's error is not an *Error: " + err.Error())
		}
		if !typeErr && !valErr {
			return "bind error", errors.New("Bind failed, the oracle did not: " + err.Error())
		}
		return "bind error", nil
	}
	if typeErr {
		return "values", errors.New("Bind accepted what the oracle calls ill-typed")
	}
	arr, err := bd.Eval(ctx, mem, rec)
	if err != nil {
		if !valErr {
			return "eval error", errors.New("Eval failed, the oracle did not: " + err.Error())
		}
		return "eval error", nil
	}
	defer arr.Release()
	if valErr {
		return "values", errors.New("the oracle failed on a row, Eval did not")
	}
	if arr.Len() != int(rec.NumRows()) {
		return "values", errors.New("wrong length")
	}
	if !arrow.TypeEqual(arr.DataType(), bd.Type()) {
		return "values", errors.New("Eval's type " + arr.DataType().String() + " is not Bound.Type " + bd.Type().String())
	}
	if wantType != nil && !arrow.TypeEqual(stripDict(wantType), arr.DataType()) {
		return "values", errors.New("type " + arr.DataType().String() + ", the oracle's " + wantType.String())
	}
	for i := range arr.Len() {
		if g := valueAt(arr, i); !sameValue(g, want[i]) {
			return "values", &rowMismatch{row: i, got: g, want: want[i]}
		}
	}
	return "values", nil
}

func stripDict(t arrow.DataType) arrow.DataType {
	if d, ok := t.(*arrow.DictionaryType); ok {
		return d.ValueType
	}
	return t
}

type rowMismatch struct {
	row       int
	got, want any
}

func (m *rowMismatch) Error() string {
	return "row " + itoa(m.row) + ": got " + show(m.got) + ", oracle " + show(m.want)
}

var seed = flag.Uint64("seed", 1, "seed of the random tests")

func itoa(i int) string { return fmt.Sprint(i) }

func show(v any) string { return fmt.Sprintf("%#v", v) }
