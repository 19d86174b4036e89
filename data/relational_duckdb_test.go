package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The interop oracle: GroupBy/Aggregate, Sort and every join type run by sluice and by DuckDB
// (python3 duckdb, pinned in scripts/install-python-deps.sh) over the same Parquet files of
// random rows with nulls, NaN, -0, empty strings and strings holding a zero byte, and the
// results compared value by value: integers, strings and floats exactly (float bits; -0 is
// taken as 0, and the value columns hold quarters, so that sums do not depend on the order of
// addition), standard deviations to 1e-12 relative (DuckDB and sluice compute them by
// different formulas). Skipped with a message when python3 lacks duckdb.

var duckSchema = arrow.NewSchema([]arrow.Field{
	{Name: "pos", Type: arrow.PrimitiveTypes.Int64},
	{Name: "k1", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "k2", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "k3", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "v1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v2", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// duckTable makes rows of duckSchema in blocks: keys from small domains (skewed groups), each
// value null one time in five.
func duckTable(mem memory.Allocator, rng *rand.Rand, rows, blocks, domain int, first int64) []arrow.RecordBatch {
	floats := []float64{math.NaN(), math.Copysign(0, -1), 0, 1.5, -2, math.Inf(1)}
	strs := []string{"a", "b", "", "a\x00", "zz", "é"}
	var recs []arrow.RecordBatch
	pos := first
	for b := 0; b < blocks; b++ {
		bld := array.NewRecordBuilder(mem, duckSchema)
		n := rows / blocks
		if b == blocks-1 {
			n = rows - n*(blocks-1)
		}
		for i := 0; i < n; i++ {
			null := func() bool { return rng.IntN(5) == 0 }
			bld.Field(0).(*array.Int64Builder).Append(pos)
			pos++
			if null() {
				bld.Field(1).AppendNull()
			} else {
				bld.Field(1).(*array.Int32Builder).Append(int32(rng.IntN(domain)) - 1)
			}
			if null() {
				bld.Field(2).AppendNull()
			} else {
				bld.Field(2).(*array.StringBuilder).Append(strs[rng.IntN(min(domain, len(strs)))])
			}
			if null() {
				bld.Field(3).AppendNull()
			} else {
				bld.Field(3).(*array.Float64Builder).Append(floats[rng.IntN(len(floats))])
			}
			if null() {
				bld.Field(4).AppendNull()
			} else {
				bld.Field(4).(*array.Date32Builder).Append(arrow.Date32(19000 + rng.IntN(domain)))
			}
			if null() {
				bld.Field(5).AppendNull()
			} else {
				bld.Field(5).(*array.Int64Builder).Append(rng.Int64N(2_000_001) - 1_000_000)
			}
			if null() {
				bld.Field(6).AppendNull()
			} else {
				bld.Field(6).(*array.Float64Builder).Append(float64(rng.IntN(4001)-2000) / 4)
			}
		}
		recs = append(recs, bld.NewRecordBatch())
		bld.Release()
	}
	return recs
}

// duckQuery runs the prelude's statements and then the queries over views of Parquet
// directories (name -> dir), and returns each query's
// columns and rows as canonical cells.
func duckQuery(t *testing.T, py string, views map[string]string, prelude, queries []string) [][][]string {
	t.Helper()
	script := `
import duckdb, json, math, sys, datetime
req = json.load(sys.stdin)
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for name, d in req["views"].items():
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{d}/*.parquet')")
for stmt in req["prelude"]:
    con.execute(stmt)
def cell(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "b:" + str(v).lower()
    if isinstance(v, int):
        return "i:%d" % v
    if isinstance(v, float):
        if math.isnan(v):
            return "f:nan"
        if v == 0:
            return "f:0"
        return "f:" + v.hex()
    if isinstance(v, str):
        return "s:" + v
    if isinstance(v, datetime.date):
        return "d:" + v.isoformat()
    raise TypeError(type(v))
out = []
for q in req["queries"]:
    cur = con.execute(q)
    names = [c[0] for c in cur.description]
    out.append([names] + [[cell(v) for v in row] for row in cur.fetchall()])
print(json.dumps(out))
`
	req, _ := json.Marshal(map[string]any{"views": views, "prelude": prelude, "queries": queries})
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v\n%s", err, stderr.String())
	}
	var res [][][]string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return res
}

// duckCell is the canonical cell of a sluice value, as duckQuery writes DuckDB's.
func duckCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "b:" + strconv.FormatBool(x)
	case int32:
		return "i:" + strconv.FormatInt(int64(x), 10)
	case int64:
		return "i:" + strconv.FormatInt(x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return "f:nan"
		case x == 0:
			return "f:0"
		case math.IsInf(x, 1):
			return "f:inf"
		case math.IsInf(x, -1):
			return "f:-inf"
		}
		return "f:" + pyHex(x)
	case string:
		return "s:" + x
	case time.Time:
		return "d:" + x.Format(time.DateOnly)
	}
	return fmt.Sprintf("?%T:%v", v, v)
}

// pyHex formats a finite non-zero float as Python's float.hex does ("0x1.8000000000000p+0").
func pyHex(f float64) string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	frac, exp := math.Frexp(f) // f = frac * 2^exp, frac in [0.5, 1)
	bits := math.Float64bits(f)
	mant := bits & (1<<52 - 1)
	lead := 1
	e := exp - 1
	if bits>>52 == 0 { // subnormal: Python writes 0x0.<mant>p-1022
		lead, e = 0, -1022
	}
	_ = frac
	return fmt.Sprintf("%s0x%d.%013xp%+d", sign, lead, mant, e)
}

// sluiceRows runs ds and returns its columns and rows as canonical cells.
func sluiceRows(t *testing.T, ds *Dataset) [][]string {
	t.Helper()
	ctx := context.Background()
	cols, err := ds.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ds.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{cols}
	for _, r := range rows {
		var line []string
		for _, c := range cols {
			line = append(line, duckCell(r[c]))
		}
		out = append(out, line)
	}
	return out
}

// compareDuck compares sluice's table with DuckDB's: columns by name and order, then rows in
// order (ordered) or as multisets. Cells of the columns in approx compare to 1e-12 relative.
func compareDuck(t *testing.T, what string, got, want [][]string, ordered bool, approx ...string) {
	t.Helper()
	if !slices.Equal(got[0], want[0]) {
		t.Fatalf("%s: columns %q, DuckDB's %q", what, got[0], want[0])
	}
	g, w := got[1:], want[1:]
	if len(g) != len(w) {
		t.Fatalf("%s: %d rows, DuckDB %d", what, len(g), len(w))
	}
	if len(g) == 0 {
		t.Fatalf("%s: no rows: the case tests nothing", what)
	}
	if !ordered {
		key := func(a, b []string) int { return strings.Compare(strings.Join(a, "\x1f"), strings.Join(b, "\x1f")) }
		slices.SortFunc(g, key)
		slices.SortFunc(w, key)
	}
	loose := map[int]bool{}
	for i, c := range got[0] {
		loose[i] = slices.Contains(approx, c)
	}
	bad := 0
	for i := range g {
		for j := range g[i] {
			if g[i][j] == w[i][j] || loose[j] && nearCells(g[i][j], w[i][j]) {
				continue
			}
			if bad++; bad <= 5 {
				t.Errorf("%s: row %d column %s: sluice %q, DuckDB %q\n sluice row %q\n DuckDB row %q", what, i, got[0][j], g[i][j], w[i][j], g[i], w[i])
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d cells differ in all", what, bad)
	}
}

func nearCells(a, b string) bool {
	fa, ea := strconv.ParseFloat(strings.TrimPrefix(a, "f:"), 64)
	fb, eb := strconv.ParseFloat(strings.TrimPrefix(b, "f:"), 64)
	return ea == nil && eb == nil && math.Abs(fa-fb) <= 1e-12*math.Max(math.Abs(fa), math.Abs(fb))
}

// writeDuckTable writes recs as Parquet files under a new directory for both engines.
func writeDuckTable(t *testing.T, c *Context, recs []arrow.RecordBatch, rowsPerFile int) string {
	t.Helper()
	dir := t.TempDir()
	ds := FromArrow(recs...).WithContext(c)
	defer ds.Release()
	if _, err := ds.WriteParquet(context.Background(), dir, MaxRowsPerFile(int64(rowsPerFile))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRelationalMatchesDuckDB(t *testing.T) {
	if raceEnabled {
		// It checks results against another engine, not concurrency (the oracle tests run
		// under -race), and takes 67 s there (5 s without).
		t.Skip("runs without -race only")
	}
	py := pythonWith(t, "duckdb")
	if py == "" {
		t.Skip("duckdb absent: run scripts/install-python-deps.sh")
	}
	c := relContext(t, 256<<10) // far below the inputs: every exchange spills
	rng := rand.New(rand.NewPCG(13, 1))
	// Group-by and sort on 6000 rows of small key domains (skewed groups); joins on 3000 x
	// 1000 rows of a wider one (so that the outputs stay near the inputs' size).
	left := duckTable(c.Allocator, rng, 6000, 6, 6, 0)
	jleft := duckTable(c.Allocator, rng, 3000, 3, 40, 0)
	jright := duckTable(c.Allocator, rng, 1000, 2, 40, 100000)
	leftDir, jleftDir, jrightDir := writeDuckTable(t, c, left, 1500), writeDuckTable(t, c, jleft, 1000), writeDuckTable(t, c, jright, 500)
	for _, rec := range slices.Concat(left, jleft, jright) {
		rec.Release()
	}
	l := ReadParquet(leftDir).WithContext(c)
	jl := ReadParquet(jleftDir).WithContext(c)
	r := ReadParquet(jrightDir).WithContext(c)
	views := map[string]string{"l": leftDir, "jl": jleftDir, "r0": jrightDir}
	prelude := []string{"CREATE VIEW r AS SELECT pos, k1 AS rk1, k2 AS rk2, k3, d, v1, v2 FROM r0"}

	type tcase struct {
		name    string
		ds      *Dataset
		sql     string
		ordered bool
		approx  []string
	}
	var cases []tcase

	aggs := []AggregateFn{Count(), Count("v1").As("n_v1"), Sum("v1"), Sum("v2"), Min("v1"), Max("v2"), Min("k2").As("min_k2"),
		Max("d").As("max_d"), Mean("v1"), Mean("v2"), Std("v2", 1), Std("v1", 0).As("pop_std_v1"), AbsMax("v1"),
		CountDistinct("v1"), Quantile("v2", 0.5)}
	aggSQL := `count(*) AS "count()", count(v1) AS n_v1, sum(v1) AS "sum(v1)", sum(v2) AS "sum(v2)", min(v1) AS "min(v1)",
		max(v2) AS "max(v2)", min(k2) AS min_k2, max(d) AS max_d, avg(v1) AS "mean(v1)", avg(v2) AS "mean(v2)",
		stddev_samp(v2) AS "std(v2)", stddev_pop(v1) AS pop_std_v1, max(abs(v1)) AS "abs_max(v1)",
		count(DISTINCT v1) AS "count_distinct(v1)", quantile_cont(v2, 0.5) AS "quantile(v2)"`
	for _, keys := range [][]string{{"k1"}, {"k2"}, {"k3"}, {"d"}, {"k1", "k2", "k3"}} {
		cases = append(cases, tcase{
			name:   "groupby " + strings.Join(keys, ","),
			ds:     l.GroupBy(keys...).Aggregate(aggs...),
			sql:    fmt.Sprintf("SELECT %s, %s FROM l GROUP BY ALL", strings.Join(keys, ", "), aggSQL),
			approx: []string{"std(v2)", "pop_std_v1", "mean(v1)"},
		})
	}
	cases = append(cases, tcase{
		name: "whole-dataset aggregate", ds: l.GroupBy().Aggregate(aggs...),
		sql:    fmt.Sprintf("SELECT %s FROM l", aggSQL),
		approx: []string{"std(v2)", "pop_std_v1", "mean(v1)"},
	})

	for _, s := range []struct {
		keys []string
		desc []bool
	}{
		{[]string{"k3"}, []bool{false}},
		{[]string{"k1", "k2"}, []bool{false, true}},
		{[]string{"k2", "k3", "d"}, []bool{true, false, true}},
		{[]string{"v2"}, []bool{true}},
	} {
		var order []string
		for i, k := range s.keys {
			dir := "ASC"
			if s.desc[i] {
				dir = "DESC"
			}
			order = append(order, k+" "+dir+" NULLS LAST")
		}
		cases = append(cases, tcase{
			name:    fmt.Sprintf("sort %v desc %v", s.keys, s.desc),
			ds:      l.Sort(s.keys, Descending(s.desc...)),
			sql:     fmt.Sprintf("SELECT * FROM l ORDER BY %s, pos", strings.Join(order, ", ")), // stable: input order breaks ties
			ordered: true,
		})
	}

	// Joins on two keys of different names on the two sides (the right's k1, k2 renamed), with
	// clashing value columns (suffixes). Key columns appear once, from whichever side a row has.
	rr := r.RenameColumns(map[string]string{"k1": "rk1", "k2": "rk2"})
	on := "l.k1 = r.rk1 AND l.k2 = r.rk2"
	both := `CASE WHEN l.pos IS NULL THEN r.rk1 ELSE l.k1 END AS k1, CASE WHEN l.pos IS NULL THEN r.rk2 ELSE l.k2 END AS k2`
	full := `l.pos, ` + both + `, l.k3, l.d, l.v1, l.v2, r.pos AS pos_r, r.k3 AS k3_r, r.d AS d_r, r.v1 AS v1_r, r.v2 AS v2_r`
	joins := []struct {
		how JoinType
		sql string
	}{
		{Inner, "SELECT " + full + " FROM jl AS l JOIN r ON " + on},
		{LeftOuter, "SELECT " + full + " FROM jl AS l LEFT JOIN r ON " + on},
		{RightOuter, "SELECT " + full + " FROM jl AS l RIGHT JOIN r ON " + on},
		{FullOuter, "SELECT " + full + " FROM jl AS l FULL OUTER JOIN r ON " + on},
		{LeftSemi, "SELECT * FROM jl AS l WHERE EXISTS (SELECT 1 FROM r WHERE " + on + ")"},
		{LeftAnti, "SELECT * FROM jl AS l WHERE NOT EXISTS (SELECT 1 FROM r WHERE " + on + ")"},
		{RightSemi, "SELECT * FROM r WHERE EXISTS (SELECT 1 FROM jl AS l WHERE " + on + ")"},
		{RightAnti, "SELECT * FROM r WHERE NOT EXISTS (SELECT 1 FROM jl AS l WHERE " + on + ")"},
	}
	for _, j := range joins {
		cases = append(cases, tcase{
			name: "join " + j.how.String(),
			ds:   jl.Join(rr, []string{"k1", "k2"}, j.how, RightOn("rk1", "rk2"), Suffixes("", "_r")),
			sql:  j.sql,
		})
	}

	var queries []string
	for _, tc := range cases {
		queries = append(queries, tc.sql)
	}
	want := duckQuery(t, py, views, prelude, queries)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := sluiceRows(t, tc.ds)
			compareDuck(t, tc.name, got, want[i], tc.ordered, tc.approx...)
			if tc.ordered || strings.HasPrefix(tc.name, "join") {
				assertSpilled(t, tc.ds)
			}
		})
	}
}
