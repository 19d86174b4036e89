package expr_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/sluicedata/sluice/data/expr"
)

func Example() {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Float64Builder).AppendValues([]float64{2.5, 10, 40}, nil)
	b.Field(1).(*array.Int32Builder).AppendValues([]int32{4, 3, 1}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()

	e := expr.Col("price").Mul(expr.Col("qty")).Ge(30)
	fmt.Println(e)
	pred, err := expr.BindPredicate(e, schema)
	if err != nil {
		panic(err)
	}
	kept, err := expr.Filter(context.Background(), memory.DefaultAllocator, pred, rec)
	if err != nil {
		panic(err)
	}
	defer kept.Release()
	fmt.Println(kept.Column(0), kept.Column(1))

	j, _ := json.Marshal(e)
	fmt.Println(string(j))

	// A row group whose prices are all below 20 and quantities below 2 cannot match.
	stats := expr.StatsMap{Rows: 1000, Columns: map[string]expr.ColumnStats{
		"price": {Min: scalar.NewFloat64Scalar(1), Max: scalar.NewFloat64Scalar(20), HasNullCount: true},
		"qty":   {Min: scalar.NewInt32Scalar(0), Max: scalar.NewInt32Scalar(1), HasNullCount: true},
	}}
	fmt.Println(pred.MayMatch(stats), pred.Possible(stats))
	// Output:
	// Col("price").Mul(Col("qty")).Ge(30)
	// [10 40] [3 1]
	// {"op":"greater_equal","args":[{"op":"multiply","args":[{"col":"price"},{"col":"qty"}]},{"lit":30,"type":"int"}]}
	// false {false true false}
}

func ExampleBind_error() {
	schema := arrow.NewSchema([]arrow.Field{{Name: "price", Type: arrow.PrimitiveTypes.Float64}}, nil)
	_, err := expr.Bind(expr.Col("price").Mul("x"), schema)
	fmt.Println(err)
	// Output:
	// sluice: expr: Col("price").Mul("x"): multiply needs numbers: column "price" is float64, Lit("x") is utf8
}
