package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
)

// The relational inputs (issue 13: R1-R4) and the expression input (issue 14: E1), at
// scale 1. Every engine reads these same files.
const (
	lineitemRows  = 6_000_000 // R1, E1: TPC-H lineitem-like
	ordersRows    = 10_000_000
	customersRows = 1_000_000 // R2: orders x customers
	sortRows      = 10_000_000
	spillRows     = 16_000_000 // R4: 4 8-byte columns, 512 MiB in Arrow, 8x spillBudget
	spillGroups   = 4_000_000
	relFiles      = 16
	// spillBudget is R4's memory budget: Context.MemoryBudget for sluice, the memory limit
	// or object store size for the peers that have one.
	spillBudget = 64 << 20
	// customerKeys spreads the orders' o_custkey over 1.5x the customers, so a third of the
	// orders find no customer and the inner join drops them.
	customerKeys = customersRows * 3 / 2
)

// q1Cutoff is TPC-H's 1995-06-17: lines received before it are returned (R) or accepted
// (A), later ones not yet (N); lines shipped after it are open (O), earlier ones filled (F).
var q1Cutoff = days(1995, 6, 17)

func days(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// relSet is one generated input: rows split over relFiles files, each built by file.
type relSet struct {
	name string
	rows int
	file func(mem memory.Allocator, file, first, rows int) arrow.RecordBatch
}

func relSets(scale float64) []relSet {
	n := func(rows int) int { return max(int(float64(rows)*scale), relFiles) }
	sortN := n(sortRows)
	// R3's keys are a permutation, so the sorted order is unique and every engine's output
	// must be the same sequence, row for row.
	perm := rand.New(rand.NewPCG(3, 3)).Perm(sortN)
	return []relSet{
		{"lineitem", n(lineitemRows), genLineitem},
		{"orders", n(ordersRows), func(mem memory.Allocator, file, first, rows int) arrow.RecordBatch {
			return genOrders(mem, file, first, rows, int(float64(customerKeys)*scale))
		}},
		{"customers", n(customersRows), genCustomers},
		{"sort", sortN, func(mem memory.Allocator, file, first, rows int) arrow.RecordBatch {
			return genSort(mem, file, perm[first:first+rows])
		}},
		{"spill", n(spillRows), func(mem memory.Allocator, file, first, rows int) arrow.RecordBatch {
			return genSpill(mem, file, rows, max(int(float64(spillGroups)*scale), 1))
		}},
	}
}

// generateRelational writes the R1-R4 and E1 inputs under dir, one directory per set; a
// directory that already holds files is left alone.
func generateRelational(ctx context.Context, dir string, scale float64, mem memory.Allocator) error {
	for _, s := range relSets(scale) {
		out := filepath.Join(dir, s.name)
		if m, _ := filepath.Glob(filepath.Join(out, "*.parquet")); len(m) > 0 {
			continue
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return fmt.Errorf("sluice: workloads gen: %s: %w", out, err)
		}
		perFile := (s.rows + relFiles - 1) / relFiles
		var recs []arrow.RecordBatch
		for f := 0; f*perFile < s.rows; f++ {
			recs = append(recs, s.file(mem, f, f*perFile, min(perFile, s.rows-f*perFile)))
		}
		src := data.FromArrow(recs...)
		_, err := src.WithContext(&data.Context{Allocator: mem, NoProgress: true}).
			WriteParquet(ctx, out, data.MaxRowsPerFile(int64(perFile)))
		src.Release()
		for _, r := range recs {
			r.Release()
		}
		if err != nil {
			return fmt.Errorf("sluice: workloads gen: %s: %w", out, err)
		}
	}
	return nil
}

// cols assembles a record from builders, releasing them.
func cols(fields []arrow.Field, bs []array.Builder, rows int) arrow.RecordBatch {
	arrs := make([]arrow.Array, len(bs))
	for i, b := range bs {
		arrs[i] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(rows))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// genLineitem: TPC-H's lineitem columns that Q1 and Q6 read, with TPC-H's value ranges.
// Prices are multiples of 1/100 as in TPC-H's decimals (stored as float64).
func genLineitem(mem memory.Allocator, file, first, rows int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(11, uint64(file)))
	f64 := arrow.PrimitiveTypes.Float64
	fields := []arrow.Field{
		{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_quantity", Type: f64}, {Name: "l_extendedprice", Type: f64},
		{Name: "l_discount", Type: f64}, {Name: "l_tax", Type: f64},
		{Name: "l_returnflag", Type: arrow.BinaryTypes.String},
		{Name: "l_linestatus", Type: arrow.BinaryTypes.String},
		{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
	}
	orderkey := array.NewInt64Builder(mem)
	qty, price, disc, tax := array.NewFloat64Builder(mem), array.NewFloat64Builder(mem), array.NewFloat64Builder(mem), array.NewFloat64Builder(mem)
	flag, status := array.NewStringBuilder(mem), array.NewStringBuilder(mem)
	ship := array.NewDate32Builder(mem)
	lo, hi := days(1992, 1, 2), days(1998, 12, 1)
	for i := range rows {
		orderkey.Append(int64(first+i) / 4)
		q := float64(1 + rng.IntN(50))
		qty.Append(q)
		price.Append(q * float64(90_000+rng.IntN(110_001)) / 100)
		disc.Append(float64(rng.IntN(11)) / 100)
		tax.Append(float64(rng.IntN(9)) / 100)
		sd := lo + int32(rng.IntN(int(hi-lo)))
		ship.Append(arrow.Date32(sd))
		switch receipt := sd + 1 + int32(rng.IntN(30)); {
		case receipt > q1Cutoff:
			flag.Append("N")
		case rng.IntN(2) == 0:
			flag.Append("R")
		default:
			flag.Append("A")
		}
		if sd > q1Cutoff {
			status.Append("O")
		} else {
			status.Append("F")
		}
	}
	return cols(fields, []array.Builder{orderkey, qty, price, disc, tax, flag, status, ship}, rows)
}

// genOrders: o_orderkey (unique), o_custkey over keys customers (a third without a
// customer), o_totalprice a multiple of 1/1024.
func genOrders(mem memory.Allocator, file, first, rows, keys int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(12, uint64(file)))
	fields := []arrow.Field{
		{Name: "o_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "o_custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "o_totalprice", Type: arrow.PrimitiveTypes.Float64},
	}
	ok, ck, tp := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
	for i := range rows {
		ok.Append(int64(first + i))
		ck.Append(int64(rng.IntN(keys)))
		tp.Append(float64(rng.IntN(1<<28)) / 1024)
	}
	return cols(fields, []array.Builder{ok, ck, tp}, rows)
}

// genCustomers: c_custkey 0..n-1 (unique), c_nationkey 0-24, c_acctbal a multiple of 1/1024.
func genCustomers(mem memory.Allocator, file, first, rows int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(13, uint64(file)))
	fields := []arrow.Field{
		{Name: "c_custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c_nationkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c_acctbal", Type: arrow.PrimitiveTypes.Float64},
	}
	ck, nk, bal := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
	for i := range rows {
		ck.Append(int64(first + i))
		nk.Append(int64(rng.IntN(25)))
		bal.Append(float64(rng.IntN(1<<24)-1<<20) / 1024)
	}
	return cols(fields, []array.Builder{ck, nk, bal}, rows)
}

// genSort: key int64 unique (from perm, spread and signed), payload p int64 and v float64.
func genSort(mem memory.Allocator, file int, perm []int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(14, uint64(file)))
	fields := []arrow.Field{
		{Name: "key", Type: arrow.PrimitiveTypes.Int64},
		{Name: "p", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64},
	}
	k, p, v := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
	for _, x := range perm {
		k.Append(int64(x)*7919 - 1<<35)
		p.Append(int64(rng.IntN(1 << 20)))
		v.Append(float64(rng.IntN(1<<20)) / 1024)
	}
	return cols(fields, []array.Builder{k, p, v}, len(perm))
}

// genSpill: k int64 over groups keys, a int64, x and y float64 multiples of 1/1024.
func genSpill(mem memory.Allocator, file, rows, groups int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(15, uint64(file)))
	fields := []arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64},
	}
	k, a, x, y := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewFloat64Builder(mem), array.NewFloat64Builder(mem)
	for range rows {
		k.Append(int64(rng.IntN(groups)))
		a.Append(int64(rng.IntN(1000)))
		x.Append(float64(rng.IntN(1<<20)) / 1024)
		y.Append(float64(rng.IntN(1<<20)) / 1024)
	}
	return cols(fields, []array.Builder{k, a, x, y}, rows)
}
