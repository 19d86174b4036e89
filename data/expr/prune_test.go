package expr

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// statsOf computes the statistics of rec the way a writer would, from the rows (with the
// oracle's value reader, not the pruner's code). include decides, per column and field,
// what to report: a reader may know less, never more.
func statsOf(rec arrow.RecordBatch, include func(col, what string) bool) StatsMap {
	sm := StatsMap{Rows: rec.NumRows(), Columns: map[string]ColumnStats{}}
	for ci, f := range rec.Schema().Fields() {
		if !include(f.Name, "column") {
			continue
		}
		col := rec.Column(ci)
		t := valueType(f.Type)
		if t.ID() == arrow.LIST {
			continue // no statistics for lists
		}
		var cs ColumnStats
		var lo, hi any
		nulls, nans := 0, 0
		var distinct []any
		for i := range col.Len() {
			v := valueAt(col, i)
			switch {
			case v == nil:
				nulls++
				continue
			case isNaNValue(v):
				nans++
			case lo == nil:
				lo, hi = v, v
			default:
				if less(v, lo) {
					lo = v
				}
				if less(hi, v) {
					hi = v
				}
			}
			seen := false
			for _, d := range distinct {
				if sameKey(d, v) {
					seen = true
				}
			}
			if !seen {
				distinct = append(distinct, v)
			}
		}
		if include(f.Name, "nulls") {
			cs.NullCount, cs.HasNullCount = int64(nulls), true
		}
		if isFloat(t) && include(f.Name, "nans") {
			cs.NaNCount, cs.HasNaNCount = int64(nans), true
		}
		if lo != nil && include(f.Name, "minmax") {
			if s, ok := scalarOf(lo, t); ok {
				cs.Min, _ = scalarOf(lo, t)
				cs.Max, _ = scalarOf(hi, t)
				_ = s
			}
		}
		if include(f.Name, "values") {
			if d, ok := col.(*array.Dictionary); ok {
				cs.Values = d.Dictionary() // a dictionary page may hold unused values too
			} else if set, ok := arrayOf(distinct, t); ok {
				cs.Values = set
			}
		}
		sm.Columns[f.Name] = cs
	}
	return sm
}

func isNaNValue(v any) bool {
	switch v := v.(type) {
	case float64:
		return math.IsNaN(v)
	case float32:
		return v != v
	}
	return false
}

// less orders two oracle values of one type.
func less(a, b any) bool {
	switch a := a.(type) {
	case int64:
		return a < b.(int64)
	case uint64:
		return a < b.(uint64)
	case float64:
		return a < b.(float64)
	case float32:
		return a < b.(float32)
	case string:
		return a < b.(string)
	case bool:
		return !a && b.(bool)
	case int32:
		return a < b.(int32)
	}
	return false
}

// scalarOf is an oracle value as a scalar of type t (false for types without min/max).
func scalarOf(v any, t arrow.DataType) (scalar.Scalar, bool) {
	switch t.ID() {
	case arrow.LIST:
		return nil, false
	case arrow.TIMESTAMP:
		return scalar.NewTimestampScalar(arrow.Timestamp(v.(int64)), t.(*arrow.TimestampType)), true
	case arrow.DATE32:
		return scalar.NewDate32Scalar(arrow.Date32(v.(int32))), true
	case arrow.STRING:
		return scalar.NewStringScalar(v.(string)), true
	case arrow.LARGE_STRING:
		return scalar.NewLargeStringScalar(v.(string)), true
	case arrow.BOOL:
		return scalar.NewBooleanScalar(v.(bool)), true
	}
	var s scalar.Scalar
	switch v := v.(type) {
	case int64:
		s = scalar.NewInt64Scalar(v)
	case uint64:
		s = scalar.NewUint64Scalar(v)
	case float32:
		s = scalar.NewFloat32Scalar(v)
	case float64:
		s = scalar.NewFloat64Scalar(v)
	default:
		return nil, false
	}
	c, ok := exactCast(s, t)
	return c, ok
}

func arrayOf(vals []any, t arrow.DataType) (arrow.Array, bool) {
	bld := array.NewBuilder(memory.NewGoAllocator(), t)
	defer bld.Release()
	for _, v := range vals {
		s, ok := scalarOf(v, t)
		if !ok {
			return nil, false
		}
		if err := scalar.Append(bld, s); err != nil {
			return nil, false
		}
	}
	return bld.NewArray(), true
}

// TestPruneAgainstRows checks Possible on random row groups (clustered values, so ranges
// prune) and random predicates against the rows themselves, as the oracle evaluates them:
// whatever a row evaluates to must be possible. It also requires that pruning happens, so the check is not vacuous.
func TestPruneAgainstRows(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	bg := newBatchGen(*seed + 100)
	eg := &exprGen{r: bg.r}
	groups, perGroup := 300, 40
	if testing.Short() || raceEnabled {
		groups = 60
	}
	checked, skipped, failures := 0, 0, 0
	for range groups {
		bg.spread = []float64{0.02, 0.1, 0.5, 1}[bg.r.IntN(4)]
		bg.center = float64(bg.r.IntN(41) - 20)
		bg.nullRate = []float64{0, 0.15, 0.5, 1}[bg.r.IntN(4)]
		rec := bg.batch(1 + bg.r.IntN(30))
		stats := statsOf(rec, func(col, what string) bool {
			switch what {
			case "column":
				return bg.r.Float64() < 0.9
			case "values":
				return bg.r.Float64() < 0.3
			case "nans":
				return bg.r.Float64() < 0.3
			}
			return bg.r.Float64() < 0.85
		})
		for range perGroup {
			e := eg.boolean(1 + eg.r.IntN(3))
			bd, err := BindPredicate(e, rec.Schema())
			if err != nil {
				continue
			}
			// What the rows evaluate to, by the oracle; Eval must agree.
			var isT, isF, isN, failed bool
			o := &oracle{rec: rec}
			for i := range int(rec.NumRows()) {
				o.row = i
				v, err := o.eval(e)
				switch {
				case err != nil:
					failed = true
				case v.v == nil:
					isN = true
				case v.v == true:
					isT = true
				default:
					isF = true
				}
			}
			if failed {
				continue // a failing predicate may be pruned or not
			}
			if mask, err := bd.Eval(ctx, mem, rec); err != nil {
				t.Fatalf("%s: the oracle evaluates it, Eval fails: %v", e, err)
			} else {
				mask.Release()
			}
			got := bd.Possible(stats)
			checked++
			if !got.True {
				skipped++
			}
			if isT && !got.True || isF && !got.False || isN && !got.Null {
				failures++
				t.Errorf("%s: rows are true=%v false=%v null=%v, Possible says %+v\nstats: %s\nbatch:\n%s", e, isT, isF, isN, got, describeStats(stats), describeBatch(rec))
				if failures > 3 {
					t.FailNow()
				}
			}
		}
		rec.Release()
		for _, c := range stats.Columns {
			if c.Values != nil {
				c.Values.Release()
			}
		}
	}
	t.Logf("%d predicates over %d row groups; %d row groups skipped", checked, groups, skipped)
	if skipped < checked/20 {
		t.Errorf("only %d of %d checks skipped a row group: the test does not exercise pruning", skipped, checked)
	}
}

func describeStats(s StatsMap) string {
	var b strings.Builder
	for name, c := range s.Columns {
		b.WriteString("\n  " + name + ":")
		if c.Min != nil {
			b.WriteString(" min=" + c.Min.String() + " max=" + c.Max.String())
		}
		if c.HasNullCount {
			b.WriteString(" nulls=" + itoa(int(c.NullCount)))
		}
		if c.HasNaNCount {
			b.WriteString(" nans=" + itoa(int(c.NaNCount)))
		}
		if c.Values != nil {
			b.WriteString(" values=" + c.Values.String())
		}
	}
	return b.String()
}

func i64(v int64) scalar.Scalar   { return scalar.NewInt64Scalar(v) }
func f64(v float64) scalar.Scalar { return scalar.NewFloat64Scalar(v) }

// TestPossible pins the decisions on hand-made statistics: each case says what must be
// possible and what must not.
func TestPossible(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	}, nil)
	strs := func(vs ...string) arrow.Array {
		b := array.NewStringBuilder(memory.NewGoAllocator())
		defer b.Release()
		b.AppendValues(vs, nil)
		return b.NewArray()
	}
	dict := strs("cat", "dog")
	defer dict.Release()
	ts := func(y int) scalar.Scalar {
		return scalar.NewTimestampScalar(arrow.Timestamp(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()), schema.Field(3).Type.(*arrow.TimestampType))
	}
	x10to20 := ColumnStats{Min: i64(10), Max: i64(20), HasNullCount: true}
	x10to20nulls := ColumnStats{Min: i64(10), Max: i64(20), HasNullCount: true, NullCount: 3}
	f1to2 := ColumnStats{Min: f64(1), Max: f64(2), HasNullCount: true}
	f1to2noNaN := ColumnStats{Min: f64(1), Max: f64(2), HasNullCount: true, HasNaNCount: true}
	one := func(name string, c ColumnStats) StatsMap {
		return StatsMap{Rows: 100, Columns: map[string]ColumnStats{name: c}}
	}
	cases := []struct {
		e     Expr
		stats StatsMap
		want  Possible
	}{
		{Col("x").Gt(20), one("x", x10to20), Possible{False: true}},
		{Col("x").Gt(19), one("x", x10to20), Possible{True: true, False: true}},
		{Col("x").Ge(20), one("x", x10to20), Possible{True: true, False: true}},
		{Col("x").Lt(10), one("x", x10to20), Possible{False: true}},
		{Col("x").Eq(5), one("x", x10to20), Possible{False: true}},
		{Col("x").Eq(15), one("x", x10to20nulls), Possible{True: true, False: true, Null: true}},
		{Col("x").Ne(15), one("x", ColumnStats{Min: i64(15), Max: i64(15), HasNullCount: true}), Possible{False: true}},
		{Col("x").Between(21, 30), one("x", x10to20), Possible{False: true}},
		{Col("x").IsIn(1, 2, 30), one("x", x10to20), Possible{False: true}},
		{Col("x").IsIn(1, 15), one("x", x10to20), Possible{True: true, False: true}},
		{Col("x").IsIn(1, nil), one("x", x10to20nulls), Possible{True: true, False: true}},
		{Col("x").IsNull(), one("x", x10to20), Possible{False: true}},
		{Col("x").IsNotNull(), one("x", ColumnStats{HasNullCount: true, NullCount: 100}), Possible{False: true}},
		{Col("x").Gt(5), one("x", ColumnStats{HasNullCount: true, NullCount: 100}), Possible{Null: true}},
		{Col("x").Gt(20).Not(), one("x", x10to20), Possible{True: true}},
		{Col("x").Add(5).Gt(25), one("x", x10to20), Possible{False: true}},
		{Col("x").Mul(-1).Gt(-10), one("x", x10to20), Possible{False: true}},
		{Col("x").Mul(Col("x")).Gt(400), one("x", x10to20), Possible{False: true}},
		{Col("x").Sub(Col("x")).Lt(-10), one("x", x10to20), Possible{False: true}},
		{Lit(100).Div(Col("x")).Gt(10), one("x", x10to20), Possible{False: true}},
		{Lit(100).Div(Col("x").Sub(15)).Gt(1000), one("x", x10to20), Possible{True: true, False: true}},
		{Col("x").FillNull(100).Gt(50), one("x", x10to20nulls), Possible{True: true, False: true}},
		{Col("x").FillNull(0).Gt(50), one("x", x10to20nulls), Possible{False: true}},
		// Kleene: false And anything is false; null Or true is true.
		{And(Col("x").Gt(20), Col("f").Gt(0)), one("x", x10to20), Possible{False: true}},
		{Or(Col("x").Gt(20), Col("f").Gt(0)), one("x", x10to20), Possible{True: true, False: true, Null: true}},
		// NaN: Parquet stats leave it out, so a float column may hold it.
		{Col("f").Gt(5), one("f", f1to2), Possible{False: true}},
		{Col("f").Ne(1.5), one("f", ColumnStats{Min: f64(1.5), Max: f64(1.5), HasNullCount: true}), Possible{True: true, False: true}},
		{Col("f").Ne(1.5), one("f", ColumnStats{Min: f64(1.5), Max: f64(1.5), HasNullCount: true, HasNaNCount: true}), Possible{False: true}},
		{Col("f").Gt(5).Not(), one("f", f1to2), Possible{True: true}},
		{Col("f").Le(5), one("f", f1to2noNaN), Possible{True: true}},
		{Col("f").Eq(math.NaN()), one("f", f1to2), Possible{False: true}},
		{Col("f").Gt(0), one("f", ColumnStats{Min: f64(math.NaN()), Max: f64(math.NaN())}), Possible{True: true, False: true, Null: true}},
		// Strings, dictionaries (exact), timestamps.
		{Col("s").Gt("zz"), one("s", ColumnStats{Min: scalar.NewStringScalar("apple"), Max: scalar.NewStringScalar("pear"), HasNullCount: true}), Possible{False: true}},
		{Col("s").StartsWith("q"), one("s", ColumnStats{Min: scalar.NewStringScalar("apple"), Max: scalar.NewStringScalar("pear"), HasNullCount: true}), Possible{True: true, False: true}},
		{Col("d").Eq("bird"), one("d", ColumnStats{Values: dict, HasNullCount: true}), Possible{False: true}},
		{Col("d").Eq("dog"), one("d", ColumnStats{Values: dict, HasNullCount: true}), Possible{True: true, False: true}},
		{Col("d").IsIn("cow", "bird"), one("d", ColumnStats{Values: dict}), Possible{False: true}},
		{Col("d").IsIn("cow", "bird"), one("d", ColumnStats{Values: dict, HasNullCount: true}), Possible{False: true}},
		{Col("d").Upper().Eq("CAT"), one("d", ColumnStats{Values: dict, HasNullCount: true}), Possible{True: true, False: true}},
		{Col("d").Upper().Eq("COW"), one("d", ColumnStats{Values: dict, HasNullCount: true}), Possible{False: true}},
		{Col("ts").Lt(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), one("ts", ColumnStats{Min: ts(2021), Max: ts(2023), HasNullCount: true}), Possible{False: true}},
		{Col("ts").Year().Eq(2024), one("ts", ColumnStats{Min: ts(2021), Max: ts(2023), HasNullCount: true}), Possible{False: true}},
		{Col("ts").Month().Eq(2), one("ts", ColumnStats{Min: ts(2021), Max: ts(2023), HasNullCount: true}), Possible{True: true, False: true}},
		// No stats: anything.
		{Col("x").Gt(20), StatsMap{Rows: 5}, Possible{True: true, False: true, Null: true}},
		{Col("x").Gt(20), StatsMap{Rows: 0}, Possible{}},
	}
	for _, c := range cases {
		t.Run(c.e.String(), func(t *testing.T) {
			bd, err := BindPredicate(c.e, schema)
			if err != nil {
				t.Fatal(err)
			}
			if got := bd.Possible(c.stats); got != c.want {
				t.Errorf("Possible = %+v, want %+v", got, c.want)
			}
		})
	}
}
