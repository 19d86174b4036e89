package bench

import (
	"cmp"
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/internal/tpch"
)

// The relational benchmarks run a sluice plan and, in the same run on the same Arrow data, a
// plain single-goroutine Go loop doing the same work (a map-based aggregate, slices.SortFunc, a
// map-based join), and report both throughputs and their ratio ("x-loop": above 1, sluice is
// faster). Outputs are compared, so neither side can skip work. Run them one at a time with
// -benchtime 1x: each generates its input first (seconds), outside the timings. On a shared
// machine the wall-clock figures move with the load; "cpu-s" and "loop-cpu-s" (the process's
// CPU time over each side, garbage collection included) move less.

// relationalBlockRows is the rows per input batch (one read task each).
const relationalBlockRows = 128 << 10

// releaseRecs releases every batch.
func releaseRecs(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// freeMemory returns what the previous phase left to the OS, so that one phase's garbage does
// not count against the next one's peak.
func freeMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

// q1Plan is TPC-H Q1 over lineitem: a filter on the ship date, two derived columns, and eight
// aggregates by return flag and line status, sorted by the keys.
func q1Plan(lineitem *data.Dataset) *data.Dataset {
	cutoff := time.Date(1998, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -90)
	return lineitem.
		Where(data.Col("l_shipdate").Le(expr.Date(cutoff.Date()))).
		WithColumn("disc_price", data.Col("l_extendedprice").Mul(data.Lit(1.0).Sub(data.Col("l_discount")))).
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

// q1Group is one group of the loop baseline's Q1.
type q1Group struct {
	qty, base, disc, charge, discount float64
	n                                 int64
}

// q1Loop is Q1 as a plain Go loop over the Arrow columns with a map from the two keys.
func q1Loop(recs []arrow.RecordBatch) map[[2]string]*q1Group {
	cutoff := arrow.Date32FromTime(time.Date(1998, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -90))
	out := map[[2]string]*q1Group{}
	for _, r := range recs {
		qty := r.Column(3).(*array.Float64).Float64Values()
		price := r.Column(4).(*array.Float64).Float64Values()
		disc := r.Column(5).(*array.Float64).Float64Values()
		tax := r.Column(6).(*array.Float64).Float64Values()
		flag := r.Column(7).(*array.String)
		status := r.Column(8).(*array.String)
		ship := r.Column(9).(*array.Date32).Date32Values()
		for i := range qty {
			if ship[i] > cutoff {
				continue
			}
			k := [2]string{flag.Value(i), status.Value(i)}
			g := out[k]
			if g == nil {
				g = &q1Group{}
				out[k] = g
			}
			d := price[i] * (1 - disc[i])
			g.qty += qty[i]
			g.base += price[i]
			g.disc += d
			g.charge += d * (1 + tax[i])
			g.discount += disc[i]
			g.n++
		}
	}
	return out
}

// BenchmarkGroupByAggregate is TPC-H Q1 (two keys, eight aggregates) over about 6M
// lineitem-like rows in memory (internal/tpch, 1.5M orders), against q1Loop.
func BenchmarkGroupByAggregate(b *testing.B) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	cust, orders, lineitem := tpch.Tables(mem, 1500000, 1, relationalBlockRows)
	releaseRecs(cust)
	releaseRecs(orders)
	defer releaseRecs(lineitem)
	var rows int64
	for _, r := range lineitem {
		rows += r.NumRows()
	}
	src := data.FromArrow(lineitem...).WithContext(&data.Context{NoProgress: true, Allocator: benchAllocator()})
	defer src.Release()
	freeMemory()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cpu0, start := cpuTime(), time.Now()
		got, err := q1Plan(src).TakeAll(ctx, 0)
		secs, cpu := time.Since(start).Seconds(), cpuTime()-cpu0
		if err != nil {
			b.Fatal(err)
		}
		cpu0, start = cpuTime(), time.Now()
		want := q1Loop(lineitem)
		loop, loopCPU := time.Since(start).Seconds(), cpuTime()-cpu0
		if len(got) != len(want) {
			b.Fatalf("%d groups, the loop %d", len(got), len(want))
		}
		for _, r := range got {
			w := want[[2]string{r["l_returnflag"].(string), r["l_linestatus"].(string)}]
			if w == nil || r["count_order"].(int64) != w.n || !near(r["sum_charge"].(float64), w.charge) || !near(r["avg_disc"].(float64), w.discount/float64(w.n)) {
				b.Fatalf("group %v differs from the loop's %+v", r, w)
			}
		}
		b.ReportMetric(float64(rows)/secs, "rows/s")
		b.ReportMetric(float64(rows)/loop, "loop-rows/s")
		b.ReportMetric(loop/secs, "x-loop")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(loopCPU.Seconds(), "loop-cpu-s")
		b.ReportMetric(0, "ns/op")
	}
}

// near reports whether two sums of the same numbers in different orders agree.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

// mix is splitmix64's finalizer: the benchmarks' deterministic pseudo-random keys.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// keyPayload makes batches of rows (key int64 from keyOf(row), payload int64 = row).
func keyPayload(mem memory.Allocator, rows int, keyOf func(i int) int64) []arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "key", Type: arrow.PrimitiveTypes.Int64}, {Name: "payload", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var recs []arrow.RecordBatch
	for lo := 0; lo < rows; lo += relationalBlockRows {
		hi := min(rows, lo+relationalBlockRows)
		keys, payload := make([]int64, hi-lo), make([]int64, hi-lo)
		for i := range keys {
			keys[i], payload[i] = keyOf(lo+i), int64(lo+i)
		}
		k, p := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
		k.AppendValues(keys, nil)
		p.AppendValues(payload, nil)
		ka, pa := k.NewArray(), p.NewArray()
		recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{ka, pa}, int64(hi-lo)))
		ka.Release()
		pa.Release()
		k.Release()
		p.Release()
	}
	return recs
}

// pair is a row of the loop baselines.
type pair struct{ key, payload int64 }

// BenchmarkSort sorts 10M rows (random int64 key, int64 payload) by the key, against
// slices.SortFunc over the same rows as Go structs (the copy into them is timed too).
func BenchmarkSort(b *testing.B) {
	ctx := context.Background()
	const rows = 10_000_000
	recs := keyPayload(memory.NewGoAllocator(), rows, func(i int) int64 { return int64(mix(uint64(i))) })
	defer releaseRecs(recs)
	src := data.FromArrow(recs...).WithContext(&data.Context{NoProgress: true, Allocator: benchAllocator()})
	defer src.Release()
	freeMemory()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cpu0, start := cpuTime(), time.Now()
		n, sum, err := drainSorted(ctx, src.Sort([]string{"key"}))
		secs, cpu := time.Since(start).Seconds(), cpuTime()-cpu0
		if err != nil || n != rows {
			b.Fatalf("%d rows sorted, %v", n, err)
		}
		cpu0, start = cpuTime(), time.Now()
		all := make([]pair, 0, rows)
		for _, r := range recs {
			k, p := r.Column(0).(*array.Int64).Int64Values(), r.Column(1).(*array.Int64).Int64Values()
			for j := range k {
				all = append(all, pair{k[j], p[j]})
			}
		}
		slices.SortFunc(all, func(a, b pair) int { return cmp.Compare(a.key, b.key) })
		loop, loopCPU := time.Since(start).Seconds(), cpuTime()-cpu0
		var want int64
		for j, p := range all[:1000] {
			want += p.payload * int64(j)
		}
		if sum != want {
			b.Fatalf("the first 1000 rows differ from the loop's")
		}
		b.ReportMetric(rows/secs, "rows/s")
		b.ReportMetric(rows/loop, "loop-rows/s")
		b.ReportMetric(loop/secs, "x-loop")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(loopCPU.Seconds(), "loop-cpu-s")
		b.ReportMetric(0, "ns/op")
	}
}

// drainSorted iterates a dataset sorted by key, checking the order, and returns the row count
// and a checksum of the first 1000 rows' payloads by position.
func drainSorted(ctx context.Context, ds *data.Dataset) (int64, int64, error) {
	var n, sum int64
	last := int64(math.MinInt64)
	for batch, err := range ds.IterBatches(ctx) {
		if err != nil {
			return n, 0, err
		}
		keys, err := batch.Int64s("key")
		if err != nil {
			return n, 0, err
		}
		payload, err := batch.Int64s("payload")
		if err != nil {
			return n, 0, err
		}
		for j, k := range keys {
			if k < last {
				return n, 0, errOrder
			}
			last = k
			if n < 1000 {
				sum += payload[j] * n
			}
			n++
		}
	}
	return n, sum, nil
}

var errOrder = &orderError{}

type orderError struct{}

func (*orderError) Error() string { return "rows out of order" }

// BenchmarkJoin is an inner hash join of 10M left rows (key uniform over the right's keys,
// int64 payload) with 1M right rows (unique keys, int64 value): 10M output rows, against a Go
// map from key to right row probed by every left row, building the output columns.
func BenchmarkJoin(b *testing.B) {
	ctx := context.Background()
	const leftRows, rightRows = 10_000_000, 1_000_000
	mem := memory.NewGoAllocator()
	left := keyPayload(mem, leftRows, func(i int) int64 { return int64(mix(uint64(i)) % rightRows) })
	defer releaseRecs(left)
	// The right side's keys are a permutation of 0..rightRows-1 (a multiplicative one).
	right := keyPayload(mem, rightRows, func(i int) int64 { return int64((uint64(i) * 738_613) % rightRows) })
	defer releaseRecs(right)
	c := &data.Context{NoProgress: true, Allocator: benchAllocator()}
	l, r := data.FromArrow(left...).WithContext(c), data.FromArrow(right...).WithContext(c).RenameColumns(map[string]string{"payload": "value"})
	defer l.Release()
	defer r.Release()
	freeMemory()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cpu0, start := cpuTime(), time.Now()
		var n, sum int64
		for batch, err := range l.Join(r, []string{"key"}, data.Inner).IterBatches(ctx) {
			if err != nil {
				b.Fatal(err)
			}
			v, err := batch.Int64s("value")
			if err != nil {
				b.Fatal(err)
			}
			n += int64(len(v))
			for _, x := range v {
				sum += x
			}
		}
		secs, cpu := time.Since(start).Seconds(), cpuTime()-cpu0

		cpu0, start = cpuTime(), time.Now()
		build := make(map[int64]int32, rightRows)
		var rk, rv []int64
		for _, rec := range right {
			k, v := rec.Column(0).(*array.Int64).Int64Values(), rec.Column(1).(*array.Int64).Int64Values()
			for j := range k {
				build[k[j]] = int32(len(rk))
				rk, rv = append(rk, k[j]), append(rv, v[j])
			}
		}
		outKey, outPayload, outValue := make([]int64, 0, leftRows), make([]int64, 0, leftRows), make([]int64, 0, leftRows)
		for _, rec := range left {
			k, p := rec.Column(0).(*array.Int64).Int64Values(), rec.Column(1).(*array.Int64).Int64Values()
			for j := range k {
				if at, ok := build[k[j]]; ok {
					outKey, outPayload, outValue = append(outKey, k[j]), append(outPayload, p[j]), append(outValue, rv[at])
				}
			}
		}
		loop, loopCPU := time.Since(start).Seconds(), cpuTime()-cpu0
		var want int64
		for _, x := range outValue {
			want += x
		}
		if n != int64(len(outKey)) || sum != want {
			b.Fatalf("%d rows (sum %d), the loop %d (sum %d)", n, sum, len(outKey), want)
		}
		b.ReportMetric(leftRows/secs, "left-rows/s")
		b.ReportMetric(leftRows/loop, "loop-left-rows/s")
		b.ReportMetric(loop/secs, "x-loop")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(loopCPU.Seconds(), "loop-cpu-s")
		b.ReportMetric(0, "ns/op")
	}
}

// BenchmarkExchangeSpill sorts 512 MiB (32M rows of random int64 key and int64 payload,
// generated by a map over Range, so the input is never in memory at once) under a 64 MiB
// budget: the sort's exchange must spill. It reports rows/s, the process's peak resident
// memory against the goal (twice the budget + 64 MiB; base-MiB is the resident memory before
// the run, mostly the test binary's own pages), and the bytes spilled; then, in the
// same run, the loop baseline generates the same rows into a slice and sorts it in memory.
func BenchmarkExchangeSpill(b *testing.B) {
	ctx := context.Background()
	const budget = 64 << 20
	const rows = 32 << 20 // 512 MiB: 8x the budget
	gen := func(ctx context.Context, batch *data.Batch) (*data.Batch, error) {
		ids, err := batch.Int64s("id")
		if err != nil {
			return nil, err
		}
		keys := make([]int64, len(ids))
		for i, id := range ids {
			keys[i] = int64(mix(uint64(id)))
		}
		return batch.NewBatch("key", keys, "payload", ids)
	}
	c := &data.Context{MemoryBudget: budget, NoProgress: true, Allocator: benchAllocator(), SpillDir: b.TempDir()}
	ds := data.Range(rows).WithContext(c).MapBatches(gen, data.BatchSize(relationalBlockRows)).Sort([]string{"key"})
	freeMemory()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base := readRSS()
		rss := sampleRSS()
		cpu0, start := cpuTime(), time.Now()
		n, sum, err := drainSorted(ctx, ds)
		secs, cpu := time.Since(start).Seconds(), cpuTime()-cpu0
		peak := rss.Stop()
		if err != nil || n != rows {
			b.Fatalf("%d rows sorted, %v", n, err)
		}
		var spilled int64
		for _, o := range ds.Stats().Ops {
			spilled += o.SpilledBytes
		}
		if spilled == 0 {
			b.Fatalf("nothing spilled:\n%s", ds.Stats())
		}
		freeMemory()

		rss = sampleRSS()
		cpu0, start = cpuTime(), time.Now()
		all := make([]pair, rows)
		for j := range all {
			all[j] = pair{int64(mix(uint64(j))), int64(j)}
		}
		slices.SortFunc(all, func(a, b pair) int { return cmp.Compare(a.key, b.key) })
		loop, loopCPU := time.Since(start).Seconds(), cpuTime()-cpu0
		loopPeak := rss.Stop()
		var want int64
		for j, p := range all[:1000] {
			want += p.payload * int64(j)
		}
		if sum != want {
			b.Fatalf("the first 1000 rows differ from the loop's")
		}
		all = nil
		freeMemory()

		b.ReportMetric(rows/secs, "rows/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(2*budget+64<<20)/(1<<20), "goal-peak-MiB")
		b.ReportMetric(float64(base)/(1<<20), "base-MiB")
		b.ReportMetric(float64(spilled)/(1<<20), "spilled-MiB")
		b.ReportMetric(rows/loop, "loop-rows/s")
		b.ReportMetric(float64(loopPeak)/(1<<20), "loop-peak-MiB")
		b.ReportMetric(loop/secs, "x-loop")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(loopCPU.Seconds(), "loop-cpu-s")
		b.ReportMetric(0, "ns/op")
	}
}
