package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/internal/tpch"
	"go.uber.org/goleak"
)

const bundled = "../../testdata/tpch"

// The three result tables the example prints, by their title line.
const (
	q1Title       = "Q1 pricing summary"
	segmentsTitle = "Revenue per market segment"
	topTitle      = "Top 10 customers by revenue"
)

// runExample runs the example on the bundled data with a checked allocator and returns what it
// printed.
func runExample(t *testing.T) string {
	t.Helper()
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out bytes.Buffer
	c := &data.Context{Allocator: mem, SpillDir: t.TempDir(), NoProgress: true}
	if err := run(context.Background(), &out, c, bundled); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestAnalytics checks every printed figure against the same queries computed by plain Go
// loops over the bundled files, read with pqarrow rather than sluice's reader.
func TestAnalytics(t *testing.T) {
	out := runExample(t)
	li, orders, cust := readBundled(t)

	// Q1: a map from the two keys to the sums, in float64 like the example.
	type q1Acc struct{ qty, base, disc, charge, discount float64 }
	groups := map[[2]string]*q1Acc{}
	counts := map[[2]string]int64{}
	cutoff := arrow.Date32FromTime(Q1Cutoff)
	for _, l := range li {
		if l.ShipDate > cutoff {
			continue
		}
		k := [2]string{l.ReturnFlag, l.LineStatus}
		a := groups[k]
		if a == nil {
			a = &q1Acc{}
			groups[k] = a
		}
		d := l.ExtendedPrice * (1 - l.Discount)
		a.qty += l.Quantity
		a.base += l.ExtendedPrice
		a.disc += d
		a.charge += d * (1 + l.Tax)
		a.discount += l.Discount
		counts[k]++
	}
	keys := make([][2]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+a[1], b[0]+b[1]) })
	var want [][]any
	for _, k := range keys {
		a, n := groups[k], float64(counts[k])
		want = append(want, []any{k[0], k[1], a.qty, a.base, a.disc, a.charge, a.qty / n, a.base / n, a.discount / n, counts[k]})
	}
	checkTable(t, out, q1Title, []string{"l_returnflag", "l_linestatus", "sum_qty", "sum_base_price", "sum_disc_price", "sum_charge", "avg_qty", "avg_price", "avg_disc", "count_order"}, want)

	// The join: a map from customer key to customer, then one pass over the orders.
	byKey := map[int64]tpch.Customer{}
	for _, c := range cust {
		byKey[c.CustKey] = c
	}
	type seg struct {
		n   int64
		sum float64
	}
	segs := map[string]*seg{}
	type top struct {
		key  int64
		name string
		n    int64
		sum  float64
	}
	tops := map[int64]*top{}
	for _, o := range orders {
		c, ok := byKey[o.CustKey]
		if !ok {
			continue
		}
		s := segs[c.MktSegment]
		if s == nil {
			s = &seg{}
			segs[c.MktSegment] = s
		}
		s.n++
		s.sum += o.TotalPrice
		p := tops[c.CustKey]
		if p == nil {
			p = &top{key: c.CustKey, name: c.Name}
			tops[c.CustKey] = p
		}
		p.n++
		p.sum += o.TotalPrice
	}
	want = nil
	for name, s := range segs {
		want = append(want, []any{name, s.n, s.sum, s.sum / float64(s.n)})
	}
	slices.SortFunc(want, func(a, b []any) int { return -cmpFloat(a[2].(float64), b[2].(float64)) })
	checkTable(t, out, segmentsTitle, []string{"c_mktsegment", "orders", "revenue", "avg_order"}, want)

	var ranked []*top
	for _, p := range tops {
		ranked = append(ranked, p)
	}
	slices.SortFunc(ranked, func(a, b *top) int {
		if c := -cmpFloat(a.sum, b.sum); c != 0 {
			return c
		}
		return int(a.key - b.key)
	})
	want = nil
	for _, p := range ranked[:10] {
		want = append(want, []any{p.key, p.name, p.n, p.sum})
	}
	checkTable(t, out, topTitle, []string{"o_custkey", "c_name", "orders", "revenue"}, want)

	if !strings.Contains(out, "partition=hash(l_returnflag,l_linestatus)") {
		t.Errorf("the plan lacks Q1's hash exchange:\n%s", out)
	}
}

// TestAnalyticsDuckDB checks the printed tables against DuckDB running the same SQL on the same
// files (skipped when python3 lacks duckdb).
func TestAnalyticsDuckDB(t *testing.T) {
	py := pythonWith(t, "duckdb")
	if py == "" {
		t.Skip("duckdb absent: run scripts/install-python-deps.sh")
	}
	out := runExample(t)
	script := `
import duckdb, json, sys
d = sys.argv[1]
con = duckdb.connect()
for t in ("lineitem", "orders", "customer"):
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{d}/{t}.parquet')")
queries = [
    """SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice),
              sum(l_extendedprice*(1-l_discount)), sum(l_extendedprice*(1-l_discount)*(1+l_tax)),
              avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*)
       FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
       GROUP BY 1, 2 ORDER BY 1, 2""",
    """SELECT c_mktsegment, count(*), sum(o_totalprice), avg(o_totalprice)
       FROM orders JOIN customer ON o_custkey = c_custkey GROUP BY 1 ORDER BY 3 DESC""",
    """SELECT c_custkey, c_name, count(*), sum(o_totalprice)
       FROM orders JOIN customer ON o_custkey = c_custkey GROUP BY 1, 2 ORDER BY 4 DESC, 1 LIMIT 10""",
]
print(json.dumps([con.execute(q).fetchall() for q in queries]))
`
	cmd := exec.Command(py, "-c", script, bundled)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v\n%s", err, stderr.String())
	}
	var tables [][][]any
	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	if err := dec.Decode(&tables); err != nil {
		t.Fatalf("duckdb output %s: %v", res, err)
	}
	for i, title := range []string{q1Title, segmentsTitle, topTitle} {
		checkTable(t, out, title, nil, tables[i])
	}
}

// TestBundledData checks that testdata/tpch holds what the committed generator makes
// (go run ./internal/tpch/gentpch -out testdata/tpch -orders 1500 -seed 1).
func TestBundledData(t *testing.T) {
	li, orders, cust := readBundled(t)
	var gl []tpch.Lineitem
	var gor []tpch.Order
	var gc []tpch.Customer
	tpch.Generate(1500, 1, func(c tpch.Customer) { gc = append(gc, c) }, func(o tpch.Order) { gor = append(gor, o) }, func(l tpch.Lineitem) { gl = append(gl, l) })
	if !slices.Equal(li, gl) || !slices.Equal(orders, gor) || !slices.Equal(cust, gc) {
		t.Fatalf("testdata/tpch differs from the generator's output (%d/%d line items, %d/%d orders, %d/%d customers): regenerate it", len(li), len(gl), len(orders), len(gor), len(cust), len(gc))
	}
}

// checkTable finds the table printed under title and compares it with want, row by row: strings
// and integers exactly, floats to the printed precision (half a unit of the last printed digit,
// plus a relative 1e-9 for summation order). header, if not nil, is the expected header.
func checkTable(t *testing.T, out, title string, header []string, want [][]any) {
	t.Helper()
	got := printedTable(out, title)
	if got == nil {
		t.Fatalf("no table %q in:\n%s", title, out)
	}
	if header != nil && !slices.Equal(got[0], header) {
		t.Errorf("%s: header %v, want %v", title, got[0], header)
	}
	rows := got[1:]
	if len(rows) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n%v\nwant %v", title, len(rows), len(want), rows, want)
	}
	for i, w := range want {
		if len(rows[i]) != len(w) {
			t.Fatalf("%s: row %d is %v, want %v", title, i, rows[i], w)
		}
		for j, v := range w {
			if err := sameValue(rows[i][j], v); err != nil {
				t.Errorf("%s: row %d column %s: %v (row %v, want %v)", title, i, got[0][j], err, rows[i], w)
			}
		}
	}
}

// printedTable is the table under the line starting with title: its header and rows, each
// split into fields (no printed value has a space), up to the next blank line.
func printedTable(out, title string) [][]string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, title) {
			continue
		}
		var table [][]string
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) == "" {
				break
			}
			table = append(table, strings.Fields(l))
		}
		return table
	}
	return nil
}

func sameValue(printed string, want any) error {
	switch w := want.(type) {
	case string:
		if printed != w {
			return fmt.Errorf("%q, want %q", printed, w)
		}
		return nil
	case int64:
		if printed != strconv.FormatInt(w, 10) {
			return fmt.Errorf("%s, want %d", printed, w)
		}
		return nil
	case json.Number:
		if _, err := w.Int64(); err == nil {
			return sameValue(printed, string(w))
		}
		f, err := w.Float64()
		if err != nil {
			return err
		}
		return sameValue(printed, f)
	case float64:
		got, err := strconv.ParseFloat(printed, 64)
		if err != nil {
			return err
		}
		decimals := 0
		if dot := strings.IndexByte(printed, '.'); dot >= 0 {
			decimals = len(printed) - dot - 1
		}
		if tol := 0.5*math.Pow(10, -float64(decimals)) + 1e-9*math.Abs(w); math.Abs(got-w) > tol {
			return fmt.Errorf("%s, want %v (off by %g, more than %g)", printed, w, got-w, tol)
		}
		return nil
	}
	return fmt.Errorf("unexpected expected value %v (%T)", want, want)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// readBundled reads the three bundled tables with pqarrow (not sluice's reader).
func readBundled(t *testing.T) ([]tpch.Lineitem, []tpch.Order, []tpch.Customer) {
	t.Helper()
	var li []tpch.Lineitem
	forRows(t, "lineitem", func(c []arrow.Array, i int) {
		li = append(li, tpch.Lineitem{
			OrderKey: i64(c[0], i), PartKey: i64(c[1], i), LineNumber: c[2].(*array.Int32).Value(i),
			Quantity: f64(c[3], i), ExtendedPrice: f64(c[4], i), Discount: f64(c[5], i), Tax: f64(c[6], i),
			ReturnFlag: str(c[7], i), LineStatus: str(c[8], i), ShipDate: c[9].(*array.Date32).Value(i),
		})
	})
	var orders []tpch.Order
	forRows(t, "orders", func(c []arrow.Array, i int) {
		orders = append(orders, tpch.Order{OrderKey: i64(c[0], i), CustKey: i64(c[1], i), OrderStatus: str(c[2], i),
			TotalPrice: f64(c[3], i), OrderDate: c[4].(*array.Date32).Value(i), OrderPriority: str(c[5], i)})
	})
	var cust []tpch.Customer
	forRows(t, "customer", func(c []arrow.Array, i int) {
		cust = append(cust, tpch.Customer{CustKey: i64(c[0], i), Name: str(c[1], i), NationKey: c[2].(*array.Int32).Value(i),
			AcctBal: f64(c[3], i), MktSegment: str(c[4], i)})
	})
	return li, orders, cust
}

func forRows(t *testing.T, table string, row func(cols []arrow.Array, i int)) {
	t.Helper()
	f, err := file.OpenParquetFile(filepath.Join(bundled, table+".parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := r.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 1<<20)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row(rec.Columns(), i)
		}
	}
}

func i64(a arrow.Array, i int) int64   { return a.(*array.Int64).Value(i) }
func f64(a arrow.Array, i int) float64 { return a.(*array.Float64).Value(i) }
func str(a arrow.Array, i int) string  { return a.(*array.String).Value(i) }

// pythonWith returns a python3 that has the modules, or "" after logging why not
// (scripts/install-python-deps.sh installs them; CI runs it).
func pythonWith(t *testing.T, modules ...string) string {
	py, err := exec.LookPath("python3")
	if err != nil || os.Getenv("SLUICE_NO_PYTHON") != "" {
		t.Log("interop check skipped: no python3 (run scripts/install-python-deps.sh)")
		return ""
	}
	if out, err := exec.Command(py, "-c", "import "+strings.Join(modules, ", ")).CombinedOutput(); err != nil {
		t.Logf("interop check skipped: python3 lacks %v: %s", modules, out)
		return ""
	}
	return py
}
