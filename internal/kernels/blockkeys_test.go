package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestBlockKeysAgreesWithGrouper checks that BlockKeys gives every row the group id that
// encoding every row's key and Grouper.Assign give, over several blocks sharing one grouper.
func TestBlockKeysAgreesWithGrouper(t *testing.T) {
	types := []arrow.DataType{
		arrow.BinaryTypes.String, arrow.BinaryTypes.Binary, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float32,
		arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Timestamp_us,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, combo := range [][]int{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {0, 0}, {0, 5}, {7, 0, 2}, {5, 6, 9}} {
		var names []string
		for _, i := range combo {
			names = append(names, types[i].String())
		}
		t.Run(fmt.Sprint(names), func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var fast, slow Grouper
			var bk BlockKeys
			for block := 0; block < 4; block++ {
				n := 1 + rng.IntN(300)
				cols := make([]arrow.Array, len(combo))
				for i, ti := range combo {
					c := randomColumn(mem, rng, types[ti], n+3)
					cols[i] = array.NewSlice(c, 3, int64(n+3)) // an offset, as a sliced batch has
					c.Release()
				}
				got, ok, err := bk.Assign(mem, &fast, cols, names, nil)
				if err != nil || !ok {
					t.Fatalf("block %d: ok %v, %v", block, ok, err)
				}
				var k Keys
				if err := EncodeKeys(&k, cols, nil, names); err != nil {
					t.Fatal(err)
				}
				want := slow.Assign(&k, nil)
				releaseAll(cols)
				if !slices.Equal(got, want) {
					t.Fatalf("block %d: ids %v, want %v", block, got, want)
				}
			}
		})
	}
}

// TestBlockKeysStrings covers strings past a word and dictionaries, and giving up on many
// distinct values.
func TestBlockKeysStrings(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	vals := []string{"", "a", "abcdefg", "abcdefgh", "abcdefghijklmnop", "abcdefghijklmnoq", "\x00", "\x00\x00"}
	sb := array.NewStringBuilder(mem)
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	defer sb.Release()
	defer db.Release()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		if rng.IntN(9) == 0 {
			sb.AppendNull()
			db.AppendNull()
			continue
		}
		v := vals[rng.IntN(len(vals))]
		sb.Append(v)
		if err := db.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	cols := []arrow.Array{sb.NewArray(), db.NewArray()}
	defer releaseAll(cols)
	var fast, slow Grouper
	var bk BlockKeys
	got, ok, err := bk.Assign(mem, &fast, cols, nil, nil)
	if err != nil || !ok {
		t.Fatalf("ok %v, %v", ok, err)
	}
	var k Keys
	if err := EncodeKeys(&k, cols, nil, nil); err != nil {
		t.Fatal(err)
	}
	if want := slow.Assign(&k, nil); !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}

	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	for i := range 2 * blockCodeLimit {
		ib.Append(int64(i))
	}
	many := ib.NewArray()
	defer many.Release()
	if _, ok, err := bk.Assign(mem, &fast, []arrow.Array{many}, nil, nil); ok || err != nil || !bk.Off() {
		t.Fatalf("%d distinct values: ok %v, off %v, %v", 2*blockCodeLimit, ok, bk.Off(), err)
	}
}
