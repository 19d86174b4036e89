package expr

import (
	"context"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Benchmarks of the hand-written kernels, each next to the plain Go loop that computes the
// same values from Go slices (no Arrow buffers, no validity) in the same run (see
// benchPair).
//
//	go test ./data/expr -run '^$' -bench 'Kernel' -benchtime 20x

const benchRows = 1 << 20

type benchData struct {
	rec     arrow.RecordBatch
	i64     []int64
	b64     []int64
	i32     []int32
	f64     []float64
	strs    []string
	micros  []int64
	lists   [][]int64
	nullIdx []bool
}

var benchOnce *benchData

func benchInput() *benchData {
	if benchOnce != nil {
		return benchOnce
	}
	r := rand.New(rand.NewPCG(1, 2))
	d := &benchData{}
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "an", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, // a with 10% nulls
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	words := []string{"alpha", "Beta", "gamma,delta", "EPSILON", "zeta eta", "theta", "iota,kappa,lambda", "mu"}
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := range benchRows {
		a, b := r.Int64N(1<<30)-1<<29, r.Int64N(1<<20)+1
		d.i64, d.b64 = append(d.i64, a), append(d.b64, b)
		bld.Field(0).(*array.Int64Builder).Append(a)
		bld.Field(1).(*array.Int64Builder).Append(b)
		v32 := int32(r.Int64N(1 << 20))
		d.i32 = append(d.i32, v32)
		bld.Field(2).(*array.Int32Builder).Append(v32)
		f := r.NormFloat64() * 100
		d.f64 = append(d.f64, f)
		bld.Field(3).(*array.Float64Builder).Append(f)
		s := words[r.IntN(len(words))] + words[r.IntN(len(words))]
		d.strs = append(d.strs, s)
		bld.Field(4).(*array.StringBuilder).Append(s)
		us := base + r.Int64N(10*365*86400*1e6)
		d.micros = append(d.micros, us)
		bld.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(us))
		lb := bld.Field(6).(*array.ListBuilder)
		lb.Append(true)
		var l []int64
		for range i % 4 {
			lb.ValueBuilder().(*array.Int64Builder).Append(1)
			l = append(l, 1)
		}
		d.lists = append(d.lists, l)
		null := r.IntN(10) == 0
		d.nullIdx = append(d.nullIdx, null)
		if null {
			bld.Field(7).AppendNull()
		} else {
			bld.Field(7).(*array.Int64Builder).Append(a)
		}
	}
	d.rec = bld.NewRecordBatch()
	benchOnce = d
	return d
}

// benchPair times the plain loop and the kernel (Eval of e) back to back in every
// iteration, so both see the same machine (a shared one drifts), and reports ns/row of
// each and x_loop, the median of the per-iteration ratios kernel/loop.
func benchPair(b *testing.B, e Expr, loop func()) {
	d := benchInput()
	bd, err := Bind(e, d.rec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	var loopTotal, kernelTotal time.Duration
	var ratios []float64
	for b.Loop() {
		t0 := time.Now()
		loop()
		t1 := time.Now()
		arr, err := bd.Eval(ctx, mem, d.rec)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		arr.Release()
		loopTotal += t1.Sub(t0)
		kernelTotal += t2.Sub(t1)
		ratios = append(ratios, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
	}
	n := float64(b.N) * benchRows
	b.ReportMetric(float64(kernelTotal.Nanoseconds())/n, "ns/row")
	b.ReportMetric(float64(loopTotal.Nanoseconds())/n, "loop_ns/row")
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "x_loop")
}

var sinkI64 []int64
var sinkBool []bool
var sinkStr []string

func BenchmarkIntArithKernel(b *testing.B) {
	d := benchInput()
	b.Run("add_checked", func(b *testing.B) {
		benchPair(b, Col("a").Add(Col("b")), func() {
			out := make([]int64, benchRows)
			for i, a := range d.i64 {
				b := d.b64[i]
				r := a + b
				if (a^r)&(b^r) < 0 {
					panic("overflow")
				}
				out[i] = r
			}
			sinkI64 = out
		})
	})
	b.Run("mul_checked_nulls", func(b *testing.B) {
		benchPair(b, Col("an").Mul(3), func() {
			out := make([]int64, benchRows)
			for i, a := range d.i64 {
				if d.nullIdx[i] {
					continue
				}
				if a > math.MaxInt64/3 || a < math.MinInt64/3 {
					panic("overflow")
				}
				out[i] = a * 3
			}
			sinkI64 = out
		})
	})
	b.Run("mod_scalar", func(b *testing.B) {
		benchPair(b, Col("a").Mod(7), func() {
			out := make([]int64, benchRows)
			for i, a := range d.i64 {
				out[i] = a % 7
			}
			sinkI64 = out
		})
	})
	b.Run("cast_int32_to_int64", func(b *testing.B) {
		benchPair(b, Col("i32").Cast(arrow.PrimitiveTypes.Int64), func() {
			out := make([]int64, benchRows)
			for i, v := range d.i32 {
				out[i] = int64(v)
			}
			sinkI64 = out
		})
	})
	b.Run("cast_float64_to_int64", func(b *testing.B) {
		benchPair(b, Col("f").Mul(0).Cast(arrow.PrimitiveTypes.Int64), func() {
			out := make([]int64, benchRows)
			for i, v := range d.f64 {
				f := v * 0
				if f != math.Trunc(f) {
					panic("truncated")
				}
				out[i] = int64(f)
			}
			sinkI64 = out
		})
	})
}

func BenchmarkNullKernels(b *testing.B) {
	d := benchInput()
	b.Run("fill_null", func(b *testing.B) {
		benchPair(b, Col("an").FillNull(0), func() {
			out := make([]int64, benchRows)
			for i, a := range d.i64 {
				if d.nullIdx[i] {
					a = 0
				}
				out[i] = a
			}
			sinkI64 = out
		})
	})
	b.Run("is_null", func(b *testing.B) {
		benchPair(b, Col("an").IsNull(), func() {
			out := make([]bool, benchRows)
			copy(out, d.nullIdx)
			sinkBool = out
		})
	})
}

func BenchmarkStringKernels(b *testing.B) {
	d := benchInput()
	pred := func(name string, e Expr, f func(string) bool) {
		b.Run(name, func(b *testing.B) {
			benchPair(b, e, func() {
				out := make([]bool, benchRows)
				for i, s := range d.strs {
					out[i] = f(s)
				}
				sinkBool = out
			})
		})
	}
	transform := func(name string, e Expr, f func(string) string) {
		b.Run(name, func(b *testing.B) {
			benchPair(b, e, func() {
				out := make([]string, benchRows)
				for i, s := range d.strs {
					out[i] = f(s)
				}
				sinkStr = out
			})
		})
	}
	pred("contains", Col("s").Contains("ta,d"), func(s string) bool { return strings.Contains(s, "ta,d") })
	pred("starts_with", Col("s").StartsWith("gam"), func(s string) bool { return strings.HasPrefix(s, "gam") })
	re := regexp.MustCompile("^[a-z]+,")
	pred("regexp_match", Col("s").RegexpMatch("^[a-z]+,"), re.MatchString)
	transform("lower", Col("s").Lower(), strings.ToLower)
	transform("upper", Col("s").Upper(), strings.ToUpper)
	transform("replace", Col("s").Replace("a", "AA"), func(s string) string { return strings.ReplaceAll(s, "a", "AA") })
	b.Run("str_len", func(b *testing.B) {
		benchPair(b, Col("s").StrLen(), func() {
			out := make([]int64, benchRows)
			for i, s := range d.strs {
				out[i] = int64(utf8.RuneCountInString(s))
			}
			sinkI64 = out
		})
	})
	b.Run("split", func(b *testing.B) {
		benchPair(b, Col("s").Split(","), func() {
			out := make([][]string, benchRows)
			for i, s := range d.strs {
				out[i] = strings.Split(s, ",")
			}
			sinkStr = out[0]
		})
	})
}

func BenchmarkTemporalKernels(b *testing.B) {
	d := benchInput()
	fields := []struct {
		name string
		e    Expr
		f    func(time.Time) int
	}{
		{"year", Col("ts").Year(), time.Time.Year},
		{"month", Col("ts").Month(), func(t time.Time) int { return int(t.Month()) }},
		{"day", Col("ts").Day(), time.Time.Day},
		{"hour", Col("ts").Hour(), time.Time.Hour},
	}
	for _, f := range fields {
		b.Run(f.name, func(b *testing.B) {
			benchPair(b, f.e, func() {
				out := make([]int64, benchRows)
				for i, us := range d.micros {
					out[i] = int64(f.f(time.UnixMicro(us).UTC()))
				}
				sinkI64 = out
			})
		})
	}
}

func BenchmarkListLenKernel(b *testing.B) {
	d := benchInput()
	benchPair(b, Col("l").ListLen(), func() {
		out := make([]int64, benchRows)
		for i, l := range d.lists {
			out[i] = int64(len(l))
		}
		sinkI64 = out
	})
}

// BenchmarkDictionaryEval: predicates on a dictionary column (1Mi rows, 104 distinct
// strings, as pyarrow writes them) computed on the dictionary and taken by the indices
// (ns/row), next to the same values as a plain utf8 column (decoded_ns/row; x_decoded is
// the median ratio) and the plain Go loop over []string (loop_ns/row), in the same run.
func BenchmarkDictionaryEval(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	mem := memory.NewGoAllocator()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	sb := array.NewStringBuilder(mem)
	strs := make([]string, benchRows)
	for i := range benchRows {
		s := "Value-" + string(rune('a'+r.IntN(26))) + string(rune('a'+r.IntN(4)))
		strs[i] = s
		if err := db.AppendString(s); err != nil {
			b.Fatal(err)
		}
		sb.Append(s)
	}
	dict, plain := db.NewArray(), sb.NewArray()
	dictRec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: dt}}, nil), []arrow.Array{dict}, benchRows)
	plainRec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil), []arrow.Array{plain}, benchRows)
	for _, c := range []struct {
		name string
		e    Expr
		f    func(string) bool
	}{
		{"eq", Col("s").Eq("Value-qb"), func(s string) bool { return s == "Value-qb" }},
		{"lower_contains", Col("s").Lower().Contains("e-q"), func(s string) bool { return strings.Contains(strings.ToLower(s), "e-q") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			bdDict, err1 := Bind(c.e, dictRec.Schema())
			bdPlain, err2 := Bind(c.e, plainRec.Schema())
			if err1 != nil || err2 != nil {
				b.Fatal(err1, err2)
			}
			ctx := context.Background()
			var loopT, plainT, dictT time.Duration
			var ratios []float64
			for b.Loop() {
				t0 := time.Now()
				out := make([]bool, benchRows)
				for i, s := range strs {
					out[i] = c.f(s)
				}
				sinkBool = out
				t1 := time.Now()
				a1, err := bdPlain.Eval(ctx, mem, plainRec)
				if err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				a2, err := bdDict.Eval(ctx, mem, dictRec)
				if err != nil {
					b.Fatal(err)
				}
				t3 := time.Now()
				a1.Release()
				a2.Release()
				loopT, plainT, dictT = loopT+t1.Sub(t0), plainT+t2.Sub(t1), dictT+t3.Sub(t2)
				ratios = append(ratios, float64(t3.Sub(t2))/float64(t2.Sub(t1)))
			}
			n := float64(b.N) * benchRows
			b.ReportMetric(float64(dictT.Nanoseconds())/n, "ns/row")
			b.ReportMetric(float64(plainT.Nanoseconds())/n, "decoded_ns/row")
			b.ReportMetric(float64(loopT.Nanoseconds())/n, "loop_ns/row")
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "x_decoded")
		})
	}
}
