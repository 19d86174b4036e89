package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// String prints e as the Go that builds it, without the package name:
//
//	Col("a").Mul(Col("b")).Add(Col("c")).Gt(10).And(Col("d").Ne(int64(3)))
//
// Literals in operand position print as bare Go values (10, int64(3), "x", nil), a literal
// receiver as Lit(...). The zero Expr prints as "<nil>".
func (e Expr) String() string {
	var b strings.Builder
	e.print(&b, false)
	return b.String()
}

// print writes e; operand says whether e stands where a method takes `any`, so a literal
// may print as a bare Go value.
func (e Expr) print(b *strings.Builder, operand bool) {
	n := e.n
	switch {
	case n == nil:
		b.WriteString("<nil>")
		return
	case n.op == OpCol:
		fmt.Fprintf(b, "Col(%q)", n.name)
		return
	case n.op == OpLit:
		if n.lit.typ != nil && n.lit.typ.ID() == arrow.DATE32 && n.lit.val != nil {
			t := time.Unix(n.lit.val.(int64)*86400, 0).UTC()
			fmt.Fprintf(b, "Date(%d, time.%s, %d)", t.Year(), t.Month(), t.Day())
			return
		}
		if operand {
			b.WriteString(n.lit.goString())
		} else {
			fmt.Fprintf(b, "Lit(%s)", n.lit.goString())
		}
		return
	}
	info, known := ops[n.op]
	if !known {
		fmt.Fprintf(b, "<op %q>(", n.op)
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			a.print(b, false)
		}
		b.WriteString(")")
		return
	}
	if len(n.args) == 0 {
		fmt.Fprintf(b, "%s()", info.method) // a malformed expression (from JSON): Bind says so
		return
	}
	n.args[0].print(b, false)
	b.WriteString("." + info.method + "(")
	for i, a := range n.args[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		strArg := i >= len(n.args)-1-info.strArgs
		if strArg && a.n != nil && a.n.op == OpLit && a.n.lit.typ != nil && a.n.lit.typ.ID() == arrow.STRING && a.n.lit.val != nil {
			b.WriteString(strconv.Quote(a.n.lit.val.(string)))
			continue
		}
		a.print(b, true)
	}
	switch n.op {
	case OpCast:
		b.WriteString(goType(n.typ))
	case OpAlias:
		b.WriteString(strconv.Quote(n.name))
	}
	b.WriteString(")")
}

// goString is the literal as a Go value of its type: 10, int64(10), 1.5, float32(1.5),
// "x", []byte("x"), true, nil, time.Date(...).
func (l literal) goString() string {
	if l.bad != "" {
		return "<" + l.bad + ">"
	}
	if l.val == nil {
		return "nil"
	}
	switch l.typ.ID() {
	case arrow.BOOL:
		return strconv.FormatBool(l.val.(bool))
	case arrow.INT64:
		if l.weak {
			return strconv.FormatInt(l.val.(int64), 10)
		}
		return fmt.Sprintf("int64(%d)", l.val)
	case arrow.INT8, arrow.INT16, arrow.INT32:
		return fmt.Sprintf("%s(%d)", l.typ, l.val)
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return fmt.Sprintf("%s(%d)", l.typ, l.val)
	case arrow.FLOAT64:
		return goFloat(l.val.(float64), 64)
	case arrow.FLOAT32:
		return "float32(" + goFloat(l.val.(float64), 32) + ")"
	case arrow.STRING:
		return strconv.Quote(l.val.(string))
	case arrow.BINARY:
		return "[]byte(" + strconv.Quote(l.val.(string)) + ")"
	case arrow.TIMESTAMP:
		t := time.Unix(0, l.val.(int64)).UTC()
		return fmt.Sprintf("time.Date(%d, time.%s, %d, %d, %d, %d, %d, time.UTC)",
			t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond())
	}
	return fmt.Sprint(l.val)
}

// goFloat prints f so that Go reads it back as a float of the same value: 1.0, not 1.
func goFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "math.NaN()"
	case math.IsInf(f, 1):
		return "math.Inf(1)"
	case math.IsInf(f, -1):
		return "math.Inf(-1)"
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}
