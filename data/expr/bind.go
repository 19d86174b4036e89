package expr

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// Bound is an expression type-checked against one input schema: every column resolved,
// every literal converted, every implicit promotion made an explicit cast, and every
// sub-expression of literals only computed once. It evaluates record batches of that
// schema (Eval, Filter).
//
// A Bound is immutable and safe for concurrent use. It holds its constants (literals, IsIn
// value sets) in Go memory, not in any run's allocator, so it needs no Release.
type Bound struct {
	expr   Expr
	schema *arrow.Schema
	root   *bnode
	cols   []int // the schema indices root reads
}

// bkind is how a bound node evaluates.
type bkind uint8

const (
	kCol     bkind = iota // the input's column col
	kLit                  // the constant lit
	kCall                 // Arrow's compute function fn(args...) with opts
	kCast                 // Arrow's safe cast of args[0] to typ
	kBetween              // args[1] <= args[0] && args[0] <= args[2], args[0] evaluated once
	kKernel               // a kernel of this package: kern(args...)
	kDict                 // args[0], a sub-expression of dictionary column col, computed as sub on its dictionary (dictionary.go)
)

// kernel is a hand-written operation (where arrow-go v18.8.0 has none). It gets its
// arguments as Datums (arrays, or scalars for literal operands), allocates its result with
// compute.GetAllocator(ctx), and returns a Datum the caller releases.
type kernel func(ctx context.Context, args []compute.Datum) (compute.Datum, error)

type bnode struct {
	src  Expr // what this node computes, for errors
	kind bkind
	typ  arrow.DataType
	col  int
	lit  scalar.Scalar
	weak bool // kLit from a Go int
	fn   string
	opts compute.FunctionOptions
	kern kernel
	args []*bnode
	sub  *bnode // kDict: args[0] over a batch of the dictionary's values
}

// Bind type-checks e against schema. Errors are *Error values naming the failing
// sub-expression and, where one is to blame, the column:
//
//	sluice: expr: Col("price").Mul("x"): multiply needs numbers: column "price" is int64, "x" is utf8
//	sluice: expr: Col("prize").Gt(10): no column "prize" (columns: price, qty)
func Bind(e Expr, schema *arrow.Schema) (*Bound, error) {
	b := &binder{schema: schema}
	root, err := b.bind(e, Expr{})
	if err != nil {
		return nil, err
	}
	var cols []int
	for _, name := range e.Columns() {
		cols = append(cols, schema.FieldIndices(name)[0])
	}
	return &Bound{expr: e, schema: schema, root: dictPaths(root, schema), cols: cols}, nil
}

// BindPredicate is Bind for a filter: e must be boolean (or a null literal).
func BindPredicate(e Expr, schema *arrow.Schema) (*Bound, error) {
	bd, err := Bind(e, schema)
	if err != nil {
		return nil, err
	}
	if id := bd.Type().ID(); id != arrow.BOOL && id != arrow.NULL {
		return nil, errorf(e, "", "a filter needs a boolean expression, this one is %s", bd.Type())
	}
	return bd, nil
}

// Expr is the expression that was bound.
func (b *Bound) Expr() Expr { return b.expr }

// Schema is the input schema it was bound to.
func (b *Bound) Schema() *arrow.Schema { return b.schema }

// Type is the type of Eval's result.
func (b *Bound) Type() arrow.DataType { return b.root.typ }

type binder struct {
	schema *arrow.Schema
}

// bind binds e, an argument of parent (the zero Expr at the root).
func (b *binder) bind(e Expr, parent Expr) (*bnode, error) {
	if e.n == nil {
		if parent.n == nil {
			return nil, errorf(e, "", "no expression")
		}
		return nil, errorf(parent, "", "an argument is the zero Expr")
	}
	n := e.n
	switch n.op {
	case OpCol:
		return b.column(e, parent)
	case OpLit:
		if n.lit.bad != "" {
			return nil, errorf(e, "", "Lit cannot hold a Go %s (see Lit for the types it takes)", n.lit.bad)
		}
		return &bnode{src: e, kind: kLit, typ: n.lit.typ, lit: n.lit.scalar(), weak: n.lit.weak}, nil
	}
	info, ok := ops[n.op]
	if !ok {
		return nil, errorf(e, "", "unknown op %q", n.op)
	}
	if info.args >= 0 && len(n.args) != info.args || info.args < 0 && len(n.args) < info.minArgs {
		return nil, errorf(e, "", "%s takes %s, got %d", info.method, arityText(info), len(n.args))
	}
	args := make([]*bnode, 0, len(n.args))
	for i, a := range n.args {
		if i >= len(n.args)-info.strArgs {
			break // string constants: checked by the op
		}
		x, err := b.bind(a, e)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	var (
		out *bnode
		err error
	)
	switch n.op {
	case OpAdd, OpSubtract, OpMultiply, OpDivide, OpMod:
		out, err = b.arithmetic(e, args[0], args[1])
	case OpEqual, OpNotEqual, OpLess, OpLessEqual, OpGreater, OpGreaterEqual:
		out, err = b.compare(e, n.op, args[0], args[1])
	case OpAnd, OpOr:
		out, err = b.logical(e, args)
	case OpNot:
		out, err = b.logical(e, args)
	case OpIsNull, OpIsNotNull:
		out = &bnode{src: e, kind: kKernel, typ: arrow.FixedWidthTypes.Boolean, kern: isNullKernel(n.op == OpIsNotNull), args: args}
	case OpFillNull:
		out, err = b.fillNull(e, args[0], args[1])
	case OpIsIn:
		out, err = b.isIn(e, args[0], args[1:])
	case OpBetween:
		out, err = b.between(e, args)
	case OpCast:
		out, err = b.cast(e, args[0], n.typ)
	case OpAlias:
		if n.name == "" {
			return nil, errorf(e, "", "Alias needs a name")
		}
		return strong(args[0]), nil
	case OpContains, OpStartsWith, OpEndsWith, OpLower, OpUpper, OpStrLen, OpReplace, OpSplit, OpRegexpMatch:
		out, err = b.stringOp(e, args[0], n.args[len(args):])
	case OpYear, OpMonth, OpDay, OpHour:
		out, err = b.temporal(e, args[0])
	case OpListLen:
		out, err = b.listLen(e, args[0])
	default:
		return nil, errorf(e, "", "op %q cannot be bound", n.op)
	}
	if err != nil {
		return nil, err
	}
	return fold(out)
}

func (b *binder) column(e, parent Expr) (*bnode, error) {
	at := parent
	if at.n == nil {
		at = e
	}
	name := e.n.name
	idx := b.schema.FieldIndices(name)
	switch len(idx) {
	case 0:
		return nil, errorf(at, name, "no column %q (columns: %s)", name, strings.Join(columnNames(b.schema), ", "))
	case 1:
	default:
		return nil, errorf(at, name, "%d columns are named %q", len(idx), name)
	}
	t := b.schema.Field(idx[0]).Type
	n := &bnode{src: e, kind: kCol, typ: t, col: idx[0]}
	if d, ok := t.(*arrow.DictionaryType); ok {
		// Every operation here reads the values; decode once, where the column is read.
		return &bnode{src: e, kind: kCast, typ: d.ValueType, args: []*bnode{n}}, nil
	}
	return n, nil
}

func columnNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// describe names an operand for an error message: `column "price" is int64`.
func describe(n *bnode) string {
	if n.src.n != nil && n.src.n.op == OpCol {
		return fmt.Sprintf("column %q is %s", n.src.n.name, n.typ)
	}
	return fmt.Sprintf("%s is %s", n.src, n.typ)
}

func blame(ns ...*bnode) string {
	for _, n := range ns {
		if n.src.n != nil && n.src.n.op == OpCol {
			return n.src.n.name
		}
	}
	return ""
}

var verbs = map[Op]string{OpAdd: "add", OpSubtract: "subtract", OpMultiply: "multiply", OpDivide: "divide", OpMod: "mod"}

func (b *binder) arithmetic(e Expr, l, r *bnode) (*bnode, error) {
	op := e.n.op
	l, r = adoptWeak(l, r), adoptWeak(r, l)
	l, r = adoptNull(l, r), adoptNull(r, l)
	verb := verbs[op]
	if isNumeric(l.typ) && isNumeric(r.typ) || isDecimal(l.typ) || isDecimal(r.typ) {
		if op == OpMod && (isDecimal(l.typ) || isDecimal(r.typ)) {
			return nil, errorf(e, blame(l, r), "mod needs integers or floats: %s, %s", describe(l), describe(r))
		}
		// Arrow's promotion: add's dispatch names the common type for every op (divide and
		// mod keep integers integers).
		fn := string(op)
		if op == OpMod {
			fn = "add"
		}
		types, err := dispatchTypes(fn, l.typ, r.typ)
		if err != nil {
			return nil, errorf(e, blame(l, r), "cannot %s: %s, %s", verb, describe(l), describe(r))
		}
		l, r = castTo(l, types[0]), castTo(r, types[1])
		if l == nil || r == nil {
			return nil, errorf(e, blame(l, r), "cannot %s: a literal does not fit the common type %s", verb, types[0])
		}
		out := &bnode{src: e, kind: kCall, fn: string(op), args: []*bnode{l, r}}
		switch {
		case isInteger(types[0]):
			out.kind, out.kern = kKernel, intArithKernel(op) // see there why not Arrow's
		case op == OpMod:
			out.kind, out.kern = kKernel, modFloatKernel
		case op == OpDivide && isFloat(types[0]):
			out.fn = "divide_unchecked" // IEEE 754: x/0 is ±Inf, not an error
		}
		return typed(out)
	}
	if isTemporal(l.typ) || isTemporal(r.typ) {
		if op != OpAdd && op != OpSubtract {
			return nil, errorf(e, blame(l, r), "cannot %s times: %s, %s", verb, describe(l), describe(r))
		}
		if _, err := dispatchTypes(string(op), l.typ, r.typ); err != nil {
			return nil, errorf(e, blame(l, r), "cannot %s: %s, %s", verb, describe(l), describe(r))
		}
		return typed(&bnode{src: e, kind: kCall, fn: string(op), args: []*bnode{l, r}})
	}
	return nil, errorf(e, blame(l, r), "%s needs numbers: %s, %s", verb, describe(l), describe(r))
}

func (b *binder) compare(e Expr, op Op, l, r *bnode) (*bnode, error) {
	l, r = adoptLiteral(l, r), adoptLiteral(r, l)
	l, r = adoptNull(l, r), adoptNull(r, l)
	if !comparable(l.typ, r.typ) {
		return nil, errorf(e, blame(l, r), "cannot compare %s with %s", describeType(l), describeType(r))
	}
	if lt, ok := l.typ.(*arrow.TimestampType); ok {
		if rt, ok := r.typ.(*arrow.TimestampType); ok && (lt.TimeZone == "") != (rt.TimeZone == "") {
			return nil, errorf(e, blame(l, r), "cannot compare %s with %s: one has a time zone, the other not (Cast one to the other's type)", describeType(l), describeType(r))
		}
	}
	types, err := dispatchTypes(string(op), l.typ, r.typ)
	if err != nil {
		return nil, errorf(e, blame(l, r), "cannot compare %s with %s: %s", describeType(l), describeType(r), cause(err))
	}
	l, r = castTo(l, types[0]), castTo(r, types[1])
	if l == nil || r == nil {
		return nil, errorf(e, blame(l, r), "cannot compare: a literal does not fit %s", types[0])
	}
	return typed(&bnode{src: e, kind: kCall, fn: string(op), args: []*bnode{l, r}})
}

// describeType is describe for "cannot compare X with Y" sentences.
func describeType(n *bnode) string {
	if n.src.n != nil && n.src.n.op == OpCol {
		return fmt.Sprintf("column %q (%s)", n.src.n.name, n.typ)
	}
	return fmt.Sprintf("%s (%s)", n.src, n.typ)
}

func (b *binder) logical(e Expr, args []*bnode) (*bnode, error) {
	for i, a := range args {
		if a.typ.ID() == arrow.NULL && a.kind == kLit {
			args[i] = &bnode{src: a.src, kind: kLit, typ: arrow.FixedWidthTypes.Boolean, lit: scalar.MakeNullScalar(arrow.FixedWidthTypes.Boolean)}
			continue
		}
		if a.typ.ID() != arrow.BOOL {
			return nil, errorf(e, blame(a), "%s needs booleans: %s", ops[e.n.op].method, describe(a))
		}
	}
	if e.n.op == OpNot {
		return &bnode{src: e, kind: kKernel, typ: arrow.FixedWidthTypes.Boolean, kern: notKernel, args: args}, nil
	}
	fn := "and_kleene"
	if e.n.op == OpOr {
		fn = "or_kleene"
	}
	// And(a, b, c) is and_kleene(and_kleene(a, b), c).
	out := args[0]
	for _, a := range args[1:] {
		out = &bnode{src: e, kind: kCall, typ: arrow.FixedWidthTypes.Boolean, fn: fn, args: []*bnode{out, a}}
	}
	return out, nil
}

func (b *binder) fillNull(e Expr, x, v *bnode) (*bnode, error) {
	v = adoptNull(v, x)
	if x.typ.ID() == arrow.NULL {
		x = &bnode{src: x.src, kind: kLit, typ: v.typ, lit: scalar.MakeNullScalar(v.typ)}
	}
	if v.kind == kLit {
		s, ok := exactCast(v.lit, x.typ)
		if !ok {
			return nil, errorf(e, blame(x), "the fill value %s does not fit %s", v.src, describeType(x))
		}
		v = &bnode{src: v.src, kind: kLit, typ: x.typ, lit: s}
	} else if !arrow.TypeEqual(v.typ, x.typ) {
		if !compute.CanCast(v.typ, x.typ) {
			return nil, errorf(e, blame(x, v), "cannot fill %s with %s", describe(x), describe(v))
		}
		v = &bnode{src: v.src, kind: kCast, typ: x.typ, args: []*bnode{v}}
	}
	if !fillable(x.typ) {
		return nil, errorf(e, blame(x), "FillNull does not support %s", describe(x))
	}
	return &bnode{src: e, kind: kKernel, typ: x.typ, kern: fillNullKernel, args: []*bnode{x, v}}, nil
}

func (b *binder) isIn(e Expr, x *bnode, values []*bnode) (*bnode, error) {
	if x.typ.ID() == arrow.NULL {
		return nil, errorf(e, "", "IsIn of a null literal")
	}
	bld := array.NewBuilder(memory.DefaultAllocator, x.typ)
	defer bld.Release()
	for i, v := range values {
		if v.kind != kLit {
			return nil, errorf(e, blame(v), "IsIn takes literal values, argument %d is %s", i+1, v.src)
		}
		if !v.lit.IsValid() {
			bld.AppendNull()
			continue
		}
		if !comparable(x.typ, v.typ) {
			return nil, errorf(e, blame(x), "cannot compare %s with %s", describeType(x), describeType(v))
		}
		s, ok := exactCast(v.lit, x.typ)
		if !ok {
			continue // not a value of x's type: it equals none of x's values
		}
		if err := appendScalar(bld, s); err != nil {
			return nil, errorf(e, blame(x), "IsIn does not support %s: %v", describe(x), err)
		}
	}
	set := bld.NewArray()
	out := &bnode{src: e, kind: kCall, fn: "is_in", args: []*bnode{x},
		opts: &compute.SetOptions{ValueSet: compute.NewDatumWithoutOwning(set), NullBehavior: compute.NullMatchingMatch}}
	bn, err := typed(out)
	if err != nil {
		return nil, errorf(e, blame(x), "IsIn does not support %s: %s", describe(x), cause(err))
	}
	return bn, nil
}

func (b *binder) between(e Expr, args []*bnode) (*bnode, error) {
	x, lo, hi := args[0], args[1], args[2]
	lo, hi = adoptLiteral(lo, x), adoptLiteral(hi, x)
	lo, hi = adoptNull(lo, x), adoptNull(hi, x)
	for _, bound := range []*bnode{lo, hi} {
		if !comparable(x.typ, bound.typ) {
			return nil, errorf(e, blame(x, bound), "cannot compare %s with %s", describeType(x), describeType(bound))
		}
	}
	// One common type for the three, so x is evaluated and cast once.
	t1, err := dispatchTypes("less_equal", x.typ, lo.typ)
	if err != nil {
		return nil, errorf(e, blame(x, lo), "cannot compare %s with %s: %s", describeType(x), describeType(lo), cause(err))
	}
	t2, err := dispatchTypes("less_equal", t1[0], hi.typ)
	if err != nil {
		return nil, errorf(e, blame(x, hi), "cannot compare %s with %s: %s", describeType(x), describeType(hi), cause(err))
	}
	common := t2[0]
	x, lo, hi = castTo(x, common), castTo(lo, common), castTo(hi, common)
	if x == nil || lo == nil || hi == nil {
		return nil, errorf(e, "", "cannot compare: a bound does not fit %s", common)
	}
	out := &bnode{src: e, kind: kBetween, typ: arrow.FixedWidthTypes.Boolean, args: []*bnode{x, lo, hi}}
	return out, nil
}

func (b *binder) cast(e Expr, x *bnode, to arrow.DataType) (*bnode, error) {
	if to == nil {
		return nil, errorf(e, "", "Cast needs a type")
	}
	if arrow.TypeEqual(x.typ, to) {
		return strong(x), nil // Cast fixes the type: Lit(3).Cast(int64) is no longer a Go int
	}
	if !compute.CanCast(x.typ, to) {
		return nil, errorf(e, blame(x), "cannot cast %s to %s", describeType(x), to)
	}
	return typed(&bnode{src: e, kind: kCast, typ: to, args: []*bnode{x}})
}

func (b *binder) stringOp(e Expr, x *bnode, consts []Expr) (*bnode, error) {
	if x.typ.ID() == arrow.NULL && x.kind == kLit {
		x = &bnode{src: x.src, kind: kLit, typ: arrow.BinaryTypes.String, lit: scalar.MakeNullScalar(arrow.BinaryTypes.String)}
	}
	id := x.typ.ID()
	if id != arrow.STRING && id != arrow.LARGE_STRING {
		return nil, errorf(e, blame(x), "%s needs strings (utf8 or large_utf8): %s", ops[e.n.op].method, describe(x))
	}
	strs := make([]string, len(consts))
	for i, c := range consts {
		if c.n == nil || c.n.op != OpLit || c.n.lit.typ == nil || c.n.lit.typ.ID() != arrow.STRING || c.n.lit.val == nil {
			return nil, errorf(e, "", "argument %d of %s must be a string constant, got %s", i+1, ops[e.n.op].method, c)
		}
		strs[i] = c.n.lit.val.(string)
	}
	k, t, err := stringKernel(e.n.op, x.typ, strs)
	if err != nil {
		return nil, errorf(e, "", "%v", err)
	}
	return &bnode{src: e, kind: kKernel, typ: t, kern: k, args: []*bnode{x}}, nil
}

func (b *binder) temporal(e Expr, x *bnode) (*bnode, error) {
	k, err := temporalKernel(e.n.op, x.typ)
	if err != nil {
		return nil, errorf(e, blame(x), "%v: %s", err, describe(x))
	}
	return &bnode{src: e, kind: kKernel, typ: arrow.PrimitiveTypes.Int64, kern: k, args: []*bnode{x}}, nil
}

func (b *binder) listLen(e Expr, x *bnode) (*bnode, error) {
	t, ok := listLenType(x.typ)
	if !ok {
		return nil, errorf(e, blame(x), "ListLen needs a list: %s", describe(x))
	}
	return &bnode{src: e, kind: kKernel, typ: t, kern: listLenKernel, args: []*bnode{x}}, nil
}

// dispatchTypes are the argument types Arrow's function fn converts its arguments to.
func dispatchTypes(fn string, types ...arrow.DataType) ([]arrow.DataType, error) {
	f, ok := compute.GetFunctionRegistry().GetFunction(fn)
	if !ok {
		return nil, fmt.Errorf("no Arrow function %q", fn)
	}
	types = append([]arrow.DataType(nil), types...)
	if _, err := f.DispatchBest(types...); err != nil {
		return nil, err
	}
	return types, nil
}

// castTo is n as type t: n itself, a converted literal (nil when the literal does not fit
// t exactly), or a cast node.
func castTo(n *bnode, t arrow.DataType) *bnode {
	if n == nil || arrow.TypeEqual(n.typ, t) {
		return n
	}
	if n.kind == kLit {
		s, ok := exactCast(n.lit, t)
		if !ok {
			return nil
		}
		return &bnode{src: n.src, kind: kLit, typ: t, lit: s}
	}
	return &bnode{src: n.src, kind: kCast, typ: t, args: []*bnode{n}}
}

// strong is n without the weak mark: only a bare Lit(int) adopts the other operand's type.
func strong(n *bnode) *bnode {
	if !n.weak {
		return n
	}
	c := *n
	c.weak = false
	return &c
}

// adoptWeak gives a Go int literal the other operand's numeric type when it fits exactly.
func adoptWeak(n, other *bnode) *bnode {
	if n.kind != kLit || !n.weak || !isNumeric(other.typ) || other.kind == kLit && other.weak {
		return n
	}
	if s, ok := exactCast(n.lit, other.typ); ok {
		return &bnode{src: n.src, kind: kLit, typ: other.typ, lit: s}
	}
	return n
}

// adoptLiteral gives a literal compared with a non-literal the other side's type when it
// converts exactly: a comparison's result does not depend on the type it is made in, and
// converting one value beats converting a column.
func adoptLiteral(n, other *bnode) *bnode {
	if n.kind != kLit || other.kind == kLit || arrow.TypeEqual(n.typ, other.typ) || !n.lit.IsValid() {
		return n
	}
	if s, ok := exactCast(n.lit, other.typ); ok {
		return &bnode{src: n.src, kind: kLit, typ: other.typ, lit: s}
	}
	return n
}

// adoptNull gives a null literal the other operand's type.
func adoptNull(n, other *bnode) *bnode {
	if n.kind == kLit && n.typ.ID() == arrow.NULL && other.typ.ID() != arrow.NULL {
		return &bnode{src: n.src, kind: kLit, typ: other.typ, lit: scalar.MakeNullScalar(other.typ)}
	}
	return n
}

// typed fills in n's output type by evaluating it on empty arrays (literal arguments as
// they are), which also checks that Arrow has a kernel for it.
func typed(n *bnode) (*bnode, error) {
	d, err := dryRun(n)
	if err != nil {
		return nil, wrap(n.src, err)
	}
	defer d.Release()
	n.typ = datumType(d)
	return n, nil
}

// fold replaces a node whose arguments are all literals by the literal it computes.
func fold(n *bnode) (*bnode, error) {
	if n.kind == kLit || n.kind == kCol || len(n.args) == 0 {
		return n, nil
	}
	for _, a := range n.args {
		if a.kind != kLit {
			return n, nil
		}
	}
	d, err := dryRun(n)
	if err != nil {
		return nil, wrap(n.src, err)
	}
	defer d.Release()
	var s scalar.Scalar
	switch d := d.(type) {
	case *compute.ScalarDatum:
		s = d.Value
	case *compute.ArrayDatum:
		arr := d.MakeArray()
		defer arr.Release()
		if arr.Len() != 1 {
			return nil, errorf(n.src, "", "a constant evaluated to %d values", arr.Len())
		}
		if s, err = scalar.GetScalar(arr, 0); err != nil {
			return nil, wrap(n.src, err)
		}
	default:
		return nil, errorf(n.src, "", "a constant evaluated to a %s", d.Kind())
	}
	if r, ok := s.(scalar.Releasable); ok {
		r.Retain() // the Bound keeps it past d.Release
	}
	return &bnode{src: n.src, kind: kLit, typ: s.DataType(), lit: s}, nil
}

// dryRun evaluates n with literal arguments as they are and every other argument an empty
// array of its type: the result's type is n's; with literals only, its value is n's.
func dryRun(n *bnode) (compute.Datum, error) {
	ctx := compute.WithAllocator(context.Background(), memory.DefaultAllocator)
	args := make([]compute.Datum, len(n.args))
	allLit := true
	for _, a := range n.args {
		allLit = allLit && a.kind == kLit
	}
	for i, a := range n.args {
		switch {
		case a.kind == kLit:
			args[i] = compute.NewDatum(a.lit)
		default:
			arr := array.MakeArrayOfNull(memory.DefaultAllocator, a.typ, 0)
			args[i] = compute.NewDatum(arr)
			arr.Release()
		}
	}
	if allLit && n.kind == kKernel {
		// Kernels take arrays: a one-row array of each literal.
		for i, a := range n.args {
			arr, err := scalar.MakeArrayFromScalar(a.lit, 1, memory.DefaultAllocator)
			if err != nil {
				releaseAll(args)
				return nil, err
			}
			args[i].Release()
			args[i] = compute.NewDatum(arr)
			arr.Release()
		}
	}
	defer releaseAll(args)
	return apply(ctx, n, args)
}

func releaseAll(ds []compute.Datum) {
	for _, d := range ds {
		if d != nil {
			d.Release()
		}
	}
}

func datumType(d compute.Datum) arrow.DataType {
	switch d := d.(type) {
	case *compute.ScalarDatum:
		return d.Type()
	case *compute.ArrayDatum:
		return d.Type()
	}
	return arrow.Null
}
