package expr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

var shopSchema = arrow.NewSchema([]arrow.Field{
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "naive", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "big", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
}, nil)

// TestBindErrors prints what Bind says of expressions it must reject: each message names
// the failing sub-expression and, where one is to blame, the column.
func TestBindErrors(t *testing.T) {
	bad := []Expr{
		Col("price").Mul("x"),
		Col("prize").Gt(10),
		Col("price").Gt(10).And(Col("nme").Contains("a")),
		Col("name").Gt(1),
		Col("qty").Add(Col("at")),
		Col("price").And(true),
		Col("qty").Lower(),
		Col("name").Year(),
		Col("at").Hour().Add(Col("tags")),
		Col("qty").IsIn("a"),
		Col("qty").IsIn(Col("price")),
		Col("qty").FillNull(1.5),
		Col("qty").FillNull("none"),
		Col("tags").Cast(arrow.PrimitiveTypes.Int64),
		Col("name").RegexpMatch("("),
		Col("naive").Gt(Lit(mustTime("2024-01-01T00:00:00.000000001Z"))),
		Lit(1).Div(0),
		Lit(struct{}{}),
		Col("price").Gt(Expr{}),
		Col("tags").ListLen().Mod(Col("name")),
		Col("qty").Alias(""),
		Col("price").Cast(&arrow.Decimal128Type{Precision: 10, Scale: 2}).Mod(2),
	}
	var b strings.Builder
	for _, e := range bad {
		_, err := BindPredicate(e, shopSchema)
		if err == nil {
			t.Errorf("%s: Bind accepted it", e)
			continue
		}
		var xe *Error
		if !errors.As(err, &xe) {
			t.Errorf("%s: %T is not an *Error", e, err)
		}
		b.WriteString(err.Error())
		if xe != nil && xe.Column != "" {
			b.WriteString("   [column " + xe.Column + "]")
		}
		b.WriteString("\n")
	}
	golden(t, "bind_errors.golden", b.String())
}

// TestBindTypes pins the result types of the promotion rules.
func TestBindTypes(t *testing.T) {
	cases := []struct {
		e    Expr
		want string
	}{
		{Col("qty").Add(1), "int32"},
		{Col("qty").Add(int64(1)), "int64"},
		{Col("qty").Add(1.5), "float64"},
		{Col("qty").Add(Col("price")), "float64"},
		{Col("qty").Mul(Col("big")), "int64"},
		{Col("qty").Div(2), "int32"},
		{Col("qty").Mod(Lit(float32(2))), "float32"},
		{Col("price").Gt(Col("qty")), "bool"},
		{Col("name").StrLen(), "int32"},
		{Col("name").Split(","), "list<item: utf8, nullable>"},
		{Col("tags").ListLen(), "int32"},
		{Col("at").Year(), "int64"},
		{Col("at").Sub(Col("at")), "duration[us]"},
		{Col("qty").FillNull(0), "int32"},
		{Col("qty").Cast(arrow.BinaryTypes.String), "utf8"},
		{Lit(nil), "null"},
		{Lit(2).Mul(3), "int64"},
		{Col("qty").IsIn(1, 2.5), "bool"},
	}
	for _, c := range cases {
		bd, err := Bind(c.e, shopSchema)
		if err != nil {
			t.Errorf("%s: %v", c.e, err)
			continue
		}
		if got := bd.Type().String(); got != c.want {
			t.Errorf("%s: type %s, want %s", c.e, got, c.want)
		}
	}
}

// TestEvalErrors: failures at run time name the sub-expression.
func TestEvalErrors(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int8, Nullable: true}, {Name: "b", Type: arrow.PrimitiveTypes.Int8, Nullable: true}}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	bld.Field(0).(*array.Int8Builder).AppendValues([]int8{100, 1, -128}, nil)
	bld.Field(1).(*array.Int8Builder).AppendValues([]int8{100, 0, -1}, []bool{true, true, true})
	rec := bld.NewRecordBatch()
	defer rec.Release()
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{Col("a").Add(Col("b")).Gt(0), `sluice: expr: Col("a").Add(Col("b")): overflow`},
		{Col("a").Div(Col("b")), `sluice: expr: Col("a").Div(Col("b")): divide by zero`},
		{Col("a").Mod(Col("b")).IsNull(), `sluice: expr: Col("a").Mod(Col("b")): mod by zero`},
		{Col("a").Mul(Col("b")), `sluice: expr: Col("a").Mul(Col("b")): overflow`},
		{Col("a").Cast(arrow.PrimitiveTypes.Uint8), `sluice: expr: Col("a").Cast(arrow.PrimitiveTypes.Uint8): -128 (int8) does not fit uint8`},
	} {
		bd, err := Bind(c.e, schema)
		if err != nil {
			t.Fatal(err)
		}
		arr, err := bd.Eval(context.Background(), mem, rec)
		if err == nil {
			arr.Release()
			t.Errorf("%s: no error", c.e)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%s: %q, want %q", c.e, err, c.want)
		}
	}
	// A batch of another schema is refused, not misread.
	bd, _ := Bind(Col("b").Add(1), schema)
	other := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ob := array.NewRecordBuilder(mem, other)
	defer ob.Release()
	ob.Field(0).(*array.Int64Builder).Append(1)
	orec := ob.NewRecordBatch()
	defer orec.Release()
	if _, err := bd.Eval(context.Background(), mem, orec); err == nil || !strings.Contains(err.Error(), "not the one the expression was bound to") {
		t.Errorf("a batch of another schema: %v", err)
	}
	// A cancelled context stops the evaluation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := bd.Eval(ctx, mem, rec); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
