package kernels

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestTakeMatchesArrow compares Take with arrow's take kernel on columns of every layout Take
// gathers itself (one- to eight-byte values, strings and binaries with 32- and 64-bit offsets,
// fixed-size lists), with and without nulls, sliced at odd offsets, and the ones it hands to
// arrow (booleans, structs).
func TestTakeMatchesArrow(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1000
	types := []arrow.DataType{
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Float32,
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Boolean,
		arrow.BinaryTypes.String, arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.LargeBinary,
		arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Int16), &arrow.Decimal128Type{Precision: 20, Scale: 2},
		arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}),
	}
	for _, typ := range types {
		for _, nullFrac := range []float64{0, 0.2, 1} {
			for _, offset := range []int{0, 3} {
				t.Run(fmt.Sprintf("%s/nulls=%g/offset=%d", typ, nullFrac, offset), func(t *testing.T) {
					full := randomArray(mem, r, typ, n+offset, nullFrac)
					defer full.Release()
					col := array.NewSlice(full, int64(offset), int64(n+offset))
					defer col.Release()
					indices := make([]int64, 2*n)
					for i := range indices {
						indices[i] = r.Int64N(n)
					}
					schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: typ, Nullable: true}}, nil)
					rec := array.NewRecordBatch(schema, []arrow.Array{col}, n)
					defer rec.Release()
					got, err := Take(context.Background(), mem, rec, indices)
					if err != nil {
						t.Fatal(err)
					}
					defer got.Release()
					ib := array.NewInt64Builder(mem)
					ib.AppendValues(indices, nil)
					idx := ib.NewArray()
					ib.Release()
					defer idx.Release()
					want, err := compute.TakeArray(compute.WithAllocator(context.Background(), mem), col, idx)
					if err != nil {
						t.Fatal(err)
					}
					defer want.Release()
					if !array.Equal(got.Column(0), want) {
						t.Fatalf("Take differs from arrow's take:\n got %v\nwant %v", got.Column(0), want)
					}
					empty, err := Take(context.Background(), mem, rec, nil)
					if err != nil {
						t.Fatal(err)
					}
					if empty.NumRows() != 0 || empty.Column(0).Len() != 0 {
						t.Fatalf("no indices gave %d rows", empty.NumRows())
					}
					empty.Release()
				})
			}
		}
	}
}

// randomArray builds n random values of typ, each null with probability nullFrac.
func randomArray(mem memory.Allocator, r *rand.Rand, typ arrow.DataType, n int, nullFrac float64) arrow.Array {
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for i := 0; i < n; i++ {
		if r.Float64() < nullFrac {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(r.Int()))
		case *array.Uint16Builder:
			b.Append(uint16(r.Int()))
		case *array.Int32Builder:
			b.Append(int32(r.Int()))
		case *array.Float32Builder:
			b.Append(r.Float32())
		case *array.Int64Builder:
			b.Append(r.Int64())
		case *array.Float64Builder:
			b.Append(r.NormFloat64())
		case *array.Date32Builder:
			b.Append(arrow.Date32(r.IntN(20000)))
		case *array.BooleanBuilder:
			b.Append(r.IntN(2) == 0)
		case *array.StringBuilder:
			b.Append(randomText(r))
		case *array.BinaryBuilder:
			b.Append([]byte(randomText(r)))
		case *array.LargeStringBuilder:
			b.Append(randomText(r))
		case *array.FixedSizeListBuilder:
			b.Append(true)
			vb := b.ValueBuilder().(*array.Int16Builder)
			for j := 0; j < 3; j++ {
				vb.Append(int16(r.Int()))
			}
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(r.Int64()))
		case *array.StructBuilder:
			b.Append(true)
			b.FieldBuilder(0).(*array.Int64Builder).Append(r.Int64())
		default:
			panic(fmt.Sprintf("randomArray: %T", b))
		}
	}
	return b.NewArray()
}

// randomText is 0-20 random bytes, zero bytes included.
func randomText(r *rand.Rand) string {
	b := make([]byte, r.IntN(21))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}
