// Analytics: a TPC-H Q1-like aggregate over lineitem and an orders-customers join, on the
// bundled TPC-H-like tables in testdata/tpch (made by `go run ./internal/tpch/gentpch`).
//
//	go run ./examples/analytics
//
// Q1, the pricing summary report:
//
//	SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice),
//	       sum(l_extendedprice*(1-l_discount)), sum(l_extendedprice*(1-l_discount)*(1+l_tax)),
//	       avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*)
//	FROM lineitem WHERE l_shipdate <= date '1998-12-01' - interval '90' day
//	GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus
//
// Revenue per market segment, and the ten customers with the most revenue:
//
//	SELECT c_mktsegment, count(*), sum(o_totalprice), avg(o_totalprice)
//	FROM orders JOIN customer ON o_custkey = c_custkey
//	GROUP BY c_mktsegment ORDER BY sum(o_totalprice) DESC
//
//	SELECT c_custkey, c_name, count(*), sum(o_totalprice) FROM orders JOIN customer ON ...
//	GROUP BY c_custkey, c_name ORDER BY sum(o_totalprice) DESC, c_custkey LIMIT 10
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/expr"
)

func main() {
	dir := flag.String("data", filepath.Join(repoRoot(), "testdata", "tpch"), "directory holding lineitem.parquet, orders.parquet and customer.parquet")
	flag.Parse()
	check(run(context.Background(), os.Stdout, nil, *dir))
}

// Q1Cutoff is Q1's ship date bound: 1998-12-01 minus 90 days.
var Q1Cutoff = time.Date(1998, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -90)

// q1 is the pricing summary report over lineitem.
func q1(lineitem *data.Dataset) *data.Dataset {
	discPrice := data.Col("l_extendedprice").Mul(data.Lit(1.0).Sub(data.Col("l_discount")))
	return lineitem.
		Where(data.Col("l_shipdate").Le(expr.Date(Q1Cutoff.Date()))).
		WithColumn("disc_price", discPrice).
		WithColumn("charge", data.Col("disc_price").Mul(data.Lit(1.0).Add(data.Col("l_tax")))).
		GroupBy("l_returnflag", "l_linestatus").
		Aggregate(
			data.Sum("l_quantity").As("sum_qty"),
			data.Sum("l_extendedprice").As("sum_base_price"),
			data.Sum("disc_price").As("sum_disc_price"),
			data.Sum("charge").As("sum_charge"),
			data.Mean("l_quantity").As("avg_qty"),
			data.Mean("l_extendedprice").As("avg_price"),
			data.Mean("l_discount").As("avg_disc"),
			data.Count().As("count_order"),
		).
		Sort([]string{"l_returnflag", "l_linestatus"})
}

// ordersCustomers joins each order to its customer.
func ordersCustomers(orders, customer *data.Dataset) *data.Dataset {
	return orders.Join(customer, []string{"o_custkey"}, data.Inner, data.RightOn("c_custkey"))
}

// segments is the revenue per market segment, most first.
func segments(joined *data.Dataset) *data.Dataset {
	return joined.GroupBy("c_mktsegment").
		Aggregate(data.Count().As("orders"), data.Sum("o_totalprice").As("revenue"), data.Mean("o_totalprice").As("avg_order")).
		Sort([]string{"revenue"}, data.Descending())
}

// topCustomers is the ten customers with the most revenue (ties by key).
func topCustomers(joined *data.Dataset) *data.Dataset {
	return joined.GroupBy("o_custkey", "c_name").
		Aggregate(data.Count().As("orders"), data.Sum("o_totalprice").As("revenue")).
		Sort([]string{"revenue", "o_custkey"}, data.Descending(true, false)).
		Limit(10)
}

// run is the example; c is the engine context (nil: the default one).
func run(ctx context.Context, w io.Writer, c *data.Context, dir string) error {
	read := func(name string) *data.Dataset {
		ds := data.ReadParquet(filepath.Join(dir, name+".parquet"))
		if c != nil {
			ds = ds.WithContext(c)
		}
		return ds
	}
	lineitem, orders, customer := read("lineitem"), read("orders"), read("customer")

	report := q1(lineitem)
	fmt.Fprintf(w, "Q1 pricing summary (l_shipdate <= %s)\n", Q1Cutoff.Format(time.DateOnly))
	if err := printTable(ctx, w, report, map[string]string{"avg_disc": "%.4f"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", report.Explain())

	joined := ordersCustomers(orders, customer)
	fmt.Fprintln(w, "Revenue per market segment (orders JOIN customer)")
	if err := printTable(ctx, w, segments(joined), nil); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nTop 10 customers by revenue")
	return printTable(ctx, w, topCustomers(joined), nil)
}

// printTable prints every row of ds as an aligned table (strings left, numbers right): floats
// with two decimals unless formats names another verb for the column.
func printTable(ctx context.Context, w io.Writer, ds *data.Dataset, formats map[string]string) error {
	names, err := ds.Columns(ctx)
	if err != nil {
		return err
	}
	rows, err := ds.TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	cells := [][]string{names}
	text := make([]bool, len(names)) // columns of strings, aligned left
	for _, r := range rows {
		var line []string
		for i, n := range names {
			switch v := r[n].(type) {
			case float64:
				f, ok := formats[n]
				if !ok {
					f = "%.2f"
				}
				line = append(line, fmt.Sprintf(f, v))
			case nil:
				line = append(line, "null")
			case string:
				text[i] = true
				line = append(line, v)
			default:
				line = append(line, fmt.Sprint(v))
			}
		}
		cells = append(cells, line)
	}
	widths := make([]int, len(names))
	for _, line := range cells {
		for i, s := range line {
			widths[i] = max(widths[i], len(s))
		}
	}
	for _, line := range cells {
		var b strings.Builder
		for i, s := range line {
			if i > 0 {
				b.WriteString("  ")
			}
			if text[i] {
				fmt.Fprintf(&b, "%-*s", widths[i], s)
			} else {
				fmt.Fprintf(&b, "%*s", widths[i], s)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	return nil
}

// repoRoot finds the repository from this file's location, so the example runs from any
// directory with `go run`.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
