package expr

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// Op names an expression's operation. The names are the "op" values of the JSON form and,
// where Arrow has the operation, Arrow's compute function names.
type Op string

// The operations. Col and Lit are leaves; every other op has arguments (see the methods of
// Expr for their meaning).
const (
	OpCol          Op = "col"
	OpLit          Op = "lit"
	OpAdd          Op = "add"
	OpSubtract     Op = "subtract"
	OpMultiply     Op = "multiply"
	OpDivide       Op = "divide"
	OpMod          Op = "mod"
	OpEqual        Op = "equal"
	OpNotEqual     Op = "not_equal"
	OpLess         Op = "less"
	OpLessEqual    Op = "less_equal"
	OpGreater      Op = "greater"
	OpGreaterEqual Op = "greater_equal"
	OpAnd          Op = "and"
	OpOr           Op = "or"
	OpNot          Op = "not"
	OpIsNull       Op = "is_null"
	OpIsNotNull    Op = "is_not_null"
	OpFillNull     Op = "fill_null"
	OpIsIn         Op = "is_in"
	OpBetween      Op = "between"
	OpCast         Op = "cast"
	OpAlias        Op = "alias"
	OpContains     Op = "contains"
	OpStartsWith   Op = "starts_with"
	OpEndsWith     Op = "ends_with"
	OpLower        Op = "lower"
	OpUpper        Op = "upper"
	OpStrLen       Op = "str_len"
	OpReplace      Op = "replace"
	OpSplit        Op = "split"
	OpRegexpMatch  Op = "regexp_match"
	OpYear         Op = "year"
	OpMonth        Op = "month"
	OpDay          Op = "day"
	OpHour         Op = "hour"
	OpListLen      Op = "list_len"
)

// opInfo is what printing, parsing and binding need to know of an op.
type opInfo struct {
	method string // the Expr method that builds it, as String prints it
	// args is the number of arguments, -1 for any number (And, Or, IsIn: at least minArgs).
	args    int
	minArgs int
	// strArgs is how many trailing arguments are string constants (a pattern, a separator):
	// String prints them as Go strings and Bind requires string literals there.
	strArgs int
}

var ops = map[Op]opInfo{
	OpAdd:          {method: "Add", args: 2},
	OpSubtract:     {method: "Sub", args: 2},
	OpMultiply:     {method: "Mul", args: 2},
	OpDivide:       {method: "Div", args: 2},
	OpMod:          {method: "Mod", args: 2},
	OpEqual:        {method: "Eq", args: 2},
	OpNotEqual:     {method: "Ne", args: 2},
	OpLess:         {method: "Lt", args: 2},
	OpLessEqual:    {method: "Le", args: 2},
	OpGreater:      {method: "Gt", args: 2},
	OpGreaterEqual: {method: "Ge", args: 2},
	OpAnd:          {method: "And", args: -1, minArgs: 2},
	OpOr:           {method: "Or", args: -1, minArgs: 2},
	OpNot:          {method: "Not", args: 1},
	OpIsNull:       {method: "IsNull", args: 1},
	OpIsNotNull:    {method: "IsNotNull", args: 1},
	OpFillNull:     {method: "FillNull", args: 2},
	OpIsIn:         {method: "IsIn", args: -1, minArgs: 1},
	OpBetween:      {method: "Between", args: 3},
	OpCast:         {method: "Cast", args: 1},
	OpAlias:        {method: "Alias", args: 1},
	OpContains:     {method: "Contains", args: 2, strArgs: 1},
	OpStartsWith:   {method: "StartsWith", args: 2, strArgs: 1},
	OpEndsWith:     {method: "EndsWith", args: 2, strArgs: 1},
	OpLower:        {method: "Lower", args: 1},
	OpUpper:        {method: "Upper", args: 1},
	OpStrLen:       {method: "StrLen", args: 1},
	OpReplace:      {method: "Replace", args: 3, strArgs: 2},
	OpSplit:        {method: "Split", args: 2, strArgs: 1},
	OpRegexpMatch:  {method: "RegexpMatch", args: 2, strArgs: 1},
	OpYear:         {method: "Year", args: 1},
	OpMonth:        {method: "Month", args: 1},
	OpDay:          {method: "Day", args: 1},
	OpHour:         {method: "Hour", args: 1},
	OpListLen:      {method: "ListLen", args: 1},
}

// Expr is an expression over the columns of a record batch, held as data: a tree of
// operations over column references (Col) and constants (Lit). It prints as the Go that
// builds it (String), compares structurally (Equal), and has a JSON form (MarshalJSON) so
// a plan can ship it to another process.
//
// An Expr is an immutable value, safe to share between goroutines. Building one never
// fails: a bad literal or a missing argument is recorded and reported by Bind, which
// type-checks the expression against a schema before anything runs. The zero Expr is "no
// expression" (IsZero); methods called on it build expressions that Bind rejects.
//
// Operands of the methods are Exprs or Go values, which become literals: Col("a").Gt(10)
// is Col("a").Gt(Lit(10)).
type Expr struct{ n *node }

type node struct {
	op   Op
	name string         // OpCol: the column; OpAlias: the output name
	lit  literal        // OpLit
	typ  arrow.DataType // OpCast: the target type
	args []Expr
}

// Col refers to the column name of the input.
func Col(name string) Expr { return Expr{&node{op: OpCol, name: name}} }

// Lit is a constant. Accepted Go values, with the Arrow type each becomes:
//
//	nil                        null (adopts the type of the other operand)
//	bool                       bool
//	int                        int64, or the other operand's numeric type when the value
//	                           fits it exactly (Go's untyped constants: Col("i8").Add(1) is int8)
//	int8 ... int64, uint8 ... uint64, float32, float64   that type
//	string                     utf8;  []byte: binary
//	time.Time                  timestamp[ns, tz=UTC], the instant; compared with a
//	                           timestamp column it takes the column's unit and zone when
//	                           exact (a naive column reads it as UTC wall-clock time)
//	Date(y, m, d)              date32
//	Expr                       itself
//
// Any other value makes an Expr that Bind rejects, naming the value's type.
func Lit(v any) Expr {
	if e, ok := v.(Expr); ok {
		return e
	}
	return Expr{&node{op: OpLit, lit: newLiteral(v)}}
}

// operand is v as an expression: an Expr as it is, any other value as a literal.
func operand(v any) Expr { return Lit(v) }

func call(op Op, args ...Expr) Expr {
	return Expr{&node{op: op, args: args}}
}

// IsZero says whether e is the zero Expr (no expression).
func (e Expr) IsZero() bool { return e.n == nil }

// Op is the expression's operation ("" for the zero Expr).
func (e Expr) Op() Op {
	if e.n == nil {
		return ""
	}
	return e.n.op
}

// Args are the expression's arguments, in order (a copy).
func (e Expr) Args() []Expr {
	if e.n == nil {
		return nil
	}
	return slices.Clone(e.n.args)
}

// Name is the column of a Col, or the output name of an Alias; "" otherwise.
func (e Expr) Name() string {
	if e.n == nil {
		return ""
	}
	return e.n.name
}

// Value is the Go value of a Lit, as Lit normalized it (int64, uint64, float64, string,
// []byte, bool, time.Time, nil); nil for other expressions.
func (e Expr) Value() any {
	if e.n == nil || e.n.op != OpLit {
		return nil
	}
	return e.n.lit.goValue()
}

// Arithmetic. Types promote as Arrow's do (int32 + int64 is int64, an integer and a float
// is the float, int64 + uint64 is int64: a uint64 past math.MaxInt64 is then an error);
// integer overflow and integer division (or Mod) by zero are errors; floats follow IEEE
// 754 (x/0 is ±Inf, 0/0 NaN). Mod is Go's %: truncated, with the sign of the dividend
// (math.Mod for floats).

// Add is e + v.
func (e Expr) Add(v any) Expr { return call(OpAdd, e, operand(v)) }

// Sub is e - v.
func (e Expr) Sub(v any) Expr { return call(OpSubtract, e, operand(v)) }

// Mul is e * v.
func (e Expr) Mul(v any) Expr { return call(OpMultiply, e, operand(v)) }

// Div is e / v: integer division truncates, as Go's does.
func (e Expr) Div(v any) Expr { return call(OpDivide, e, operand(v)) }

// Mod is e % v.
func (e Expr) Mod(v any) Expr { return call(OpMod, e, operand(v)) }

// Comparisons are null when either side is null; NaN compares as IEEE 754 says (NaN != x
// is true, every other comparison with NaN false).

// Eq is e == v.
func (e Expr) Eq(v any) Expr { return call(OpEqual, e, operand(v)) }

// Ne is e != v.
func (e Expr) Ne(v any) Expr { return call(OpNotEqual, e, operand(v)) }

// Lt is e < v.
func (e Expr) Lt(v any) Expr { return call(OpLess, e, operand(v)) }

// Le is e <= v.
func (e Expr) Le(v any) Expr { return call(OpLessEqual, e, operand(v)) }

// Gt is e > v.
func (e Expr) Gt(v any) Expr { return call(OpGreater, e, operand(v)) }

// Ge is e >= v.
func (e Expr) Ge(v any) Expr { return call(OpGreaterEqual, e, operand(v)) }

// Between is lo <= e && e <= hi (both ends included), with e evaluated once.
func (e Expr) Between(lo, hi any) Expr { return call(OpBetween, e, operand(lo), operand(hi)) }

// And is e && v && ... in Kleene logic: false if any side is false, else null if any is
// null, else true.
func (e Expr) And(v any, more ...any) Expr { return And(append([]any{e, v}, more...)...) }

// Or is e || v || ... in Kleene logic: true if any side is true, else null if any is null,
// else false.
func (e Expr) Or(v any, more ...any) Expr { return Or(append([]any{e, v}, more...)...) }

// Not is !e (null stays null).
func (e Expr) Not() Expr { return call(OpNot, e) }

// And is the Kleene conjunction of two or more operands (see Expr.And).
func And(vs ...any) Expr { return call(OpAnd, operands(vs)...) }

// Or is the Kleene disjunction of two or more operands (see Expr.Or).
func Or(vs ...any) Expr { return call(OpOr, operands(vs)...) }

// Not is !e (see Expr.Not).
func Not(e Expr) Expr { return e.Not() }

func operands(vs []any) []Expr {
	es := make([]Expr, len(vs))
	for i, v := range vs {
		es[i] = operand(v)
	}
	return es
}

// IsNull is true where e is null (NaN is not null), never null itself.
func (e Expr) IsNull() Expr { return call(OpIsNull, e) }

// IsNotNull is true where e is not null, never null itself.
func (e Expr) IsNotNull() Expr { return call(OpIsNotNull, e) }

// FillNull is e with its nulls replaced by v (a literal, or an expression of e's type). A
// literal is cast to e's type, which must hold it exactly.
func (e Expr) FillNull(v any) Expr { return call(OpFillNull, e, operand(v)) }

// IsIn is true where e equals one of the literal values, false elsewhere, as Arrow's is_in:
// a null e is false unless nil is among the values (then it is true); the result is never
// null. NaN matches NaN.
func (e Expr) IsIn(values ...any) Expr {
	return call(OpIsIn, append([]Expr{e}, operands(values)...)...)
}

// Cast converts e to type t with Arrow's safe cast: a value that does not fit (an overflow,
// a truncated float, a string that does not parse) is an error.
func (e Expr) Cast(t arrow.DataType) Expr {
	x := call(OpCast, e)
	x.n.typ = t
	return x
}

// Alias names e's output column (Select and WithColumn use it); the values are e's.
func (e Expr) Alias(name string) Expr {
	x := call(OpAlias, e)
	x.n.name = name
	return x
}

// String functions take utf8 or large_utf8 operands (dictionary-encoded too) and are null
// where the operand is null. Patterns and separators are constants.

// Contains is true where e contains the substring sub.
func (e Expr) Contains(sub string) Expr { return call(OpContains, e, Lit(sub)) }

// StartsWith is true where e begins with prefix.
func (e Expr) StartsWith(prefix string) Expr { return call(OpStartsWith, e, Lit(prefix)) }

// EndsWith is true where e ends with suffix.
func (e Expr) EndsWith(suffix string) Expr { return call(OpEndsWith, e, Lit(suffix)) }

// Lower is e in lower case (Unicode, as strings.ToLower).
func (e Expr) Lower() Expr { return call(OpLower, e) }

// Upper is e in upper case (Unicode, as strings.ToUpper).
func (e Expr) Upper() Expr { return call(OpUpper, e) }

// StrLen is the number of Unicode code points of e (Arrow's utf8_length): int32 for utf8,
// int64 for large_utf8.
func (e Expr) StrLen() Expr { return call(OpStrLen, e) }

// Replace is e with every non-overlapping old replaced by new (strings.ReplaceAll).
func (e Expr) Replace(old, new string) Expr { return call(OpReplace, e, Lit(old), Lit(new)) }

// Split is the list of the parts of e between the separators (strings.Split): a list of e's
// string type.
func (e Expr) Split(sep string) Expr { return call(OpSplit, e, Lit(sep)) }

// RegexpMatch is true where the regular expression pattern (Go's RE2 syntax) matches
// somewhere in e; anchor it with ^ and $ to match the whole value.
func (e Expr) RegexpMatch(pattern string) Expr {
	return call(OpRegexpMatch, e, Lit(pattern))
}

// Temporal fields take timestamp (any unit; with a time zone, the fields are its local
// time there), date32 or date64 operands, and give int64, as Arrow's year, month, day and
// hour do. Hour of a date is an error.

// Year is e's year.
func (e Expr) Year() Expr { return call(OpYear, e) }

// Month is e's month, 1-12.
func (e Expr) Month() Expr { return call(OpMonth, e) }

// Day is e's day of the month, 1-31.
func (e Expr) Day() Expr { return call(OpDay, e) }

// Hour is e's hour, 0-23.
func (e Expr) Hour() Expr { return call(OpHour, e) }

// ListLen is the number of elements of each list of e (list, large_list or
// fixed_size_list): int32, or int64 for large_list; null where the list is null.
func (e Expr) ListLen() Expr { return call(OpListLen, e) }

// Equal says whether e and o are the same expression: the same operations over the same
// columns and literals (a literal's type counts: Lit(1) is not Lit(int64(1)); NaN equals
// NaN here).
func (e Expr) Equal(o Expr) bool {
	if e.n == nil || o.n == nil {
		return e.n == o.n
	}
	a, b := e.n, o.n
	if a == b {
		return true
	}
	if a.op != b.op || a.name != b.name || len(a.args) != len(b.args) {
		return false
	}
	if (a.typ == nil) != (b.typ == nil) || a.typ != nil && !arrow.TypeEqual(a.typ, b.typ) {
		return false
	}
	if a.op == OpLit && !a.lit.equal(b.lit) {
		return false
	}
	for i := range a.args {
		if !a.args[i].Equal(b.args[i]) {
			return false
		}
	}
	return true
}

// Columns lists the columns e reads, each once, in the order they first appear: what a
// reader must decode to evaluate e (projection pushdown, late materialization).
func (e Expr) Columns() []string {
	var cols []string
	e.walk(func(x Expr) {
		if x.n.op == OpCol && !slices.Contains(cols, x.n.name) {
			cols = append(cols, x.n.name)
		}
	})
	return cols
}

// walk calls fn on e and every expression under it, parents first.
func (e Expr) walk(fn func(Expr)) {
	if e.n == nil {
		return
	}
	fn(e)
	for _, a := range e.n.args {
		a.walk(fn)
	}
}

// OutputName is the name of the column e makes in Select: an Alias's name, else the first
// column e reads (Col("a").Mul(2) is "a", as Polars names it); ok is false for an
// expression of literals only, which needs an Alias.
func (e Expr) OutputName() (name string, ok bool) {
	if e.n == nil {
		return "", false
	}
	if e.n.op == OpAlias {
		return e.n.name, true
	}
	if cols := e.Columns(); len(cols) > 0 {
		return cols[0], true
	}
	return "", false
}

// Conjuncts splits e at its top-level Ands: And(a, And(b, c)) is [a, b, c]; anything else
// is [e]. A filter by e keeps a row exactly when every conjunct is true, so pushdown rules
// can place each conjunct on its own.
func (e Expr) Conjuncts() []Expr {
	if e.n == nil {
		return nil
	}
	if e.n.op != OpAnd {
		return []Expr{e}
	}
	var out []Expr
	for _, a := range e.n.args {
		out = append(out, a.Conjuncts()...)
	}
	return out
}
