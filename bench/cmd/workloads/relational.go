package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/expr"
)

// The relational workloads of issue 13 (R1-R4) and the expression workload of issue 14 (E1).
// Each reads the generated Parquet files under -in (bench/data/tables), runs one query and
// consumes its output in order, folding it into checksums that bench/peers/relational.py
// computes the same way for Ray Data, Daft, Polars, DuckDB and pyarrow: the report compares
// them before it trusts a time. The clock runs from the consuming call to the last batch, the
// checksum loop included (the peers stop theirs when the result is in memory, before their
// checksums: the comparison favours them by that much).

// relBatchRows is the consuming batch size: blocks larger than it are sliced without a copy.
const relBatchRows = 1 << 16

// q1Columns are R1's output columns after the two keys, as every engine names them.
var q1Columns = []string{"sum_qty", "sum_base_price", "sum_disc_price", "sum_charge", "avg_qty", "avg_price", "avg_disc", "count_order"}

// relational runs one of r1-r4 and e1 over the inputs in dir.
func relational(ctx context.Context, name, dir string, dc *data.Context) (result, error) {
	if dir == "" {
		return result{}, fmt.Errorf("sluice: workloads %s: want -in (the directory of workloads gen)", name)
	}
	read := func(set string) *data.Dataset { return data.ReadParquet(filepath.Join(dir, set)).WithContext(dc) }
	var (
		ds   *data.Dataset
		fold func(b *data.Batch, sum *checksum) error
	)
	switch name {
	case "r1":
		ds, fold = q1(read("lineitem")), foldQ1
	case "r2":
		ds = read("orders").Join(read("customers"), []string{"o_custkey"}, data.Inner, data.RightOn("c_custkey"))
		fold = foldJoin
	case "r3":
		ds, fold = read("sort").Sort([]string{"key"}), foldSort
	case "r4":
		spill, err := os.MkdirTemp("", "sluice-r4-")
		if err != nil {
			return result{}, fmt.Errorf("sluice: workloads r4: %w", err)
		}
		defer os.RemoveAll(spill)
		c := *dc
		c.MemoryBudget, c.SpillDir = spillBudget, spill
		ds = data.ReadParquet(filepath.Join(dir, "spill")).WithContext(&c).GroupBy("k").Aggregate(
			data.Count().As("n"), data.Sum("a").As("sum_a"), data.Sum("x").As("sum_x"), data.Mean("y").As("mean_y"))
		fold = foldSpill
	case "e1":
		ds, fold = e1(read("lineitem")), foldE1
	default:
		return result{}, fmt.Errorf("sluice: workloads: unknown workload %q", name)
	}
	sum := newChecksum()
	start := time.Now()
	for b, err := range ds.IterBatches(ctx, data.BatchSize(relBatchRows)) {
		if err != nil {
			return result{}, err
		}
		if err := fold(b, sum); err != nil {
			return result{}, fmt.Errorf("sluice: workloads %s: %w", name, err)
		}
	}
	secs := time.Since(start).Seconds()
	return result{Rows: sum.rows, Checksum: sum.values(), Seconds: secs}, nil
}

// q1 is TPC-H Q1: lines shipped by 1998-09-02, grouped by return flag and line status, with
// eight aggregates, ordered by the keys.
func q1(lineitem *data.Dataset) *data.Dataset {
	col := data.Col
	return lineitem.
		Where(col("l_shipdate").Le(expr.Date(1998, 9, 2))).
		WithColumn("disc_price", col("l_extendedprice").Mul(data.Lit(1.0).Sub(col("l_discount")))).
		WithColumn("charge", col("disc_price").Mul(data.Lit(1.0).Add(col("l_tax")))).
		GroupBy("l_returnflag", "l_linestatus").Aggregate(
		data.Sum("l_quantity").As("sum_qty"),
		data.Sum("l_extendedprice").As("sum_base_price"),
		data.Sum("disc_price").As("sum_disc_price"),
		data.Sum("charge").As("sum_charge"),
		data.Mean("l_quantity").As("avg_qty"),
		data.Mean("l_extendedprice").As("avg_price"),
		data.Mean("l_discount").As("avg_disc"),
		data.Count().As("count_order")).
		Sort([]string{"l_returnflag", "l_linestatus"})
}

// e1 is a filter, a derived column and a selection (TPC-H Q6's predicate: shipped in 1994,
// discount 0.05-0.07, quantity under 24).
func e1(lineitem *data.Dataset) *data.Dataset {
	col := data.Col
	return lineitem.
		Where(col("l_shipdate").Ge(expr.Date(1994, 1, 1)).
			And(col("l_shipdate").Lt(expr.Date(1995, 1, 1)),
				col("l_discount").Between(0.05, 0.07),
				col("l_quantity").Lt(24.0))).
		WithColumn("revenue", col("l_extendedprice").Mul(col("l_discount"))).
		Select(col("l_orderkey"), col("l_quantity"), col("revenue"))
}

// checksum accumulates a workload's output: the row count, named sums (integers exactly),
// and for R3 the order of the rows.
type checksum struct {
	rows   int64
	ints   map[string]int64
	floats map[string]float64
	// R3: position-weighted payload sum (wrapping) and the number of descending steps.
	order    uint64
	descents int64
	lastKey  int64
}

func newChecksum() *checksum {
	return &checksum{ints: map[string]int64{}, floats: map[string]float64{}}
}

// values is the checksum map of the result line; the order sum keeps its low 52 bits so
// that it is exact in a float64.
func (c *checksum) values() map[string]float64 {
	out := map[string]float64{}
	for k, v := range c.ints {
		out[k] = float64(v)
	}
	for k, v := range c.floats {
		out[k] = v
	}
	if _, ok := c.ints["key"]; ok {
		out["order"] = float64(c.order & (1<<52 - 1))
		out["descents"] = float64(c.descents)
	}
	return out
}

func (c *checksum) sumInts(b *data.Batch, names ...string) error {
	for _, n := range names {
		col, err := b.Column(n)
		if err != nil {
			return err
		}
		var s int64
		switch a := col.(type) {
		case *array.Int64:
			for _, v := range a.Int64Values() {
				s += v
			}
		case *array.Uint64:
			for _, v := range a.Uint64Values() {
				s += int64(v)
			}
		default:
			return fmt.Errorf("column %s: %s, want an integer", n, col.DataType())
		}
		c.ints[n] += s
	}
	return nil
}

func (c *checksum) sumFloats(b *data.Batch, names ...string) error {
	for _, n := range names {
		xs, err := b.Float64s(n)
		if err != nil {
			return err
		}
		var s float64
		for _, v := range xs {
			s += v
		}
		c.floats[n] += s
	}
	return nil
}

// foldQ1 records every cell of Q1's few output rows as "flag|status|column".
func foldQ1(b *data.Batch, c *checksum) error {
	flags, err := b.Strings("l_returnflag")
	if err != nil {
		return err
	}
	status, err := b.Strings("l_linestatus")
	if err != nil {
		return err
	}
	for _, name := range q1Columns {
		col, err := b.Column(name)
		if err != nil {
			return err
		}
		for i := range b.NumRows() {
			var v float64
			switch a := col.(type) {
			case *array.Float64:
				v = a.Value(i)
			case *array.Int64:
				v = float64(a.Value(i))
			default:
				return fmt.Errorf("column %s: %s", name, col.DataType())
			}
			c.floats[flags[i]+"|"+status[i]+"|"+name] = v
		}
	}
	c.rows += int64(b.NumRows())
	return nil
}

// foldJoin: the sums of both sides' columns, and pair, which only matches when every order
// met its own customer: the sum of (o_orderkey mod 1000) * c_nationkey.
func foldJoin(b *data.Batch, c *checksum) error {
	if err := c.sumInts(b, "o_orderkey", "o_custkey", "c_nationkey"); err != nil {
		return err
	}
	if err := c.sumFloats(b, "o_totalprice", "c_acctbal"); err != nil {
		return err
	}
	ok, err := b.Int64s("o_orderkey")
	if err != nil {
		return err
	}
	nk, err := b.Int64s("c_nationkey")
	if err != nil {
		return err
	}
	var pair int64
	for i, k := range ok {
		pair += k % 1000 * nk[i]
	}
	c.ints["pair"] += pair
	c.rows += int64(b.NumRows())
	return nil
}

// foldSort: the sums, and the order: the sum of position * p over the output sequence and
// the number of steps where the key goes down (0 when sorted).
func foldSort(b *data.Batch, c *checksum) error {
	if err := c.sumInts(b, "key", "p"); err != nil {
		return err
	}
	if err := c.sumFloats(b, "v"); err != nil {
		return err
	}
	keys, err := b.Int64s("key")
	if err != nil {
		return err
	}
	ps, err := b.Int64s("p")
	if err != nil {
		return err
	}
	for i, k := range keys {
		pos := uint64(c.rows) + uint64(i)
		c.order += pos * uint64(ps[i])
		if pos > 0 && k < c.lastKey {
			c.descents++
		}
		c.lastKey = k
	}
	c.rows += int64(b.NumRows())
	return nil
}

// foldSpill: the sums of R4's aggregates and pair, the sum of (k mod 1000) * n.
func foldSpill(b *data.Batch, c *checksum) error {
	if err := c.sumInts(b, "k", "n", "sum_a"); err != nil {
		return err
	}
	if err := c.sumFloats(b, "sum_x", "mean_y"); err != nil {
		return err
	}
	ks, err := b.Int64s("k")
	if err != nil {
		return err
	}
	col, err := b.Column("n")
	if err != nil {
		return err
	}
	ns, ok := col.(*array.Int64)
	if !ok {
		return fmt.Errorf("column n: %s, want int64", col.DataType())
	}
	var pair int64
	for i, k := range ks {
		pair += k % 1000 * ns.Value(i)
	}
	c.ints["pair"] += pair
	c.rows += int64(b.NumRows())
	return nil
}

func foldE1(b *data.Batch, c *checksum) error {
	if err := c.sumInts(b, "l_orderkey"); err != nil {
		return err
	}
	if err := c.sumFloats(b, "l_quantity", "revenue"); err != nil {
		return err
	}
	c.rows += int64(b.NumRows())
	return nil
}
