package expr

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Random batches and random well-typed (mostly) expressions over them, for the tests that
// hold Eval and the pruning rules against the oracle.

var randomFields = []arrow.Field{
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	{Name: "ds", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "tsz", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "+05:30"}, Nullable: true},
	{Name: "tsn", Type: &arrow.TimestampType{Unit: arrow.Second}, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
}

var (
	numericCols  = []string{"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64"}
	stringCols   = []string{"s", "ls", "ds"}
	timeCols     = []string{"ts", "tsz", "tsn"}
	numericTypes = []arrow.DataType{
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
	}
	randomSchema = arrow.NewSchema(randomFields, nil)
)

// batchGen makes random batches: small values with nulls (~15%), rare extremes (overflow
// and NaN paths), and garbage under the null slots of fixed-width columns (Arrow leaves
// them undefined; kernels must not read them).
type batchGen struct {
	r *rand.Rand
	// nullRate and the value ranges may be narrowed per batch (pruning tests).
	nullRate float64
	spread   float64 // 1: full small range; smaller: values cluster around center
	center   float64
}

func newBatchGen(seed uint64) *batchGen {
	return &batchGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), nullRate: 0.15, spread: 1}
}

func (g *batchGen) valid() bool { return g.r.Float64() >= g.nullRate }

func (g *batchGen) small() int64 {
	return int64(math.Round(g.center + g.spread*(g.r.Float64()*40-20)))
}

func intValues[T int8 | int16 | int32 | int64](g *batchGen, n int) ([]T, []bool) {
	vals, valid := make([]T, n), make([]bool, n)
	lo, hi := minMax[T]()
	for i := range n {
		valid[i] = g.valid()
		switch p := g.r.Float64(); {
		case !valid[i]:
			vals[i] = T(g.r.Int64()) // garbage
		case p < 0.01:
			vals[i] = lo
		case p < 0.02:
			vals[i] = hi
		default:
			vals[i] = T(max(min(g.small(), int64(hi)), int64(lo)))
		}
	}
	return vals, valid
}

func minMax[T int8 | int16 | int32 | int64]() (T, T) {
	var z T
	bits := uint(unsafe.Sizeof(z) * 8)
	return T(-1 << (bits - 1)), T(1<<(bits-1) - 1)
}

func uintValues[T uint8 | uint16 | uint32 | uint64](g *batchGen, n int) ([]T, []bool) {
	vals, valid := make([]T, n), make([]bool, n)
	for i := range n {
		valid[i] = g.valid()
		switch p := g.r.Float64(); {
		case !valid[i]:
			vals[i] = T(g.r.Uint64())
		case p < 0.02:
			vals[i] = ^T(0)
		default:
			vals[i] = T(max(g.small()+20, 0))
		}
	}
	return vals, valid
}

func floatValues[T float32 | float64](g *batchGen, n int) ([]T, []bool) {
	vals, valid := make([]T, n), make([]bool, n)
	for i := range n {
		valid[i] = g.valid()
		switch p := g.r.Float64(); {
		case !valid[i]:
			vals[i] = T(g.r.NormFloat64() * 1e30)
		case p < 0.03:
			vals[i] = T(math.NaN())
		case p < 0.04:
			vals[i] = T(math.Inf(1))
		case p < 0.05:
			vals[i] = T(math.Inf(-1))
		case p < 0.06:
			vals[i] = 1e30
		default:
			vals[i] = T(float64(g.small()) / 4)
		}
	}
	return vals, valid
}

// fixedArray is an array over vals (Go memory) with validity from valid.
func fixedArray[T arrow.FixedWidthType](t arrow.DataType, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	bitmap := make([]byte, bitutil.BytesForBits(int64(n)))
	nulls := 0
	for i, v := range valid {
		if v {
			bitutil.SetBit(bitmap, i)
		} else {
			nulls++
		}
	}
	data := array.NewData(t, n, []*memory.Buffer{memory.NewBufferBytes(bitmap), memory.NewBufferBytes(arrow.GetBytes(vals))}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

var alphabet = []string{"a", "b", "B", "c", ",", "ab", "É", "ß", "x", "Z", " "}

func (g *batchGen) str() string {
	n := g.r.IntN(6)
	s := ""
	for range n {
		s += alphabet[g.r.IntN(len(alphabet))]
	}
	return s
}

// batch is a random batch of n rows of randomSchema (Go memory; the caller releases it).
func (g *batchGen) batch(n int) arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	var cols []arrow.Array
	add := func(a arrow.Array) { cols = append(cols, a) }
	v8, ok8 := intValues[int8](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Int8, v8, ok8))
	v16, ok16 := intValues[int16](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Int16, v16, ok16))
	v32, ok32 := intValues[int32](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Int32, v32, ok32))
	v64, ok64 := intValues[int64](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Int64, v64, ok64))
	u8, oku8 := uintValues[uint8](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Uint8, u8, oku8))
	u16, oku16 := uintValues[uint16](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Uint16, u16, oku16))
	u32, oku32 := uintValues[uint32](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Uint32, u32, oku32))
	u64, oku64 := uintValues[uint64](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Uint64, u64, oku64))
	f32, okf32 := floatValues[float32](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Float32, f32, okf32))
	f64, okf64 := floatValues[float64](g, n)
	add(fixedArray(arrow.PrimitiveTypes.Float64, f64, okf64))

	bb := array.NewBooleanBuilder(mem)
	for range n {
		if g.valid() {
			bb.Append(g.r.IntN(2) == 0)
		} else {
			bb.AppendNull()
		}
	}
	add(bb.NewArray())
	bb.Release()

	sb := array.NewStringBuilder(mem)
	lb := array.NewLargeStringBuilder(mem)
	db := array.NewDictionaryBuilder(mem, randomFields[13].Type.(*arrow.DictionaryType)).(*array.BinaryDictionaryBuilder)
	for range n {
		for _, b := range []interface {
			AppendString(string)
			AppendNull()
		}{stringAppender{sb}, stringAppender{lb}, dictAppender{db}} {
			if g.valid() {
				b.AppendString(g.str())
			} else {
				b.AppendNull()
			}
		}
	}
	add(sb.NewArray())
	add(lb.NewArray())
	add(db.NewArray())
	sb.Release()
	lb.Release()
	db.Release()

	base := time.Date(2021, 6, 15, 12, 0, 0, 0, time.UTC).Unix()
	for _, f := range randomFields[14:17] {
		per := unitsPerSecond(f.Type.(*arrow.TimestampType).Unit)
		vals, valid := make([]arrow.Timestamp, n), make([]bool, n)
		for i := range n {
			valid[i] = g.valid()
			sec := base + int64(g.center*86400) + int64(g.spread*g.r.NormFloat64()*3e7)
			vals[i] = arrow.Timestamp(sec*per + g.r.Int64N(per))
			if !valid[i] {
				vals[i] = arrow.Timestamp(g.r.Int64())
			}
		}
		add(fixedArray(f.Type, vals, valid))
	}
	dv, dok := make([]arrow.Date32, n), make([]bool, n)
	for i := range n {
		dok[i] = g.valid()
		dv[i] = arrow.Date32(18000 + int32(g.center) + int32(g.spread*float64(g.r.IntN(2000)-1000)))
	}
	add(fixedArray(arrow.FixedWidthTypes.Date32, dv, dok))

	lbld := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	vb := lbld.ValueBuilder().(*array.Int64Builder)
	for range n {
		if !g.valid() {
			lbld.AppendNull()
			continue
		}
		lbld.Append(true)
		for range g.r.IntN(4) {
			vb.Append(g.r.Int64N(10))
		}
	}
	add(lbld.NewArray())
	lbld.Release()

	rec := array.NewRecordBatch(randomSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

type stringAppender struct {
	b interface {
		Append(string)
		AppendNull()
	}
}

func (s stringAppender) AppendString(v string) { s.b.Append(v) }
func (s stringAppender) AppendNull()           { s.b.AppendNull() }

// exprGen makes random expressions over randomSchema.
type exprGen struct{ r *rand.Rand }

func (g *exprGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *exprGen) numLit() Expr {
	switch g.r.IntN(7) {
	case 0, 1:
		return Lit(g.r.IntN(11) - 5) // Go int: adopts the other side's type
	case 2:
		return Lit(int8(g.r.IntN(7) - 3))
	case 3:
		return Lit(uint16(g.r.IntN(9)))
	case 4:
		return Lit(int64(g.r.IntN(21) - 10))
	case 5:
		return Lit(float64(g.r.IntN(21)-10) / 2)
	}
	return Lit(float32(g.r.IntN(9)) / 4)
}

func (g *exprGen) num(d int) Expr {
	if d <= 0 || g.r.Float64() < 0.3 {
		if g.r.Float64() < 0.75 {
			return Col(g.pick(numericCols))
		}
		return g.numLit()
	}
	switch p := g.r.Float64(); {
	case p < 0.45:
		ops := []func(Expr, any) Expr{Expr.Add, Expr.Sub, Expr.Mul, Expr.Div, Expr.Mod}
		return ops[g.r.IntN(len(ops))](g.num(d-1), g.num(d-1))
	case p < 0.50:
		return g.num(d - 1).FillNull(g.r.IntN(5))
	case p < 0.53:
		return g.num(d - 1).FillNull(g.num(d - 1))
	case p < 0.63:
		return g.num(d - 1).Cast(numericTypes[g.r.IntN(len(numericTypes))])
	case p < 0.71:
		return g.str(d - 1).StrLen()
	case p < 0.83:
		t := Col(g.pick(append([]string{"d"}, timeCols...)))
		fields := []func(Expr) Expr{Expr.Year, Expr.Month, Expr.Day, Expr.Hour}
		if t.Name() == "d" {
			fields = fields[:3]
		}
		return fields[g.r.IntN(len(fields))](t)
	case p < 0.9:
		if g.r.IntN(2) == 0 {
			return Col("l").ListLen()
		}
		return g.str(d - 1).Split(",").ListLen()
	}
	return g.numLit()
}

func (g *exprGen) strLit() string { return []string{"a", "ab", "B", "", "É", "x,", "ß"}[g.r.IntN(7)] }

func (g *exprGen) str(d int) Expr {
	if d <= 0 || g.r.Float64() < 0.4 {
		if g.r.Float64() < 0.85 {
			return Col(g.pick(stringCols))
		}
		return Lit(g.strLit())
	}
	switch g.r.IntN(5) {
	case 0:
		return g.str(d - 1).Lower()
	case 1:
		return g.str(d - 1).Upper()
	case 2:
		return g.str(d-1).Replace(g.strLit(), g.strLit())
	case 3:
		if g.r.IntN(3) == 0 {
			return g.str(d - 1).FillNull(g.str(d - 1))
		}
		return g.str(d - 1).FillNull(g.strLit())
	}
	return Col(g.pick(stringCols))
}

func (g *exprGen) timeLit() Expr {
	t := time.Date(2021, 6, 15, 12, 0, 0, 0, time.UTC).Add(time.Duration(g.r.NormFloat64()*3e7) * time.Second)
	if g.r.IntN(4) == 0 {
		t = t.Add(time.Duration(g.r.IntN(1000))) // nanoseconds: no column holds it exactly
	}
	return Lit(t)
}

func (g *exprGen) cmp(a Expr, b any) Expr {
	ops := []func(Expr, any) Expr{Expr.Eq, Expr.Ne, Expr.Lt, Expr.Le, Expr.Gt, Expr.Ge}
	return ops[g.r.IntN(len(ops))](a, b)
}

func (g *exprGen) boolean(d int) Expr {
	if d <= 0 || g.r.Float64() < 0.15 {
		switch g.r.IntN(5) {
		case 0:
			return Lit(true)
		case 1:
			return Lit(nil)
		case 2:
			return Lit(false)
		}
		return Col("b")
	}
	switch p := g.r.Float64(); {
	case p < 0.28:
		return g.cmp(g.num(d-1), g.num(d-1))
	case p < 0.36:
		if g.r.IntN(3) == 0 {
			return g.cmp(g.str(d-1), g.str(d-1))
		}
		return g.cmp(g.str(d-1), g.strLit())
	case p < 0.43:
		return g.cmp(Col(g.pick(timeCols)), g.timeLit())
	case p < 0.46:
		return g.cmp(Col("d"), Date(2000+g.r.IntN(10), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28)))
	case p < 0.58:
		args := []any{g.boolean(d - 1), g.boolean(d - 1)}
		if g.r.IntN(3) == 0 {
			args = append(args, g.boolean(d-1))
		}
		if g.r.IntN(2) == 0 {
			return And(args...)
		}
		return Or(args...)
	case p < 0.63:
		return g.boolean(d - 1).Not()
	case p < 0.69:
		x := g.any(d - 1)
		if g.r.IntN(2) == 0 {
			return x.IsNull()
		}
		return x.IsNotNull()
	case p < 0.76:
		vals := []any{}
		for range 1 + g.r.IntN(4) {
			if g.r.IntN(6) == 0 {
				vals = append(vals, nil)
			} else {
				vals = append(vals, g.numLit())
			}
		}
		return g.num(d - 1).IsIn(vals...)
	case p < 0.79:
		return g.str(d-1).IsIn(g.strLit(), g.strLit())
	case p < 0.85:
		return g.num(d-1).Between(g.numLit(), g.numLit())
	case p < 0.96:
		s := g.str(d - 1)
		switch g.r.IntN(4) {
		case 0:
			return s.Contains(g.strLit())
		case 1:
			return s.StartsWith(g.strLit())
		case 2:
			return s.EndsWith(g.strLit())
		}
		return s.RegexpMatch([]string{"^a", "b$", "[A-Z]", "a.?b", "ß|É"}[g.r.IntN(5)])
	}
	if g.r.IntN(2) == 0 {
		return Col("b").FillNull(g.boolean(d - 1))
	}
	return Col("b").FillNull(g.r.IntN(2) == 0)
}

// illTyped mixes kinds that do not go together, for Bind to reject.
func (g *exprGen) illTyped(d int) Expr {
	switch g.r.IntN(8) {
	case 0:
		return g.num(d).Add(g.str(d))
	case 1:
		return g.num(d).Lower()
	case 2:
		return And(g.num(d), g.boolean(d))
	case 3:
		return g.str(d).Gt(g.num(d))
	case 4:
		return g.num(d).IsIn("a", 1)
	case 5:
		return Col("nope").Add(1)
	case 6:
		return g.boolean(d).Year()
	}
	return g.str(d).FillNull(3)
}

func (g *exprGen) any(d int) Expr {
	if g.r.IntN(20) == 0 {
		return g.illTyped(d)
	}
	switch g.r.IntN(3) {
	case 0:
		return g.num(d)
	case 1:
		return g.str(d)
	}
	return g.boolean(d)
}

func describeBatch(rec arrow.RecordBatch) string {
	s := ""
	for i, c := range rec.Columns() {
		s += fmt.Sprintf("  %s: %v\n", rec.ColumnName(i), c)
	}
	return s
}

type dictAppender struct {
	b *array.BinaryDictionaryBuilder
}

func (d dictAppender) AppendString(v string) {
	if err := d.b.AppendString(v); err != nil {
		panic(err)
	}
}
func (d dictAppender) AppendNull() { d.b.AppendNull() }
