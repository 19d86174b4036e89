package data

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/expr"
)

// shop is a dataset of 10,000 rows: id, price (float64, some nulls), qty (int64), region.
func shop(c *Context) *Dataset {
	regions := []string{"eu", "us", "ap"}
	return Range(10_000).WithContext(c).Map(func(ctx context.Context, r Row) (Row, error) {
		id := r["id"].(int64)
		var price any = float64(id%97) / 4
		if id%13 == 0 {
			price = nil
		}
		return Row{"id": id, "price": price, "qty": id % 7, "region": regions[id%3]}, nil
	})
}

// TestExpressionsAgainstFunctions runs Where, WithColumn and Select next to the Go
// function forms computing the same thing, and compares the rows.
func TestExpressionsAgainstFunctions(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	viaExpr := shop(c).
		Where(Col("price").Mul(Col("qty")).Gt(40).And(Col("region").IsIn("eu", "us"))).
		WithColumn("total", Col("price").Mul(Col("qty"))).
		WithColumn("region", Col("region").Upper()).
		Select(Col("id"), Col("total"), Col("region"), Col("qty").Add(1).Alias("qty1"))
	viaFuncs := shop(c).
		Filter(func(ctx context.Context, r Row) (bool, error) {
			p, ok := r["price"].(float64)
			reg := r["region"].(string)
			return ok && p*float64(r["qty"].(int64)) > 40 && (reg == "eu" || reg == "us"), nil
		}).
		Map(func(ctx context.Context, r Row) (Row, error) {
			p := r["price"].(float64)
			return Row{"id": r["id"], "total": p * float64(r["qty"].(int64)), "region": strings.ToUpper(r["region"].(string)), "qty1": r["qty"].(int64) + 1}, nil
		})
	got, err := viaExpr.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := viaFuncs.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) < 1000 {
		t.Fatalf("%d rows by expressions, %d by functions", len(got), len(want))
	}
	for i := range got {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Fatalf("row %d: %v, want %v", i, got[i], want[i])
		}
	}
	sch, err := viaExpr.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(columnsOf(sch.Schema)); s != "[id:int64 total:float64 region:utf8 qty1:int64]" {
		t.Errorf("schema %s", s)
	}
}

func columnsOf(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name+":"+f.Type.String())
	}
	return out
}

// TestExpressionErrors: a bad expression over a source that knows its schema fails before
// the run, naming the expression and the column; a failure while running names the
// operator, the rows and the failing sub-expression, each once.
func TestExpressionErrors(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	cases := []struct {
		ds   *Dataset
		want string
	}{
		{Range(10).WithContext(c).Where(Col("idx").Gt(1)),
			`sluice: Where(Col("idx").Gt(1)): no column "idx" (columns: id)`},
		{Range(10).WithContext(c).WithColumn("x", Col("id").Mul("a")),
			`sluice: WithColumn("x", Col("id").Mul("a")): multiply needs numbers: column "id" is int64, Lit("a") is utf8`},
		{Range(10).WithContext(c).SelectColumns("id").Where(Col("id").Add(1)),
			`sluice: Where(Col("id").Add(1)): a filter needs a boolean expression, this one is int64`},
		{Range(10).WithContext(c).Select(Col("id"), Col("id").Mul(2)),
			`sluice: Select: two outputs are named "id" (name one with Alias)`},
		{Range(10).WithContext(c).Select(Lit(1)), `sluice: Select: Lit(1) reads no column: name it with Alias`},
		{Range(10).WithContext(c).Where(expr.Expr{}), `sluice: Where: the zero Expr`},
		{Range(10).WithContext(c).Where(Col("id").Gt(1), BatchSize(3)), `sluice: Where: option BatchSize does not apply (it takes Concurrency, MaxRetries, RetryIf, Name)`},
	}
	for _, tc := range cases {
		_, err := tc.ds.TakeAll(ctx, 0)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got  %v\nwant %s", err, tc.want)
		}
	}
	// The whole expression failing says only why; a part of it failing is named. At run
	// time: 10 / (id - 5) fails on row 5.
	ds := Range(10).WithContext(c).WithColumn("q", Col("id").Add(Lit(int64(10)).Div(Col("id").Sub(5))))
	_, err := ds.TakeAll(ctx, 0)
	want := `sluice: WithColumn("q", Col("id").Add(Lit(int64(10)).Div(Col("id").Sub(5)))): range[0:10] rows 0-9: Lit(int64(10)).Div(Col("id").Sub(5)): divide by zero`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	var xe *expr.Error
	if !errors.As(err, &xe) || xe.Column != "" {
		t.Errorf("the run's error does not wrap the *expr.Error: %#v", err)
	}
	// Past a user function the schema is unknown: the first block checks it.
	ds = Range(10).WithContext(c).Map(func(ctx context.Context, r Row) (Row, error) { return r, nil }).Where(Col("nope").IsNull())
	if _, err := ds.TakeAll(ctx, 0); err == nil || !strings.HasSuffix(err.Error(), `Where(Col("nope").IsNull()): range[0:10] rows 0-9: no column "nope" (columns: id)`) {
		t.Errorf("after a Map: %v", err)
	}
}

// TestExpressionPlans: the operators print their expressions, carry them for the pushdown
// rules, and a Select of bare columns is pushed into a Parquet read like SelectColumns.
func TestExpressionPlans(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	if _, err := shop(c).WriteParquet(ctx, dir); err != nil {
		t.Fatal(err)
	}
	pred := Col("qty").Eq(3).And(Col("price").IsNotNull())
	ds := ReadParquet(dir).WithContext(c).Select(Col("qty"), Col("price")).Where(pred).WithColumn("twice", Col("price").Mul(2))
	plan := ds.Explain()
	for _, want := range []string{
		`WithColumn("twice", Col("price").Mul(2))`,
		`Where(Col("qty").Eq(3).And(Col("price").IsNotNull()))`,
		`ReadParquet[columns=qty,price filter=Col("qty").Eq(3) & Col("price").IsNotNull()]`,
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %s:\n%s", want, plan)
		}
	}
	where := ds.op.input()
	if where.expr == nil || where.expr.kind != exprWhere || !where.expr.exprs[0].Equal(pred) {
		t.Fatalf("Where's operator does not carry its predicate: %+v", where.expr)
	}
	if sel := where.input(); sel.expr == nil || sel.expr.kind != exprSelect || fmt.Sprint(sel.project) != "[qty price]" {
		t.Fatalf("Select's operator: %+v, project %v", sel.expr, sel.project)
	}
	rows, err := ds.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	for _, r := range rows {
		if r["qty"] != int64(3) || r["twice"] != 2*r["price"].(float64) || math.IsNaN(r["twice"].(float64)) {
			t.Fatalf("row %v", r)
		}
	}
}

// TestWithColumnKeepsDictionary: a bare column is taken as it is, so a dictionary column
// stays one, in Select and WithColumn alike.
func TestWithColumnKeepsDictionary(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	if _, err := shop(c).WriteParquet(ctx, dir); err != nil {
		t.Fatal(err)
	}
	src := ReadParquet(dir).WithContext(c).Select(Col("region").Alias("r")).WithColumn("r2", Col("r"))
	sch, err := src.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadParquet(dir).WithContext(c).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rt := want.Schema.Field(want.Schema.FieldIndices("region")[0]).Type
	if got := fmt.Sprint(columnsOf(sch.Schema)); got != fmt.Sprintf("[r:%s r2:%s]", rt, rt) {
		t.Errorf("schema %s, region is %s", got, rt)
	}
	if _, err := src.TakeAll(ctx, 0); err != nil {
		t.Fatal(err)
	}
}
