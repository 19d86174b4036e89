package expr

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -run %s -update and review the diff):\n%s", path, t.Name(), got)
	}
}

// examples cover every op, every literal kind and the printing of operands.
var examples = []Expr{
	Col("a"),
	Lit(10), Lit(int8(-3)), Lit(int64(1) << 40), Lit(uint16(7)), Lit(1.5), Lit(2.0), Lit(float32(0.25)),
	Lit(math.NaN()), Lit(math.Inf(-1)), Lit("x \"q\""), Lit([]byte("hi")), Lit(true), Lit(nil),
	Lit(time.Date(2024, 3, 1, 12, 30, 0, 5, time.UTC)), Date(2024, time.February, 29),
	Col("a").Mul(Col("b")).Add(Col("c")).Gt(10).And(Col("d").Ne(int64(3))),
	Col("a").Sub(1).Div(2).Mod(3),
	Lit(1).Add(Col("a")),
	Col("a").Eq(1).Or(Col("a").Lt(0), Col("b").Le(2.5)),
	And(Col("a").Ge(1), Col("b").IsNull(), Col("c").IsNotNull()),
	Not(Col("flag")),
	Col("a").FillNull(0).Between(1, 10),
	Col("a").IsIn(1, 2, nil),
	Col("s").IsIn("x", "y"),
	Col("a").Cast(arrow.PrimitiveTypes.Float32),
	Col("t").Cast(&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}),
	Col("a").Mul(2).Alias("twice"),
	Col("s").Contains("ab").Or(Col("s").StartsWith("x"), Col("s").EndsWith("y")),
	Col("s").Lower().Upper().StrLen(),
	Col("s").Replace("a", "b").Split(",").ListLen(),
	Col("s").RegexpMatch(`^k\d+$`),
	Col("t").Year().Add(Col("t").Month()).Add(Col("t").Day()).Add(Col("t").Hour()),
	Col("l").ListLen().Gt(0),
	Col("t").Gt(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)),
}

func TestStringAndJSONGolden(t *testing.T) {
	var b strings.Builder
	for _, e := range examples {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		b.WriteString(e.String() + "\n    " + string(j) + "\n")
	}
	golden(t, "examples.golden", b.String())
}

func TestJSONRoundTrip(t *testing.T) {
	check := func(e Expr) {
		t.Helper()
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		var back Expr
		if err := json.Unmarshal(j, &back); err != nil {
			t.Fatalf("%s: %s: %v", e, j, err)
		}
		if !back.Equal(e) || back.String() != e.String() {
			t.Fatalf("round trip of %s through %s gave %s", e, j, back)
		}
	}
	for _, e := range examples {
		check(e)
	}
	eg := &exprGen{r: newBatchGen(*seed).r}
	for range 3000 {
		check(eg.any(1 + eg.r.IntN(5)))
	}
}

func TestJSONErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"op":"frobnicate","args":[]}`, `unknown op "frobnicate"`},
		{`{"op":"add","args":[{"col":"a"}]}`, "add takes 2 arguments, got 1"},
		{`{"op":"and","args":[{"col":"a"}]}`, "and takes at least 2 arguments, got 1"},
		{`{"lit":300,"type":"int8"}`, "300 is not a int8 value"},
		{`{"lit":1.5,"type":"int64"}`, "1.5 is not a int64 value"},
		{`{"lit":"x","type":"decimal(10, 2)"}`, "a literal cannot have type decimal(10, 2)"},
		{`{"lit":1,"type":"int33"}`, `unknown type "int33"`},
		{`{"col":"a","extra":1}`, `unknown field "extra"`},
		{`{"col":"a","type":"int64"}`, `a column has only "col"`},
		{`{"op":"cast","args":[{"col":"a"}],"type":"timestamp[weeks]"}`, `unknown type "timestamp[weeks]"`},
		{`{"op":"not","args":[{"op":"add","args":[{"col":"a"},null]}]}`, "JSON $.args[0]: args[1] is null"},
	}
	for _, c := range cases {
		var e Expr
		err := json.Unmarshal([]byte(c.in), &e)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.in, err, c.want)
		}
	}
	if _, err := json.Marshal(Lit(struct{}{})); err == nil || !strings.Contains(err.Error(), "has no JSON form") {
		t.Errorf("marshal of a bad literal: %v", err)
	}
}

func TestEqual(t *testing.T) {
	for i, a := range examples {
		for j, b := range examples {
			if got := a.Equal(b); got != (i == j) {
				t.Errorf("%s.Equal(%s) = %v", a, b, got)
			}
		}
	}
	// Equal is structural: a rebuilt expression is equal, a literal's type counts.
	if !Col("a").Add(1).Equal(Col("a").Add(1)) || Col("a").Add(1).Equal(Col("a").Add(int64(1))) {
		t.Error("Equal does not compare structure and literal types")
	}
	if !Lit(math.NaN()).Equal(Lit(math.NaN())) || Lit(0.0).Equal(Lit(math.Copysign(0, -1))) {
		t.Error("Equal: NaN should equal NaN, 0 should not equal -0")
	}
	if !(Expr{}).Equal(Expr{}) || (Expr{}).Equal(Col("a")) {
		t.Error("Equal of zero Exprs")
	}
}

func TestColumnsConjunctsOutputName(t *testing.T) {
	e := Col("a").Mul(Col("b")).Add(Col("a")).Gt(10).And(Col("d").Ne(3), Col("b").IsIn(1).Or(Col("e").IsNull()))
	if got, want := e.Columns(), []string{"a", "b", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("Columns = %v, want %v", got, want)
	}
	var cs []string
	for _, c := range e.Conjuncts() {
		cs = append(cs, c.String())
	}
	if want := []string{`Col("a").Mul(Col("b")).Add(Col("a")).Gt(10)`, `Col("d").Ne(3)`, `Col("b").IsIn(1).Or(Col("e").IsNull())`}; !slices.Equal(cs, want) {
		t.Errorf("Conjuncts = %q, want %q", cs, want)
	}
	for _, c := range []struct {
		e    Expr
		name string
		ok   bool
	}{
		{Col("a"), "a", true},
		{Col("a").Mul(Col("b")), "a", true},
		{Col("a").Mul(2).Alias("x"), "x", true},
		{Lit(1).Add(2), "", false},
	} {
		if name, ok := c.e.OutputName(); name != c.name || ok != c.ok {
			t.Errorf("%s.OutputName() = %q, %v", c.e, name, ok)
		}
	}
}
