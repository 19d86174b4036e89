package kernels

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestFilterAgreesWithArrow checks Filter against arrow's filter over columns of several
// types with and without nulls, sliced batches and masks, masks with nulls, and selectivities
// that take both paths (runs copied, rows gathered).
func TestFilterAgreesWithArrow(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	types := []arrow.DataType{
		arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32,
		&arrow.Decimal128Type{Precision: 10, Scale: 2},
	}
	for _, keep := range []float64{0.02, 0.5, 0.98, 1} {
		for _, maskNulls := range []bool{false, true} {
			for _, n := range []int{1, 63, 64, 65, 1000} {
				t.Run(fmt.Sprintf("keep%v/nulls%v/%d", keep, maskNulls, n), func(t *testing.T) {
					mem := memcheck.New(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					const skip = 5 // a sliced batch and mask
					var fields []arrow.Field
					var cols []arrow.Array
					for i, ty := range types {
						c := randomColumn(mem, rng, ty, n+skip)
						if i%2 == 0 {
							// Half the columns without nulls, for the paths that skip the validity.
							b := array.NewBuilder(mem, ty)
							for j := 0; j < c.Len(); j++ {
								if c.IsValid(j) {
									if err := b.AppendValueFromString(c.ValueStr(j)); err != nil {
										t.Fatal(err)
									}
								} else if err := b.AppendValueFromString(randomValid(c)); err != nil {
									t.Fatal(err)
								}
							}
							c.Release()
							c = b.NewArray()
							b.Release()
						}
						fields = append(fields, arrow.Field{Name: fmt.Sprint("c", i), Type: ty, Nullable: true})
						cols = append(cols, c)
					}
					db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
					for j := 0; j < n+skip; j++ {
						_ = db.AppendString([]string{"a", "bb", "ccc"}[rng.IntN(3)])
					}
					fields = append(fields, arrow.Field{Name: "dict", Type: db.Type(), Nullable: true})
					cols = append(cols, db.NewArray())
					db.Release()
					whole := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n+skip))
					releaseAll(cols)
					rec := whole.NewSlice(skip, int64(n+skip))
					whole.Release()
					defer rec.Release()

					mb := array.NewBooleanBuilder(mem)
					for j := 0; j < n+skip; j++ {
						if maskNulls && rng.IntN(7) == 0 {
							mb.AppendNull()
						} else {
							mb.Append(rng.Float64() < keep)
						}
					}
					full := mb.NewArray()
					mb.Release()
					mask := array.NewSlice(full, skip, int64(n+skip)).(*array.Boolean)
					full.Release()
					defer mask.Release()

					got, err := Filter(ctx, mem, rec, mask)
					if err != nil {
						t.Fatal(err)
					}
					defer got.Release()
					want, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), rec, mask, compute.DefaultFilterOptions())
					if err != nil {
						t.Fatal(err)
					}
					defer want.Release()
					if got.NumRows() != want.NumRows() {
						t.Fatalf("%d rows, want %d", got.NumRows(), want.NumRows())
					}
					for i := range int(got.NumCols()) {
						if !array.ApproxEqual(got.Column(i), want.Column(i), array.WithNaNsEqual(true)) {
							t.Fatalf("column %s: got\n%v\nwant\n%v", fields[i].Name, got.Column(i), want.Column(i))
						}
					}
				})
			}
		}
	}
}

// randomValid is some valid value of c, as a string.
func randomValid(c arrow.Array) string {
	for j := 0; j < c.Len(); j++ {
		if c.IsValid(j) {
			return c.ValueStr(j)
		}
	}
	switch c.DataType().ID() {
	case arrow.BOOL:
		return "true"
	case arrow.STRING, arrow.BINARY:
		return ""
	}
	return "1"
}
