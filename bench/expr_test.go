package bench

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/data/expr"
)

// exprRows is the length of the columns BenchmarkExprEval evaluates over: 4 columns x 8
// bytes x 4Mi rows = 128 MiB of input.
const exprRows = 4 << 20

type exprInput struct {
	rec        arrow.RecordBatch
	a, b, c    []float64
	d          []int64
	inputBytes int64
}

func makeExprInput() *exprInput {
	r := rand.New(rand.NewPCG(3, 4))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.PrimitiveTypes.Float64},
		{Name: "c", Type: arrow.PrimitiveTypes.Float64},
		{Name: "d", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	in := &exprInput{a: make([]float64, exprRows), b: make([]float64, exprRows), c: make([]float64, exprRows), d: make([]int64, exprRows)}
	for i := range exprRows {
		in.a[i], in.b[i], in.c[i], in.d[i] = r.Float64()*10, r.Float64()*2, r.NormFloat64()*5, r.Int64N(10)
	}
	mem := memory.NewGoAllocator()
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.Float64Builder).AppendValues(in.a, nil)
	bld.Field(1).(*array.Float64Builder).AppendValues(in.b, nil)
	bld.Field(2).(*array.Float64Builder).AppendValues(in.c, nil)
	bld.Field(3).(*array.Int64Builder).AppendValues(in.d, nil)
	in.rec = bld.NewRecordBatch()
	in.inputBytes = exprRows * 4 * 8
	return in
}

// BenchmarkExprEval evaluates (a*b + c) > 10 and d != 3 over float64 a, b, c and int64 d
// (4Mi rows, no nulls) with data/expr (Arrow kernels, one array per operation), next to
// the hand-written Go loop that computes the same mask (a bitmap, as Arrow's) in one pass
// over the same slices, in the same run. It reports GB/s of input columns for both
// (GB/s, loop_GB/s) and x_loop, the expression's time over the loop's. "batch=64Ki"
// evaluates the same rows in blocks of 65,536, the size a streaming pipeline hands an
// operator.
//
//	go test ./bench -run '^$' -bench BenchmarkExprEval -benchtime 10x
func BenchmarkExprEval(b *testing.B) {
	in := makeExprInput()
	defer in.rec.Release()
	e := expr.Col("a").Mul(expr.Col("b")).Add(expr.Col("c")).Gt(10).And(expr.Col("d").Ne(3))
	bound, err := expr.BindPredicate(e, in.rec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	mem := memory.NewGoAllocator()

	// The loop's mask must equal the expression's, or the comparison means nothing.
	mask, err := bound.Eval(ctx, mem, in.rec)
	if err != nil {
		b.Fatal(err)
	}
	want := loopMask(in, 0, exprRows, nil)
	for i := range exprRows {
		if mask.(*array.Boolean).Value(i) != bitutil.BitIsSet(want, i) {
			b.Fatalf("row %d: the expression and the loop disagree", i)
		}
	}
	mask.Release()

	// Each iteration times the loop and the expression back to back, so both see the same
	// machine (this one is shared and drifts); x_loop is the median of the per-iteration
	// ratios.
	for _, batch := range []int{exprRows, 1 << 16} {
		name := "rows=4Mi"
		if batch != exprRows {
			name = "batch=64Ki"
		}
		b.Run(name, func(b *testing.B) {
			recs := sliceRecord(in.rec, batch)
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			out := make([]byte, bitutil.BytesForBits(int64(batch)))
			var loopTotal, exprTotal time.Duration
			var ratios []float64
			for b.Loop() {
				t0 := time.Now()
				for lo := 0; lo < exprRows; lo += batch {
					clear(out)
					out = loopMask(in, lo, lo+batch, out)
				}
				t1 := time.Now()
				for _, r := range recs {
					m, err := bound.Eval(ctx, mem, r)
					if err != nil {
						b.Fatal(err)
					}
					m.Release()
				}
				t2 := time.Now()
				loopTotal += t1.Sub(t0)
				exprTotal += t2.Sub(t1)
				ratios = append(ratios, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
			}
			n := float64(b.N)
			b.ReportMetric(float64(in.inputBytes)*n/exprTotal.Seconds()/1e9, "GB/s")
			b.ReportMetric(float64(in.inputBytes)*n/loopTotal.Seconds()/1e9, "loop_GB/s")
			b.ReportMetric(exprTotal.Seconds()*1e9/n/exprRows, "ns/row")
			b.ReportMetric(loopTotal.Seconds()*1e9/n/exprRows, "loop_ns/row")
			sort.Float64s(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "x_loop")
		})
	}
}

// loopMask is the hand-written (a*b + c) > 10 && d != 3 over rows [lo, hi), as a bitmap.
func loopMask(in *exprInput, lo, hi int, out []byte) []byte {
	if out == nil {
		out = make([]byte, bitutil.BytesForBits(int64(hi-lo)))
	}
	a, b, c, d := in.a[lo:hi], in.b[lo:hi], in.c[lo:hi], in.d[lo:hi]
	for i := range a {
		if float64(a[i]*b[i])+c[i] > 10 && d[i] != 3 {
			out[i>>3] |= 1 << (i & 7)
		}
	}
	return out
}

// sliceRecord cuts rec into zero-copy slices of n rows.
func sliceRecord(rec arrow.RecordBatch, n int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for lo := int64(0); lo < rec.NumRows(); lo += int64(n) {
		out = append(out, rec.NewSlice(lo, min(lo+int64(n), rec.NumRows())))
	}
	return out
}
