package expr

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The oracle: a row-at-a-time evaluator written apart from Bind and Eval, from the rules
// the package documents (Arrow's promotion and null semantics), over plain Go values:
// nil (null), bool, int64 (signed integers, timestamps in their unit), uint64, float32,
// float64, string, int32 (date32 days), []any (lists). It never calls this package's
// kernels or arrow-go's compute.

// errType is an oracle type error: Bind must reject the expression.
var errType = errors.New("oracle: type error")

type oval struct {
	v any
	t arrow.DataType
}

type oracle struct {
	rec arrow.RecordBatch
	row int
}

// isLitNode says whether e is a constant: a literal, or an expression of literals only,
// which Bind computes once and then treats as a literal.
func isLitNode(e Expr) bool { return e.n != nil && len(e.Columns()) == 0 }

func isWeak(e Expr) bool { return isLitNode(e) && e.n.lit.weak }

// typeOf is e's type (from a row-independent evaluation).
func (o *oracle) eval(e Expr) (oval, error) {
	n := e.n
	switch n.op {
	case OpCol:
		idx := o.rec.Schema().FieldIndices(n.name)
		if len(idx) != 1 {
			return oval{}, errType
		}
		col := o.rec.Column(idx[0])
		t := col.DataType()
		if d, ok := t.(*arrow.DictionaryType); ok {
			t = d.ValueType
		}
		return oval{valueAt(col, o.row), t}, nil
	case OpLit:
		if n.lit.bad != "" {
			return oval{}, errType
		}
		return oval{litValue(n.lit), n.lit.typ}, nil
	case OpAlias:
		return o.eval(n.args[0])
	}
	// Evaluate every argument first: the vectorized form computes all of them for every row.
	info := ops[n.op]
	var args []oval
	for i, a := range n.args {
		if i >= len(n.args)-info.strArgs {
			break
		}
		v, err := o.eval(a)
		if err != nil {
			return oval{}, err
		}
		args = append(args, v)
	}
	switch n.op {
	case OpAdd, OpSubtract, OpMultiply, OpDivide, OpMod:
		l, r := adoptWeakO(args[0], args[1], n.args[0], n.args[1]), adoptWeakO(args[1], args[0], n.args[1], n.args[0])
		l, r = adoptNullO(l, r), adoptNullO(r, l)
		if l.t.ID() == arrow.NULL && r.t.ID() == arrow.NULL {
			return oval{}, errType
		}
		t, ok := promote(l.t, r.t)
		if !ok {
			return oval{}, errType
		}
		a, err := toType(l, t, isLitNode(n.args[0]))
		if err != nil {
			return oval{}, err
		}
		b, err := toType(r, t, isLitNode(n.args[1]))
		if err != nil {
			return oval{}, err
		}
		if a == nil || b == nil {
			return oval{nil, t}, nil
		}
		v, err := arith(n.op, a, b, t)
		return oval{v, t}, err
	case OpEqual, OpNotEqual, OpLess, OpLessEqual, OpGreater, OpGreaterEqual:
		l, r := args[0], args[1]
		l, r = adoptLitO(l, r, n.args[0], n.args[1]), adoptLitO(r, l, n.args[1], n.args[0])
		l, r = adoptNullO(l, r), adoptNullO(r, l)
		c, isNull, err := compareO(l, r, isLitNode(n.args[0]), isLitNode(n.args[1]))
		if err != nil || isNull {
			return oval{nil, boolT}, err
		}
		var v bool
		switch n.op {
		case OpEqual:
			v = c == 0
		case OpNotEqual:
			v = c != 0
		case OpLess:
			v = c == -1
		case OpLessEqual:
			v = c == -1 || c == 0
		case OpGreater:
			v = c == 1
		case OpGreaterEqual:
			v = c == 1 || c == 0
		}
		return oval{v, boolT}, nil
	case OpAnd, OpOr, OpNot:
		for _, a := range args {
			if a.t.ID() != arrow.BOOL && a.t.ID() != arrow.NULL {
				return oval{}, errType
			}
		}
		if n.op == OpNot {
			if args[0].v == nil {
				return oval{nil, boolT}, nil
			}
			return oval{!args[0].v.(bool), boolT}, nil
		}
		// Kleene: a deciding value wins over null.
		decide := n.op == OpOr
		sawNull := false
		for _, a := range args {
			if a.v == nil {
				sawNull = true
			} else if a.v.(bool) == decide {
				return oval{decide, boolT}, nil
			}
		}
		if sawNull {
			return oval{nil, boolT}, nil
		}
		return oval{!decide, boolT}, nil
	case OpIsNull:
		return oval{args[0].v == nil, boolT}, nil
	case OpIsNotNull:
		return oval{args[0].v != nil, boolT}, nil
	case OpFillNull:
		x, v := args[0], args[1]
		if x.t.ID() == arrow.NULL {
			x.t = v.t
		}
		if isLitNode(n.args[1]) {
			if v.v != nil {
				c, ok := exactO(v.v, v.t, x.t)
				if !ok {
					return oval{}, errType
				}
				v = oval{c, x.t}
			}
		} else if !arrow.TypeEqual(v.t, x.t) {
			switch {
			case isString(v.t) && isString(x.t):
			case isNumeric(v.t) && isNumeric(x.t):
				if x.v == nil && v.v != nil { // the fill is cast to x's type where it is used
					c, err := safeCast(v.v, v.t, x.t)
					if err != nil {
						return oval{}, err
					}
					v.v = c
				} else if v.v != nil {
					if _, err := safeCast(v.v, v.t, x.t); err != nil {
						return oval{}, err // the cast runs over every row
					}
				}
			default:
				return oval{}, errType
			}
		}
		if x.v != nil {
			return oval{x.v, x.t}, nil
		}
		return oval{v.v, x.t}, nil
	case OpIsIn:
		x := args[0]
		if x.t.ID() == arrow.NULL {
			return oval{}, errType
		}
		nullInSet, found := false, false
		for i, v := range args[1:] {
			if !isLitNode(n.args[i+1]) {
				return oval{}, errType
			}
			if v.v == nil {
				nullInSet = true
				continue
			}
			if !comparableO(x.t, v.t) {
				return oval{}, errType
			}
			c, ok := exactO(v.v, v.t, x.t)
			if ok && x.v != nil && sameKey(c, x.v) {
				found = true
			}
		}
		if x.v == nil {
			return oval{nullInSet, boolT}, nil
		}
		return oval{found, boolT}, nil
	case OpBetween:
		x, lo, hi := args[0], args[1], args[2]
		lo, hi = adoptLitO(lo, x, n.args[1], n.args[0]), adoptLitO(hi, x, n.args[2], n.args[0])
		lo, hi = adoptNullO(lo, x), adoptNullO(hi, x)
		if isNumeric(x.t) && isNumeric(lo.t) && isNumeric(hi.t) {
			// Bind brings the three to one type, so x is cast once.
			t1, _ := promote(x.t, lo.t)
			t, _ := promote(t1, hi.t)
			var err error
			for i, v := range []*oval{&x, &lo, &hi} {
				if v.v, err = toType(*v, t, isLitNode(n.args[i])); err != nil {
					return oval{}, err
				}
				v.t = t
			}
		}
		c1, n1, err := compareO(lo, x, isLitNode(n.args[1]), isLitNode(n.args[0]))
		if err != nil {
			return oval{}, err
		}
		c2, n2, err := compareO(x, hi, isLitNode(n.args[0]), isLitNode(n.args[2]))
		if err != nil {
			return oval{}, err
		}
		ge := oval{nil, boolT}
		if !n1 {
			ge.v = c1 == -1 || c1 == 0
		}
		le := oval{nil, boolT}
		if !n2 {
			le.v = c2 == -1 || c2 == 0
		}
		return o.kleeneAnd(ge, le), nil
	case OpCast:
		x := args[0]
		if arrow.TypeEqual(x.t, n.typ) {
			return x, nil
		}
		if !isNumeric(n.typ) || !isNumeric(x.t) && x.t.ID() != arrow.NULL {
			return oval{}, errType // the generator casts numbers to numbers only
		}
		if x.v == nil {
			return oval{nil, n.typ}, nil
		}
		v, err := safeCast(x.v, x.t, n.typ)
		return oval{v, n.typ}, err
	case OpContains, OpStartsWith, OpEndsWith, OpLower, OpUpper, OpStrLen, OpReplace, OpSplit, OpRegexpMatch:
		x := args[0]
		if x.t.ID() == arrow.NULL {
			x.t = arrow.BinaryTypes.String
		}
		if !isString(x.t) || x.t.ID() == arrow.STRING_VIEW {
			return oval{}, errType
		}
		var consts []string
		for _, c := range n.args[1:] {
			if !isLitNode(c) || c.n.lit.typ.ID() != arrow.STRING || c.n.lit.val == nil {
				return oval{}, errType
			}
			consts = append(consts, c.n.lit.val.(string))
		}
		return stringO(n.op, x, consts)
	case OpYear, OpMonth, OpDay, OpHour:
		return temporalO(n.op, args[0])
	case OpListLen:
		x := args[0]
		t := arrow.PrimitiveTypes.Int32
		switch x.t.ID() {
		case arrow.LIST, arrow.FIXED_SIZE_LIST:
		case arrow.LARGE_LIST:
			t = arrow.PrimitiveTypes.Int64
		default:
			return oval{}, errType
		}
		if x.v == nil {
			return oval{nil, t}, nil
		}
		if t.ID() == arrow.INT64 {
			return oval{int64(len(x.v.([]any))), t}, nil
		}
		return oval{int64(len(x.v.([]any))), t}, nil
	}
	return oval{}, fmt.Errorf("oracle: no rule for %s", n.op)
}

func (o *oracle) kleeneAnd(a, b oval) oval {
	if a.v == false || b.v == false {
		return oval{false, boolT}
	}
	if a.v == nil || b.v == nil {
		return oval{nil, boolT}
	}
	return oval{true, boolT}
}

var boolT = arrow.FixedWidthTypes.Boolean

// litValue is a literal in the oracle's representation.
func litValue(l literal) any {
	if l.val == nil {
		return nil
	}
	switch l.typ.ID() {
	case arrow.FLOAT32:
		return float32(l.val.(float64))
	case arrow.DATE32:
		return int32(l.val.(int64))
	}
	return l.val
}

// adoptWeakO: a Go-int literal takes the other operand's numeric type when exact.
func adoptWeakO(v, other oval, e, oe Expr) oval {
	if !isWeak(e) || !isNumeric(other.t) || isWeak(oe) || v.v == nil {
		return v
	}
	if c, ok := exactO(v.v, v.t, other.t); ok {
		return oval{c, other.t}
	}
	return v
}

// adoptLitO: a literal compared with a non-literal takes its type when exact.
func adoptLitO(v, other oval, e, oe Expr) oval {
	if !isLitNode(e) || isLitNode(oe) || v.v == nil {
		return v
	}
	if c, ok := exactO(v.v, v.t, other.t); ok {
		return oval{c, other.t}
	}
	return v
}

func adoptNullO(v, other oval) oval {
	if v.t.ID() == arrow.NULL {
		return oval{nil, other.t}
	}
	return v
}

// promote is Arrow's common numeric type.
func promote(a, b arrow.DataType) (arrow.DataType, bool) {
	if !isNumeric(a) || !isNumeric(b) {
		return nil, false
	}
	if a.ID() == arrow.FLOAT64 || b.ID() == arrow.FLOAT64 {
		return arrow.PrimitiveTypes.Float64, true
	}
	if a.ID() == arrow.FLOAT32 || b.ID() == arrow.FLOAT32 {
		return arrow.PrimitiveTypes.Float32, true
	}
	width := func(t arrow.DataType) int { return t.(arrow.FixedWidthDataType).BitWidth() }
	signed := func(t arrow.DataType) bool { return arrow.IsSignedInteger(t.ID()) }
	ws, wu := 0, 0
	for _, t := range []arrow.DataType{a, b} {
		if signed(t) {
			ws = max(ws, width(t))
		} else {
			wu = max(wu, width(t))
		}
	}
	if ws == 0 {
		return map[int]arrow.DataType{8: arrow.PrimitiveTypes.Uint8, 16: arrow.PrimitiveTypes.Uint16, 32: arrow.PrimitiveTypes.Uint32, 64: arrow.PrimitiveTypes.Uint64}[wu], true
	}
	if ws <= wu {
		ws = 2 * wu
	}
	return map[int]arrow.DataType{8: arrow.PrimitiveTypes.Int8, 16: arrow.PrimitiveTypes.Int16, 32: arrow.PrimitiveTypes.Int32, 64: arrow.PrimitiveTypes.Int64, 128: arrow.PrimitiveTypes.Int64}[ws], true
}

// toType converts an operand to t: a literal exactly (else an error), a column value with
// Arrow's safe cast.
func toType(v oval, t arrow.DataType, lit bool) (any, error) {
	if v.v == nil {
		return nil, nil
	}
	if lit {
		c, ok := exactO(v.v, v.t, t)
		if !ok {
			return nil, errors.New("oracle: literal does not fit")
		}
		return c, nil
	}
	return safeCast(v.v, v.t, t)
}

// asBig is a numeric value as an exact rational (nil for NaN and infinities).
func asBig(v any) *big.Rat {
	switch v := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(v)
	case uint64:
		return new(big.Rat).SetInt(new(big.Int).SetUint64(v))
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil
		}
		return new(big.Rat).SetFloat64(float64(v))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return new(big.Rat).SetFloat64(v)
	}
	return nil
}

func intRange(t arrow.DataType) (lo, hi *big.Int) {
	w := uint(t.(arrow.FixedWidthDataType).BitWidth())
	if arrow.IsSignedInteger(t.ID()) {
		hi = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), w-1), big.NewInt(1))
		lo = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), w-1))
		return lo, hi
	}
	return big.NewInt(0), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), w), big.NewInt(1))
}

// fromBig is an exact integer r as t's Go value; ok false when out of range.
func fromBig(r *big.Int, t arrow.DataType) (any, bool) {
	lo, hi := intRange(t)
	if r.Cmp(lo) < 0 || r.Cmp(hi) > 0 {
		return nil, false
	}
	if arrow.IsSignedInteger(t.ID()) {
		return r.Int64(), true
	}
	return r.Uint64(), true
}

// exactO converts v (of type from) to type to when its value is kept exactly.
func exactO(v any, from, to arrow.DataType) (any, bool) {
	if arrow.TypeEqual(from, to) {
		return v, true
	}
	switch {
	case isNumeric(from) && isNumeric(to):
		if isFloat(to) {
			f := floatOf(v)
			if isInteger(from) {
				r := asBig(v)
				rf, _ := r.Float64()
				if new(big.Rat).SetFloat64(rf).Cmp(r) != 0 {
					return nil, false
				}
				f = rf
			}
			if to.ID() == arrow.FLOAT32 {
				if float64(float32(f)) != f && !math.IsNaN(f) {
					return nil, false
				}
				return float32(f), true
			}
			return f, true
		}
		r := asBig(v)
		if r == nil || !r.IsInt() {
			return nil, false
		}
		return fromBig(r.Num(), to)
	case isString(from) && isString(to), isBinary(from) && isBinary(to):
		return v, true
	case from.ID() == arrow.TIMESTAMP && to.ID() == arrow.TIMESTAMP:
		return rescale(v.(int64), from.(*arrow.TimestampType).Unit, to.(*arrow.TimestampType).Unit)
	case from.ID() == arrow.DATE32 && to.ID() == arrow.TIMESTAMP:
		r := new(big.Int).Mul(big.NewInt(int64(v.(int32))), big.NewInt(86400*unitsPerSecond(to.(*arrow.TimestampType).Unit)))
		if !r.IsInt64() {
			return nil, false
		}
		return r.Int64(), true
	}
	return nil, false
}

func rescale(v int64, from, to arrow.TimeUnit) (any, bool) {
	f, t := unitsPerSecond(from), unitsPerSecond(to)
	r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(v), big.NewInt(t)), big.NewInt(f))
	if !r.IsInt() || !r.Num().IsInt64() {
		return nil, false
	}
	return r.Num().Int64(), true
}

func floatOf(v any) float64 {
	switch v := v.(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	}
	panic(fmt.Sprintf("floatOf(%T)", v))
}

// safeCast is Arrow's safe cast between numbers, as arrow-go v18.8.0 does it: integers
// must fit; a float must be integral and fit to become an integer; an integer becomes a
// float only within ±2^53 (±2^24 for float32) even where it would be exact.
func safeCast(v any, from, to arrow.DataType) (any, error) {
	if arrow.TypeEqual(from, to) {
		return v, nil
	}
	fail := errors.New("oracle: cast does not fit")
	if from.ID() == arrow.TIMESTAMP && to.ID() == arrow.TIMESTAMP {
		c, ok := rescale(v.(int64), from.(*arrow.TimestampType).Unit, to.(*arrow.TimestampType).Unit)
		if !ok {
			return nil, fail
		}
		return c, nil
	}
	if !isNumeric(from) || !isNumeric(to) {
		return nil, errType
	}
	switch {
	case isFloat(to):
		if isInteger(from) {
			limit := big.NewInt(1 << 53)
			if to.ID() == arrow.FLOAT32 {
				limit = big.NewInt(1 << 24)
			}
			r := asBig(v).Num()
			if new(big.Int).Abs(r).Cmp(limit) > 0 {
				return nil, fail
			}
		}
		f := floatOf(v)
		if to.ID() == arrow.FLOAT32 {
			return float32(f), nil
		}
		return f, nil
	default:
		r := asBig(v)
		if r == nil || !r.IsInt() {
			return nil, fail
		}
		c, ok := fromBig(r.Num(), to)
		if !ok {
			return nil, fail
		}
		return c, nil
	}
}

func arith(op Op, a, b any, t arrow.DataType) (any, error) {
	switch a := a.(type) {
	case float64:
		b := b.(float64)
		switch op {
		case OpAdd:
			return a + b, nil
		case OpSubtract:
			return a - b, nil
		case OpMultiply:
			return a * b, nil
		case OpDivide:
			return a / b, nil
		}
		return math.Mod(a, b), nil
	case float32:
		b := b.(float32)
		var r float32
		switch op {
		case OpAdd:
			r = a + b
		case OpSubtract:
			r = a - b
		case OpMultiply:
			r = a * b
		case OpDivide:
			r = a / b
		default:
			r = float32(math.Mod(float64(a), float64(b)))
		}
		return r, nil
	}
	x, y := asBig(a).Num(), asBig(b).Num()
	var r *big.Int
	switch op {
	case OpAdd:
		r = new(big.Int).Add(x, y)
	case OpSubtract:
		r = new(big.Int).Sub(x, y)
	case OpMultiply:
		r = new(big.Int).Mul(x, y)
	case OpDivide, OpMod:
		if y.Sign() == 0 {
			return nil, errors.New("oracle: division by zero")
		}
		if op == OpDivide {
			r = new(big.Int).Quo(x, y) // truncated, as Go's /
		} else {
			r = new(big.Int).Rem(x, y) // truncated, as Go's %
		}
	}
	c, ok := fromBig(r, t)
	if !ok {
		return nil, errors.New("oracle: overflow")
	}
	return c, nil
}

func comparableO(a, b arrow.DataType) bool {
	if a.ID() == arrow.NULL || b.ID() == arrow.NULL {
		return true
	}
	day := func(t arrow.DataType) bool { return t.ID() == arrow.TIMESTAMP || t.ID() == arrow.DATE32 }
	switch {
	case isNumeric(a) || isNumeric(b):
		return isNumeric(a) && isNumeric(b)
	case isString(a) || isString(b):
		return isString(a) && isString(b)
	case day(a) || day(b):
		return day(a) && day(b)
	}
	return a.ID() == b.ID()
}

// compareO compares two operands in their common type: -1, 0, 1, or 2 for unordered (NaN);
// isNull when either is null.
func compareO(l, r oval, llit, rlit bool) (c int, isNull bool, err error) {
	if !comparableO(l.t, r.t) {
		return 0, false, errType
	}
	switch {
	case isNumeric(l.t):
		t, _ := promote(l.t, r.t)
		a, err := toType(l, t, llit)
		if err != nil {
			return 0, false, err
		}
		b, err := toType(r, t, rlit)
		if err != nil {
			return 0, false, err
		}
		if a == nil || b == nil {
			return 0, true, nil
		}
		if isFloat(t) {
			x, y := floatOf(a), floatOf(b)
			if math.IsNaN(x) || math.IsNaN(y) {
				return 2, false, nil
			}
			return cmpOrdered(x, y), false, nil
		}
		return asBig(a).Cmp(asBig(b)), false, nil
	case isString(l.t):
		if l.v == nil || r.v == nil {
			return 0, true, nil
		}
		return strings.Compare(l.v.(string), r.v.(string)), false, nil
	case l.t.ID() == arrow.BOOL:
		if l.v == nil || r.v == nil {
			return 0, true, nil
		}
		x, y := 0, 0
		if l.v.(bool) {
			x = 1
		}
		if r.v.(bool) {
			y = 1
		}
		return cmpOrdered(x, y), false, nil
	case l.t.ID() == arrow.TIMESTAMP && r.t.ID() == arrow.TIMESTAMP:
		lt, rt := l.t.(*arrow.TimestampType), r.t.(*arrow.TimestampType)
		if (lt.TimeZone == "") != (rt.TimeZone == "") {
			return 0, false, errType // Arrow: no comparing naive and zoned timestamps
		}
		unit := max(lt.Unit, rt.Unit)
		t := &arrow.TimestampType{Unit: unit}
		a, err := toType(oval{l.v, &arrow.TimestampType{Unit: lt.Unit}}, t, llit)
		if err != nil {
			return 0, false, err
		}
		b, err := toType(oval{r.v, &arrow.TimestampType{Unit: rt.Unit}}, t, rlit)
		if err != nil {
			return 0, false, err
		}
		if a == nil || b == nil {
			return 0, true, nil
		}
		return cmpOrdered(a.(int64), b.(int64)), false, nil
	case l.t.ID() == arrow.DATE32 && r.t.ID() == arrow.DATE32:
		if l.v == nil || r.v == nil {
			return 0, true, nil
		}
		return cmpOrdered(l.v.(int32), r.v.(int32)), false, nil
	}
	return 0, false, errType
}

func cmpOrdered[T int | int32 | int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sameKey is IsIn's equality: values equal, floats by bits with every NaN the same
// (Arrow's hash lookup: -0 and +0 differ there).
func sameKey(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b := b.(float64)
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	case float32:
		b := b.(float32)
		return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
	}
	return a == b
}

func stringO(op Op, x oval, consts []string) (oval, error) {
	var t arrow.DataType = boolT
	switch op {
	case OpLower, OpUpper, OpReplace:
		t = x.t
	case OpStrLen:
		t = arrow.PrimitiveTypes.Int32
		if x.t.ID() == arrow.LARGE_STRING {
			t = arrow.PrimitiveTypes.Int64
		}
	case OpSplit:
		t = arrow.ListOf(x.t)
	case OpRegexpMatch:
		if _, err := regexp.Compile(consts[0]); err != nil {
			return oval{}, errType
		}
	}
	if x.v == nil {
		return oval{nil, t}, nil
	}
	s := x.v.(string)
	var v any
	switch op {
	case OpContains:
		v = strings.Contains(s, consts[0])
	case OpStartsWith:
		v = strings.HasPrefix(s, consts[0])
	case OpEndsWith:
		v = strings.HasSuffix(s, consts[0])
	case OpRegexpMatch:
		v = regexp.MustCompile(consts[0]).MatchString(s)
	case OpLower:
		v = strings.ToLower(s)
	case OpUpper:
		v = strings.ToUpper(s)
	case OpReplace:
		v = strings.ReplaceAll(s, consts[0], consts[1])
	case OpStrLen:
		v = int64(utf8.RuneCountInString(s))
	case OpSplit:
		var parts []any
		for _, p := range strings.Split(s, consts[0]) {
			parts = append(parts, p)
		}
		v = parts
	}
	return oval{v, t}, nil
}

func temporalO(op Op, x oval) (oval, error) {
	i64 := arrow.PrimitiveTypes.Int64
	var tm time.Time
	switch t := x.t.(type) {
	case *arrow.TimestampType:
		loc := time.UTC
		if t.TimeZone != "" && t.TimeZone != "UTC" {
			var err error
			if loc, err = oracleZone(t.TimeZone); err != nil {
				return oval{}, errType
			}
		}
		if x.v == nil {
			return oval{nil, i64}, nil
		}
		per := unitsPerSecond(t.Unit)
		v := x.v.(int64)
		sec := v / per
		if v%per < 0 {
			sec--
		}
		tm = time.Unix(sec, 0).In(loc)
	case *arrow.Date32Type:
		if op == OpHour {
			return oval{}, errType
		}
		if x.v == nil {
			return oval{nil, i64}, nil
		}
		tm = time.Unix(int64(x.v.(int32))*86400, 0).UTC()
	default:
		return oval{}, errType
	}
	switch op {
	case OpYear:
		return oval{int64(tm.Year()), i64}, nil
	case OpMonth:
		return oval{int64(tm.Month()), i64}, nil
	case OpDay:
		return oval{int64(tm.Day()), i64}, nil
	}
	return oval{int64(tm.Hour()), i64}, nil
}

func oracleZone(tz string) (*time.Location, error) {
	if t, err := time.Parse("-07:00", tz); err == nil {
		_, off := t.Zone()
		return time.FixedZone(tz, off), nil
	}
	return time.LoadLocation(tz)
}

// valueAt is row i of arr in the oracle's representation.
func valueAt(arr arrow.Array, i int) any {
	if _, ok := arr.(*array.Null); ok || arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Date32:
		return int32(a.Value(i))
	case *array.Dictionary:
		return valueAt(a.Dictionary(), a.GetValueIndex(i))
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		var out []any
		for j := start; j < end; j++ {
			out = append(out, valueAt(a.ListValues(), int(j)))
		}
		if out == nil {
			out = []any{}
		}
		return out
	}
	panic(fmt.Sprintf("valueAt(%T)", arr))
}

// sameValue compares an Eval result with the oracle's: NaN equals NaN here.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a == b || math.IsNaN(a) && math.IsNaN(b))
	case float32:
		b, ok := b.(float32)
		return ok && (a == b || a != a && b != b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	}
	return a == b
}
