package expr

import (
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// Stats describe a set of rows (a Parquet row group or page, a file, a partition) without
// the rows: what a reader knows from metadata. Implementations must be safe to call from
// the goroutine that prunes; Possible calls them, and copies nothing it is given.
type Stats interface {
	// NumRows is the number of rows, -1 when unknown.
	NumRows() int64
	// Column returns what is known of the named column; ok is false when nothing is.
	Column(name string) (ColumnStats, bool)
}

// ColumnStats is what is known of one column over the rows. The zero value knows nothing
// (no bounds, nulls and NaNs possible). Every field is a claim the pruning relies on:
// a wrong one makes a reader skip rows it should have returned.
type ColumnStats struct {
	// Min and Max bound the column's non-null values other than NaN: Min <= v <= Max for
	// each. They may be looser than the true extremes (a truncated string), never
	// tighter. Both or neither; their type is the column's (a dictionary column's value
	// type). A NaN bound (some old Parquet writers) counts as no bound.
	Min, Max scalar.Scalar
	// NullCount is the number of null values, when HasNullCount.
	NullCount    int64
	HasNullCount bool
	// NaNCount is the number of NaN values of a float column, when HasNaNCount. Parquet
	// statistics leave NaN out of min and max and do not count it: leave HasNaNCount false.
	NaNCount    int64
	HasNaNCount bool
	// Values, when set, holds every distinct non-null value of the column over the rows (NaN
	// included): a dictionary page that all data pages of a column chunk use, or a
	// partition's value. It may hold values that do not occur. Same type as Min.
	Values arrow.Array
}

// StatsMap is a Stats over a map, for tests and for callers that collect statistics
// themselves.
type StatsMap struct {
	Rows    int64
	Columns map[string]ColumnStats
}

func (s StatsMap) NumRows() int64 { return s.Rows }

func (s StatsMap) Column(name string) (ColumnStats, bool) {
	c, ok := s.Columns[name]
	return c, ok
}

// Possible is what a predicate can evaluate to on some row of a set: true on at least one
// row (True), false on one (False), null on one (Null). A filter keeps a row only when the
// predicate is true, so a set with !True can be skipped.
type Possible struct{ True, False, Null bool }

// Possible says what b can evaluate to over rows described by stats. It is conservative:
// whatever the statistics do not rule out is possible, and an operation it cannot reason
// about may be anything. It is exact where it can be: a sub-expression of one column whose
// distinct values are known (a dictionary, a partition value) is evaluated on those values.
// It follows Eval's semantics: nulls (Kleene And/Or, IsNull, IsIn's null matching) and
// IEEE 754 NaN (NaN != x is true, every other comparison false; Parquet's min and max
// leave NaN out, so a float column may hold NaN unless HasNaNCount says otherwise).
//
// Skipping rows for which Possible(...).True is false never drops a row that Filter keeps.
// It may skip rows on which the predicate would have failed (an overflow, a cast that does
// not fit): those rows return nothing either way.
func (b *Bound) Possible(stats Stats) Possible {
	if stats.NumRows() == 0 {
		return Possible{}
	}
	p := &pruner{b: b, stats: stats, ctx: compute.WithAllocator(context.Background(), memory.DefaultAllocator)}
	if b.root.typ.ID() == arrow.NULL {
		return Possible{Null: true}
	}
	t, f, n := p.abs(b.root).truth()
	return Possible{True: t, False: f, Null: n}
}

// MayMatch says whether some row described by stats can make b true; false means the rows
// can be skipped. See Possible.
func (b *Bound) MayMatch(stats Stats) bool { return b.Possible(stats).True }

// abs is what the pruner knows of a node's values over the rows.
type abs struct {
	null  bool          // some row may be null
	value bool          // some row may hold a non-null value other than NaN
	nan   bool          // some row may be NaN
	lo    scalar.Scalar // when value: a lower bound of those values, nil for none
	hi    scalar.Scalar // when value: an upper bound, nil for none
}

// unknown is a node that may be anything.
func unknown(t arrow.DataType) abs { return abs{null: true, value: true, nan: isFloat(t)} }

// boolAbs is a boolean node that may be true, false, null as given.
func boolAbs(t, f, null bool) abs {
	a := abs{null: null, value: t || f}
	if a.value {
		a.lo, a.hi = scalar.NewBooleanScalar(!f), scalar.NewBooleanScalar(t)
	}
	return a
}

// truth reads a boolean node: can it be true, false, null.
func (a abs) truth() (t, f, null bool) {
	if !a.value {
		return false, false, a.null
	}
	t, f = true, true
	if b, ok := a.hi.(*scalar.Boolean); ok && b.Valid && !b.Value {
		t = false
	}
	if b, ok := a.lo.(*scalar.Boolean); ok && b.Valid && b.Value {
		f = false
	}
	return t, f, a.null
}

// point says whether every non-null value is one value (lo == hi), and which.
func (p *pruner) point(a abs) (scalar.Scalar, bool) {
	if !a.value || a.nan || a.lo == nil || a.hi == nil {
		return nil, false
	}
	c, ok := p.cmp(a.lo, a.hi)
	return a.lo, ok && c == 0
}

type pruner struct {
	b     *Bound
	stats Stats
	ctx   context.Context
}

// most distinct values the pruner evaluates a sub-expression on.
const maxSetSize = 1 << 14

func (p *pruner) abs(n *bnode) abs {
	switch n.kind {
	case kCol:
		return p.column(n)
	case kLit:
		return literalAbs(n.lit)
	case kDict:
		return p.abs(n.args[0])
	}
	if a, ok := p.exact(n); ok {
		return a
	}
	args := func() []abs {
		as := make([]abs, len(n.args))
		for i, x := range n.args {
			as[i] = p.abs(x)
		}
		return as
	}
	switch n.kind {
	case kCast:
		x := n.args[0]
		if x.kind == kCol && x.typ.ID() == arrow.DICTIONARY {
			return p.abs(x) // the decode of a dictionary column: stats are of its values
		}
		return p.cast(p.abs(x), x.typ, n.typ)
	case kBetween:
		as := args()
		ge := p.compare("greater_equal", as[0], as[1])
		le := p.compare("less_equal", as[0], as[2])
		return kleene(true, ge, le)
	case kCall:
		switch n.fn {
		case "equal", "not_equal", "less", "less_equal", "greater", "greater_equal":
			as := args()
			return p.compare(n.fn, as[0], as[1])
		case "and_kleene", "or_kleene":
			as := args()
			return kleene(n.fn == "and_kleene", as[0], as[1])
		case "is_in":
			return p.isIn(p.abs(n.args[0]), n.opts.(*compute.SetOptions))
		}
	case kKernel:
		switch n.src.Op() {
		case OpNot:
			t, f, null := p.abs(n.args[0]).truth()
			return boolAbs(f, t, null)
		case OpIsNull, OpIsNotNull:
			x := p.abs(n.args[0])
			isNull, notNull := x.null, x.value || x.nan
			if n.src.Op() == OpIsNotNull {
				isNull, notNull = notNull, isNull
			}
			return boolAbs(isNull, notNull, false)
		case OpFillNull:
			as := args()
			return p.fillNull(as[0], as[1])
		}
	}
	return p.monotone(n)
}

func literalAbs(s scalar.Scalar) abs {
	if !s.IsValid() {
		return abs{null: true}
	}
	if isNaN(s) {
		return abs{nan: true}
	}
	return abs{value: true, lo: s, hi: s}
}

func isNaNAt(arr arrow.Array, i int) bool {
	switch a := arr.(type) {
	case *array.Float64:
		return math.IsNaN(a.Value(i))
	case *array.Float32:
		return math.IsNaN(float64(a.Value(i)))
	}
	return false
}

func isNaN(s scalar.Scalar) bool {
	switch s := s.(type) {
	case *scalar.Float64:
		return s.Valid && math.IsNaN(s.Value)
	case *scalar.Float32:
		return s.Valid && math.IsNaN(float64(s.Value))
	}
	return false
}

// valueType is a column type as its statistics have it: a dictionary's value type.
func valueType(t arrow.DataType) arrow.DataType {
	if d, ok := t.(*arrow.DictionaryType); ok {
		return d.ValueType
	}
	return t
}

func (p *pruner) column(n *bnode) abs {
	t := valueType(n.typ)
	cs, ok := p.stats.Column(p.b.schema.Field(n.col).Name)
	if !ok {
		return unknown(t)
	}
	rows := p.stats.NumRows()
	a := abs{
		null:  !cs.HasNullCount || cs.NullCount > 0,
		value: true,
		nan:   isFloat(t) && (!cs.HasNaNCount || cs.NaNCount > 0),
	}
	if cs.HasNullCount && rows >= 0 && cs.NullCount >= rows {
		return abs{null: true} // every row is null
	}
	if cs.Min != nil && cs.Max != nil && cs.Min.IsValid() && cs.Max.IsValid() && !isNaN(cs.Min) && !isNaN(cs.Max) &&
		arrow.TypeEqual(cs.Min.DataType(), t) && arrow.TypeEqual(cs.Max.DataType(), t) {
		a.lo, a.hi = cs.Min, cs.Max
	}
	if set := p.valuesOf(cs, t); set != nil {
		// The distinct values decide whether there are values and NaNs at all.
		a.value, a.nan = false, false
		for i := range set.Len() {
			switch {
			case set.IsNull(i):
			case isNaNAt(set, i):
				a.nan = true
			default:
				a.value = true
			}
		}
	}
	return a
}

// valuesOf is a column's known distinct values, when usable (the right type, not too many).
func (p *pruner) valuesOf(cs ColumnStats, t arrow.DataType) arrow.Array {
	if cs.Values == nil || !arrow.TypeEqual(cs.Values.DataType(), t) || cs.Values.Len() > maxSetSize {
		return nil
	}
	return cs.Values
}

// exact evaluates a boolean n on the known distinct values of the one column it reads,
// when there are such values: the outcome is then exact, not a bound.
func (p *pruner) exact(n *bnode) (abs, bool) {
	if n.typ.ID() != arrow.BOOL {
		return abs{}, false
	}
	cols := n.columns()
	if len(cols) != 1 {
		return abs{}, false
	}
	f := p.b.schema.Field(cols[0])
	cs, ok := p.stats.Column(f.Name)
	if !ok {
		return abs{}, false
	}
	set := p.valuesOf(cs, valueType(f.Type))
	if set == nil {
		return abs{}, false
	}
	rows := p.stats.NumRows()
	withNull := !cs.HasNullCount || cs.NullCount > 0
	if cs.HasNullCount && rows >= 0 && cs.NullCount >= rows {
		set, withNull = nil, true
	}
	col, err := columnOf(f.Type, set, withNull)
	if err != nil {
		return abs{}, false
	}
	defer col.Release()
	cols2 := make([]arrow.Array, p.b.schema.NumFields())
	for i, sf := range p.b.schema.Fields() {
		if i == cols[0] {
			cols2[i] = col
			continue
		}
		cols2[i] = array.MakeArrayOfNull(memory.DefaultAllocator, sf.Type, col.Len())
		defer cols2[i].Release()
	}
	rec := array.NewRecordBatch(p.b.schema, cols2, int64(col.Len()))
	defer rec.Release()
	d, err := n.eval(p.ctx, rec)
	if err != nil {
		return abs{}, false // e.g. an overflow on one of the values: reason without them
	}
	defer d.Release()
	switch d := d.(type) {
	case *compute.ArrayDatum:
		out, ok := d.MakeArray().(*array.Boolean)
		if !ok {
			return abs{}, false
		}
		defer out.Release()
		var t, f, null bool
		for i := range out.Len() {
			switch {
			case out.IsNull(i):
				null = true
			case out.Value(i):
				t = true
			default:
				f = true
			}
		}
		return boolAbs(t, f, null), true
	case *compute.ScalarDatum:
		return literalAbs(d.Value), true
	}
	return abs{}, false
}

// summarize is what an array of all the values a node can take says about it.
func (p *pruner) summarize(arr arrow.Array) abs {
	var a abs
	for i := range arr.Len() {
		if arr.IsNull(i) {
			a.null = true
			continue
		}
		s, err := scalar.GetScalar(arr, i)
		if err != nil {
			return unknown(arr.DataType())
		}
		if isNaN(s) {
			a.nan = true
			continue
		}
		if !a.value {
			a.value, a.lo, a.hi = true, s, s
			continue
		}
		if c, ok := p.cmp(s, a.lo); !ok {
			return unknown(arr.DataType())
		} else if c < 0 {
			a.lo = s
		}
		if c, ok := p.cmp(s, a.hi); !ok {
			return unknown(arr.DataType())
		} else if c > 0 {
			a.hi = s
		}
	}
	if _, isNull := arr.(*array.Null); isNull {
		a = abs{null: arr.Len() > 0}
	}
	return a
}

// columnOf is an array of column type t holding set's values, and a null when withNull.
func columnOf(t arrow.DataType, set arrow.Array, withNull bool) (arrow.Array, error) {
	mem := memory.DefaultAllocator
	vt := valueType(t)
	var parts []arrow.Array
	if set != nil {
		set.Retain()
		parts = append(parts, set)
	}
	if withNull {
		parts = append(parts, array.MakeArrayOfNull(mem, vt, 1))
	}
	defer func() {
		for _, a := range parts {
			a.Release()
		}
	}()
	if len(parts) == 0 {
		return array.MakeArrayOfNull(mem, t, 0), nil
	}
	vals, err := array.Concatenate(parts, mem)
	if err != nil {
		return nil, err
	}
	dt, ok := t.(*arrow.DictionaryType)
	if !ok {
		return vals, nil
	}
	// A dictionary column: indices 0..n-1 over the values themselves.
	defer vals.Release()
	idx := array.NewBuilder(mem, dt.IndexType)
	defer idx.Release()
	for i := range vals.Len() {
		if vals.IsNull(i) {
			idx.AppendNull()
		} else if err := idx.AppendValueFromString(strconv.Itoa(i)); err != nil {
			return nil, err
		}
	}
	indices := idx.NewArray()
	defer indices.Release()
	return array.NewDictionaryArray(dt, indices, vals), nil
}

// columns lists the schema indices n's subtree reads.
func (n *bnode) columns() []int {
	var out []int
	var walk func(*bnode)
	walk = func(x *bnode) {
		if x.kind == kCol && !slices.Contains(out, x.col) {
			out = append(out, x.col)
		}
		for _, a := range x.args {
			walk(a)
		}
	}
	walk(n)
	return out
}

// cmp compares two scalars of one type with Arrow's kernels: -1, 0, 1; ok is false when
// they do not compare (NaN, a type without a kernel).
func (p *pruner) cmp(a, b scalar.Scalar) (int, bool) {
	if !arrow.TypeEqual(a.DataType(), b.DataType()) {
		return 0, false
	}
	call := func(fn string) (bool, bool) {
		d, err := compute.CallFunction(p.ctx, fn, nil, compute.NewDatum(a), compute.NewDatum(b))
		if err != nil {
			return false, false
		}
		defer d.Release()
		s, ok := d.(*compute.ScalarDatum)
		if !ok || !s.Value.IsValid() {
			return false, false
		}
		return s.Value.(*scalar.Boolean).Value, true
	}
	if eq, ok := call("equal"); !ok {
		return 0, false
	} else if eq {
		return 0, true
	}
	lt, ok := call("less")
	if !ok {
		return 0, false
	}
	if lt {
		return -1, true
	}
	if gt, ok := call("greater"); !ok || !gt {
		return 0, false // neither less, equal nor greater: NaN
	}
	return 1, true
}

// holds reports whether cond holds between two bounds; a missing bound (nil: unbounded)
// makes it possible, so the answer is true.
func (p *pruner) holds(a, b scalar.Scalar, cond func(int) bool) bool {
	if a == nil || b == nil {
		return true
	}
	c, ok := p.cmp(a, b)
	return !ok || cond(c)
}

func (p *pruner) compare(fn string, a, b abs) abs {
	null := a.null || b.null
	aAny, bAny := a.value || a.nan, b.value || b.nan
	if !aAny || !bAny {
		return boolAbs(false, false, null) // one side is null on every row
	}
	var t, f bool
	if a.nan || b.nan {
		// NaN against anything non-null: != is true, every other comparison false.
		if fn == "not_equal" {
			t = true
		} else {
			f = true
		}
	}
	if a.value && b.value {
		lt := func(c int) bool { return c < 0 }
		le := func(c int) bool { return c <= 0 }
		gt := func(c int) bool { return c > 0 }
		ge := func(c int) bool { return c >= 0 }
		overlap := p.holds(a.lo, b.hi, le) && p.holds(b.lo, a.hi, le)
		pa, aPoint := p.point(a)
		pb, bPoint := p.point(b)
		same := false
		if aPoint && bPoint {
			c, ok := p.cmp(pa, pb)
			same = ok && c == 0
		}
		switch fn {
		case "less":
			t = t || p.holds(a.lo, b.hi, lt)
			f = f || p.holds(a.hi, b.lo, ge)
		case "less_equal":
			t = t || p.holds(a.lo, b.hi, le)
			f = f || p.holds(a.hi, b.lo, gt)
		case "greater":
			t = t || p.holds(a.hi, b.lo, gt)
			f = f || p.holds(a.lo, b.hi, le)
		case "greater_equal":
			t = t || p.holds(a.hi, b.lo, ge)
			f = f || p.holds(a.lo, b.hi, lt)
		case "equal":
			t = t || overlap
			f = f || !same
		case "not_equal":
			t = t || !same
			f = f || overlap
		}
	}
	return boolAbs(t, f, null)
}

// kleene combines two boolean nodes with And (and true) or Or.
func kleene(and bool, a, b abs) abs {
	at, af, an := a.truth()
	bt, bf, bn := b.truth()
	if and {
		return boolAbs(at && bt, af || bf, an && (bt || bn) || bn && (at || an))
	}
	return boolAbs(at || bt, af && bf, an && (bf || bn) || bn && (af || an))
}

func (p *pruner) isIn(x abs, opts *compute.SetOptions) abs {
	set := opts.ValueSet.(*compute.ArrayDatum).MakeArray()
	defer set.Release()
	setNull, setNaN := false, false
	var t, f bool
	for i := range set.Len() {
		if set.IsNull(i) {
			setNull = true
			continue
		}
		s, err := scalar.GetScalar(set, i)
		if err != nil {
			return boolAbs(true, true, false)
		}
		if isNaN(s) {
			setNaN = true
			continue
		}
		if x.value && p.holds(x.lo, s, func(c int) bool { return c <= 0 }) && p.holds(s, x.hi, func(c int) bool { return c <= 0 }) {
			t = true
		}
	}
	if x.null {
		t, f = t || setNull, f || !setNull
	}
	if x.nan {
		t, f = t || setNaN, f || !setNaN
	}
	if x.value {
		// Every value is in the set only when they are all one value, in the set; floats
		// aside (the set matches -0 and +0 apart, and bounds do not tell them apart).
		pt, isPoint := p.point(x)
		inSet := false
		if isPoint && !isFloat(pt.DataType()) {
			for i := range set.Len() {
				if s, err := scalar.GetScalar(set, i); err == nil && s.IsValid() {
					if c, ok := p.cmp(pt, s); ok && c == 0 {
						inSet = true
					}
				}
			}
		}
		f = f || !inSet
	}
	return boolAbs(t, f, false)
}

func (p *pruner) fillNull(x, v abs) abs {
	if !x.null {
		return x
	}
	out := abs{null: v.null, value: x.value || v.value, nan: x.nan || v.nan}
	switch {
	case !x.value:
		out.lo, out.hi = v.lo, v.hi
	case !v.value:
		out.lo, out.hi = x.lo, x.hi
	default:
		out.lo = p.extreme(x.lo, v.lo, -1)
		out.hi = p.extreme(x.hi, v.hi, 1)
	}
	return out
}

// extreme is the lower (dir -1) or upper (1) of two bounds; nil (unbounded) wins.
func (p *pruner) extreme(a, b scalar.Scalar, dir int) scalar.Scalar {
	if a == nil || b == nil {
		return nil
	}
	c, ok := p.cmp(a, b)
	switch {
	case !ok:
		return nil
	case c*dir >= 0:
		return a
	}
	return b
}

// cast carries bounds through a cast between numbers when they convert exactly (such
// casts keep order); other casts may give anything but keep nulls null.
func (p *pruner) cast(x abs, from, to arrow.DataType) abs {
	if !isNumeric(from) || !isNumeric(to) {
		return unknown(to)
	}
	out := abs{null: x.null, value: x.value, nan: x.nan && isFloat(to)}
	if x.value && x.lo != nil && x.hi != nil {
		lo, ok1 := exactCast(x.lo, to)
		hi, ok2 := exactCast(x.hi, to)
		if ok1 && ok2 {
			out.lo, out.hi = lo, hi
		}
	}
	return out
}

// monotone bounds a node that is monotone in its one non-constant argument (Add, Sub, and
// Mul or Div by a constant; Year) by evaluating it at that argument's bounds; any other
// node may be anything.
func (p *pruner) monotone(n *bnode) abs {
	varying := -1
	for i, a := range n.args {
		if a.kind != kLit {
			if varying >= 0 {
				return p.corners(n)
			}
			varying = i
		}
	}
	if varying < 0 {
		return unknown(n.typ)
	}
	x := p.abs(n.args[varying])
	op := n.src.Op()
	switch {
	case n.kind == kKernel && op == OpYear:
	case n.kind != kCast && (op == OpAdd || op == OpSubtract):
	case n.kind != kCast && ((op == OpMultiply || op == OpDivide) && varying == 0 || op == OpMultiply && varying == 1):
	case n.kind != kCast && op == OpDivide && varying == 1 && p.excludesZero(x):
		// c / x is monotone on a range of one sign.
	default:
		// Every other operation left is null exactly where its argument is.
		a := unknown(n.typ)
		a.null = x.null
		return a
	}
	out := abs{null: x.null, value: x.value, nan: x.nan && isFloat(n.typ)}
	if isFloat(n.typ) && (op == OpMultiply || op == OpDivide || x.lo == nil || x.hi == nil ||
		isInf(x.lo) || isInf(x.hi)) {
		out.nan = true // Inf*0, 0/0, Inf-Inf
	}
	for _, a := range n.args {
		if a.kind == kLit && (isNaN(a.lit) || isInf(a.lit)) {
			out.nan = isFloat(n.typ)
		}
	}
	if !x.value || x.lo == nil || x.hi == nil {
		return out
	}
	bounds, err := scalarsArray(x.lo, x.hi)
	if err != nil {
		return unknown(n.typ)
	}
	defer bounds.Release()
	args := make([]compute.Datum, len(n.args))
	for i, a := range n.args {
		if i == varying {
			args[i] = compute.NewDatum(bounds)
		} else {
			args[i] = compute.NewDatum(a.lit)
		}
	}
	defer releaseAll(args)
	d, err := apply(p.ctx, n, args)
	if err != nil {
		return unknown(n.typ) // an overflow at a bound: no bound
	}
	defer d.Release()
	arr := d.(*compute.ArrayDatum).MakeArray()
	defer arr.Release()
	s := p.summarize(arr)
	if !s.value || s.null {
		return unknown(n.typ)
	}
	out.lo, out.hi = s.lo, s.hi
	return out
}

// corners bounds Add, Sub, Mul and Div of two varying numbers: each is monotone in either
// argument while the other is held (Div once the divisor's range excludes 0), so the
// extremes are among the four corners of the two ranges. Other nodes of two varying
// arguments are opaque.
func (p *pruner) corners(n *bnode) abs {
	op := n.src.Op()
	if len(n.args) != 2 || n.kind == kCast || !(op == OpAdd || op == OpSubtract || op == OpMultiply || op == OpDivide) || !isNumeric(n.typ) {
		return p.opaque(n)
	}
	x, y := p.abs(n.args[0]), p.abs(n.args[1])
	if !(x.value || x.nan) || !(y.value || y.nan) {
		return abs{null: x.null || y.null} // one side is null on every row
	}
	out := abs{null: x.null || y.null, value: true, nan: isFloat(n.typ) && (x.nan || y.nan)}
	if !x.value || !y.value || x.lo == nil || x.hi == nil || y.lo == nil || y.hi == nil {
		out.nan = isFloat(n.typ)
		return out
	}
	if isFloat(n.typ) && (op == OpMultiply || op == OpDivide || isInf(x.lo) || isInf(x.hi) || isInf(y.lo) || isInf(y.hi)) {
		out.nan = true // Inf*0, 0/0, Inf-Inf
	}
	if op == OpDivide && !p.excludesZero(y) {
		return out // the divisor's range holds 0: no bound
	}
	xs, err1 := scalarsArray(x.lo, x.lo, x.hi, x.hi)
	ys, err2 := scalarsArray(y.lo, y.hi, y.lo, y.hi)
	if err1 != nil || err2 != nil {
		return p.opaque(n)
	}
	defer xs.Release()
	defer ys.Release()
	args := []compute.Datum{compute.NewDatum(xs), compute.NewDatum(ys)}
	defer releaseAll(args)
	d, err := apply(p.ctx, n, args)
	if err != nil {
		return out // an overflow at a corner: no bound
	}
	defer d.Release()
	arr := d.(*compute.ArrayDatum).MakeArray()
	defer arr.Release()
	if s := p.summarize(arr); s.value && !s.null && !s.nan {
		out.lo, out.hi = s.lo, s.hi
	}
	return out
}

// excludesZero says whether a's values are bounded and all of one sign.
func (p *pruner) excludesZero(a abs) bool {
	if !a.value || a.lo == nil || a.hi == nil {
		return false
	}
	zero, ok := exactCast(scalar.NewInt64Scalar(0), a.lo.DataType())
	if !ok {
		return false
	}
	c1, ok1 := p.cmp(a.lo, zero)
	c2, ok2 := p.cmp(a.hi, zero)
	return ok1 && ok2 && (c1 > 0 || c2 < 0)
}

// opaque is a node of several varying arguments the pruner does not reason about: null
// where an argument is (every such operation propagates nulls), else anything.
func (p *pruner) opaque(n *bnode) abs {
	a := unknown(n.typ)
	a.null = false
	for _, x := range n.args {
		a.null = a.null || p.abs(x).null
	}
	return a
}

func isInf(s scalar.Scalar) bool {
	switch s := s.(type) {
	case *scalar.Float64:
		return s.Valid && math.IsInf(s.Value, 0)
	case *scalar.Float32:
		return s.Valid && math.IsInf(float64(s.Value), 0)
	}
	return false
}

// scalarsArray is the array of ss, of the first one's type.
func scalarsArray(ss ...scalar.Scalar) (arrow.Array, error) {
	bld := array.NewBuilder(memory.DefaultAllocator, ss[0].DataType())
	defer bld.Release()
	if err := scalar.AppendSlice(bld, ss); err != nil {
		return nil, err
	}
	return bld.NewArray(), nil
}
