package expr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// The JSON form of an expression is one object per node:
//
//	{"col": "price"}                                   Col("price")
//	{"lit": 10, "type": "int"}                         Lit(10): a Go int (see Lit)
//	{"lit": 10, "type": "int64"}                       Lit(int64(10))
//	{"lit": null, "type": "null"}                      Lit(nil)
//	{"lit": "NaN", "type": "float64"}                  Lit(math.NaN()) ("Inf", "-Inf" too)
//	{"lit": "aGk=", "type": "binary"}                  Lit([]byte("hi")): base64
//	{"lit": "2024-01-02T03:04:05.000000006Z", "type": "timestamp[ns, tz=UTC]"}
//	{"lit": "2024-01-02", "type": "date32"}            Date(2024, time.January, 2)
//	{"op": "greater", "args": [{"col": "a"}, {"lit": 1, "type": "int"}]}
//	{"op": "cast", "args": [...], "type": "int32"}     Cast(arrow.PrimitiveTypes.Int32)
//	{"op": "alias", "args": [...], "name": "total"}    Alias("total")
//
// "op" is one of the Op constants; "args" are its arguments in the order the method takes
// them, receiver first (string patterns are utf8 literals). Integers are exact decimal
// numbers, floats the shortest decimal that reads back to the same value. Type names are
// arrow-go's DataType.String() (see parseType).

type wireExpr struct {
	Col  *string           `json:"col,omitempty"`
	Lit  json.RawMessage   `json:"lit,omitempty"`
	Op   Op                `json:"op,omitempty"`
	Args []json.RawMessage `json:"args,omitempty"`
	Type string            `json:"type,omitempty"`
	Name string            `json:"name,omitempty"`
}

// MarshalJSON writes e's JSON form. An invalid literal (a Go value Lit does not take) or a
// Cast to a type the form cannot name is an error.
func (e Expr) MarshalJSON() ([]byte, error) {
	n := e.n
	if n == nil {
		return []byte("null"), nil
	}
	var w wireExpr
	switch n.op {
	case OpCol:
		name := n.name
		w.Col = &name
	case OpLit:
		if n.lit.bad != "" {
			return nil, fmt.Errorf("sluice: expr: %s: a literal of Go type %s has no JSON form", e, n.lit.bad)
		}
		v, err := n.lit.jsonValue()
		if err != nil {
			return nil, err
		}
		w.Lit, w.Type = v, n.lit.typ.String()
		if n.lit.weak {
			w.Type = "int"
		}
	default:
		w.Op, w.Name = n.op, n.name
		if n.typ != nil {
			name, ok := typeName(n.typ)
			if !ok {
				return nil, fmt.Errorf("sluice: expr: %s: type %s has no JSON form", e, n.typ)
			}
			w.Type = name
		}
		for _, a := range n.args {
			b, err := a.MarshalJSON()
			if err != nil {
				return nil, err
			}
			w.Args = append(w.Args, b)
		}
		if w.Args == nil {
			w.Args = []json.RawMessage{}
		}
	}
	return json.Marshal(w)
}

func (l literal) jsonValue() (json.RawMessage, error) {
	if l.val == nil {
		return json.RawMessage("null"), nil
	}
	var v any
	switch l.typ.ID() {
	case arrow.FLOAT32, arrow.FLOAT64:
		f := l.val.(float64)
		switch {
		case math.IsNaN(f):
			v = "NaN"
		case math.IsInf(f, 1):
			v = "Inf"
		case math.IsInf(f, -1):
			v = "-Inf"
		default:
			bits := 64
			if l.typ.ID() == arrow.FLOAT32 {
				bits = 32
			}
			return json.RawMessage(strconv.FormatFloat(f, 'g', -1, bits)), nil
		}
	case arrow.BINARY:
		v = base64.StdEncoding.EncodeToString([]byte(l.val.(string)))
	case arrow.TIMESTAMP:
		v = time.Unix(0, l.val.(int64)).UTC().Format(time.RFC3339Nano)
	case arrow.DATE32:
		v = time.Unix(l.val.(int64)*86400, 0).UTC().Format(time.DateOnly)
	default:
		v = l.val // bool, int64, uint64, string
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads the JSON form MarshalJSON writes. Unknown ops, types and fields, a
// wrong number of arguments, and values that do not fit their type are errors.
func (e *Expr) UnmarshalJSON(b []byte) error {
	x, err := decodeExpr(b, "$")
	if err != nil {
		return err
	}
	*e = x
	return nil
}

// decodeExpr reads one node at path (a JSONPath-like name for errors: $.args[1]).
func decodeExpr(b []byte, path string) (Expr, error) {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return Expr{}, nil
	}
	fail := func(format string, args ...any) (Expr, error) {
		return Expr{}, fmt.Errorf("sluice: expr: JSON %s: %s", path, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var w wireExpr
	if err := dec.Decode(&w); err != nil {
		return fail("%v", err)
	}
	switch {
	case w.Col != nil:
		if w.Lit != nil || w.Op != "" || w.Args != nil || w.Type != "" || w.Name != "" {
			return fail("a column has only \"col\"")
		}
		return Col(*w.Col), nil
	case w.Op == "":
		if w.Type == "" {
			return fail("want \"col\", \"op\", or \"lit\" with \"type\"")
		}
		if w.Args != nil || w.Name != "" {
			return fail("a literal has only \"lit\" and \"type\"")
		}
		l, err := decodeLiteral(w.Lit, w.Type)
		if err != nil {
			return fail("%v", err)
		}
		return Expr{&node{op: OpLit, lit: l}}, nil
	}
	info, ok := ops[w.Op]
	if !ok {
		return fail("unknown op %q", w.Op)
	}
	if w.Lit != nil {
		return fail("an op has no \"lit\"")
	}
	if info.args >= 0 && len(w.Args) != info.args || info.args < 0 && len(w.Args) < info.minArgs {
		return fail("%s takes %s, got %d", w.Op, arityText(info), len(w.Args))
	}
	n := &node{op: w.Op}
	switch w.Op {
	case OpCast:
		t, err := parseType(w.Type)
		if err != nil {
			return fail("%v", err)
		}
		n.typ = t
	case OpAlias:
		n.name = w.Name
	}
	if w.Op != OpCast && w.Type != "" || w.Op != OpAlias && w.Name != "" {
		return fail("%s has no \"type\" or \"name\"", w.Op)
	}
	for i, a := range w.Args {
		x, err := decodeExpr(a, fmt.Sprintf("%s.args[%d]", path, i))
		if err != nil {
			return Expr{}, err
		}
		if x.IsZero() {
			return fail("args[%d] is null", i)
		}
		n.args = append(n.args, x)
	}
	return Expr{n}, nil
}

func arityText(info opInfo) string {
	switch {
	case info.args == 1:
		return "1 argument"
	case info.args > 1:
		return fmt.Sprintf("%d arguments", info.args)
	}
	return fmt.Sprintf("at least %d arguments", info.minArgs)
}

func decodeLiteral(raw json.RawMessage, typeName string) (literal, error) {
	weak := typeName == "int"
	if weak {
		typeName = "int64"
	}
	t, err := parseType(typeName)
	if err != nil {
		return literal{}, err
	}
	l := literal{typ: t, weak: weak}
	if raw == nil || bytes.Equal(raw, []byte("null")) {
		if t.ID() != arrow.NULL && !isLiteralType(t) {
			return literal{}, fmt.Errorf("a literal cannot have type %s", t)
		}
		return l, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return literal{}, err
	}
	bad := fmt.Errorf("%s is not a %s value", raw, t)
	num, isNum := v.(json.Number)
	str, isStr := v.(string)
	switch t.ID() {
	case arrow.BOOL:
		b, ok := v.(bool)
		if !ok {
			return literal{}, bad
		}
		l.val = b
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		if !isNum {
			return literal{}, bad
		}
		i, err := strconv.ParseInt(string(num), 10, t.(arrow.FixedWidthDataType).BitWidth())
		if err != nil {
			return literal{}, bad
		}
		l.val = i
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		if !isNum {
			return literal{}, bad
		}
		u, err := strconv.ParseUint(string(num), 10, t.(arrow.FixedWidthDataType).BitWidth())
		if err != nil {
			return literal{}, bad
		}
		l.val = u
	case arrow.FLOAT32, arrow.FLOAT64:
		bits := t.(arrow.FixedWidthDataType).BitWidth()
		switch {
		case isNum:
			f, err := strconv.ParseFloat(string(num), bits)
			if err != nil {
				return literal{}, bad
			}
			l.val = f
		case str == "NaN":
			l.val = math.NaN()
		case str == "Inf":
			l.val = math.Inf(1)
		case str == "-Inf":
			l.val = math.Inf(-1)
		default:
			return literal{}, bad
		}
	case arrow.STRING:
		if !isStr {
			return literal{}, bad
		}
		l.val = str
	case arrow.BINARY:
		b, err := base64.StdEncoding.DecodeString(str)
		if !isStr || err != nil {
			return literal{}, bad
		}
		l.val = string(b)
	case arrow.TIMESTAMP:
		tt, err := time.Parse(time.RFC3339Nano, str)
		if !isStr || err != nil || !arrow.TypeEqual(t, timestampNS) {
			return literal{}, bad
		}
		l.val = tt.UnixNano()
	case arrow.DATE32:
		d, err := time.Parse(time.DateOnly, str)
		if !isStr || err != nil {
			return literal{}, bad
		}
		l.val = d.Unix() / 86400
	default:
		return literal{}, fmt.Errorf("a literal cannot have type %s", t)
	}
	return l, nil
}

// isLiteralType says whether Lit makes literals of type t.
func isLiteralType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.BINARY, arrow.DATE32:
		return true
	case arrow.TIMESTAMP:
		return arrow.TypeEqual(t, timestampNS)
	}
	return false
}
