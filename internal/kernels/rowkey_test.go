package kernels

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// randomColumn makes n values of type t with about a fifth nulls, drawn from a small domain so
// that ties are common.
func randomColumn(mem memory.Allocator, rng *rand.Rand, t arrow.DataType, n int) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	floats := []float64{math.Inf(-1), -2.5, -0.0, 0, 1, 3.25, math.Inf(1), math.NaN(), -math.NaN()}
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "b", "\x00", "zz", "é"}
	for i := 0; i < n; i++ {
		if rng.IntN(5) == 0 {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.Int32Builder:
			bb.Append(int32(rng.IntN(7)) - 3)
		case *array.Int64Builder:
			bb.Append([]int64{math.MinInt64, -5, 0, 5, math.MaxInt64}[rng.IntN(5)])
		case *array.Uint8Builder:
			bb.Append(uint8(rng.IntN(4)) * 80)
		case *array.Float64Builder:
			bb.Append(floats[rng.IntN(len(floats))])
		case *array.Float32Builder:
			bb.Append(float32(floats[rng.IntN(len(floats))]))
		case *array.StringBuilder:
			bb.Append(strs[rng.IntN(len(strs))])
		case *array.BinaryBuilder:
			bb.Append([]byte(strs[rng.IntN(len(strs))]))
		case *array.BooleanBuilder:
			bb.Append(rng.IntN(2) == 0)
		case *array.Date32Builder:
			bb.Append(arrow.Date32(rng.IntN(5) - 2))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(rng.IntN(5) * 1000))
		case *array.Decimal128Builder:
			bb.Append(decimal128.FromI64(int64(rng.IntN(9) - 4)))
		default:
			panic(t)
		}
	}
	return b.NewArray()
}

// oracleCompare compares rows a and b of one column the slow way: nulls last, NaN after every
// number, -0 equal to 0.
func oracleCompare(c arrow.Array, a, b int) int {
	an, bn := c.IsNull(a), c.IsNull(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	fcmp := func(x, y float64) int {
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		}
		return cmp.Compare(x, y)
	}
	switch v := c.(type) {
	case *array.Int32:
		return cmp.Compare(v.Value(a), v.Value(b))
	case *array.Int64:
		return cmp.Compare(v.Value(a), v.Value(b))
	case *array.Uint8:
		return cmp.Compare(v.Value(a), v.Value(b))
	case *array.Float64:
		return fcmp(v.Value(a), v.Value(b))
	case *array.Float32:
		return fcmp(float64(v.Value(a)), float64(v.Value(b)))
	case *array.String:
		return cmp.Compare(v.Value(a), v.Value(b))
	case *array.Binary:
		return bytes.Compare(v.Value(a), v.Value(b))
	case *array.Boolean:
		x, y := v.Value(a), v.Value(b)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case *array.Date32:
		return cmp.Compare(v.Value(a), v.Value(b))
	case *array.Timestamp:
		return cmp.Compare(v.Value(a), v.Value(b))
	case *array.Decimal128:
		return v.Value(a).Cmp(v.Value(b))
	}
	panic(c.DataType())
}

var keyTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint8,
	arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float32, arrow.BinaryTypes.String,
	arrow.BinaryTypes.Binary, arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32,
	&arrow.TimestampType{Unit: arrow.Millisecond}, &arrow.Decimal128Type{Precision: 10, Scale: 2},
}

// TestKeysOrderAndEquality checks, on random multi-column keys with nulls, NaNs, -0 and
// embedded zero bytes, that byte order is the columns' order and byte equality their equality.
func TestKeysOrderAndEquality(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 60; trial++ {
		ncols := 1 + rng.IntN(3)
		cols := make([]arrow.Array, ncols)
		desc := make([]bool, ncols)
		var names []string
		for i := range cols {
			cols[i] = randomColumn(mem, rng, keyTypes[rng.IntN(len(keyTypes))], 200)
			desc[i] = rng.IntN(2) == 0
			names = append(names, fmt.Sprintf("c%d", i))
		}
		var k Keys
		if err := EncodeKeys(&k, cols, desc, names); err != nil {
			t.Fatal(err)
		}
		oracle := func(a, b int) int {
			for i, c := range cols {
				r := oracleCompare(c, a, b)
				if desc[i] && !(c.IsNull(a) || c.IsNull(b)) {
					r = -r
				}
				if r != 0 {
					return r
				}
			}
			return 0
		}
		for a := 0; a < 200; a++ {
			for b := 0; b < 200; b += 7 {
				want, got := oracle(a, b), bytes.Compare(k.Row(a), k.Row(b))
				if want != got {
					t.Fatalf("trial %d rows %d, %d (%v): oracle %d, keys %d", trial, a, b, typesOf(cols), want, got)
				}
			}
		}
		// The sort is the oracle's stable sort.
		got := SortIndices(&k)
		want := make([]int64, 200)
		for i := range want {
			want[i] = int64(i)
		}
		slices.SortStableFunc(want, func(a, b int64) int { return oracle(int(a), int(b)) })
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (%v): sort differs\n got %v\nwant %v", trial, typesOf(cols), got, want)
		}
		for _, c := range cols {
			c.Release()
		}
	}
}

func typesOf(cols []arrow.Array) []string {
	var s []string
	for _, c := range cols {
		s = append(s, c.DataType().String())
	}
	return s
}

func TestDecodeKeysRoundTrip(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	cols := make([]arrow.Array, len(keyTypes))
	builders := make([]array.Builder, len(keyTypes))
	for i, kt := range keyTypes {
		cols[i] = randomColumn(mem, rng, kt, 100)
		defer cols[i].Release()
		builders[i] = array.NewBuilder(mem, kt)
		defer builders[i].Release()
	}
	var k Keys
	if err := EncodeKeys(&k, cols, nil, nil); err != nil {
		t.Fatal(err)
	}
	rows := make([][]byte, k.Len())
	for i := range rows {
		rows[i] = k.Row(i)
	}
	if err := DecodeKeys(rows, builders); err != nil {
		t.Fatal(err)
	}
	for i, b := range builders {
		got := b.NewArray()
		for r := 0; r < 100; r++ {
			if oracleCompare(cols[i], r, r) != 0 || got.IsNull(r) != cols[i].IsNull(r) {
				t.Fatalf("column %s row %d: null mismatch", keyTypes[i], r)
			}
		}
		// Equal after normalization: encode again and compare bytes.
		var k2, k1 Keys
		if err := EncodeKeys(&k1, []arrow.Array{cols[i]}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := EncodeKeys(&k2, []arrow.Array{got}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k1.Data, k2.Data) {
			t.Fatalf("column %s: decoded values encode differently", keyTypes[i])
		}
		got.Release()
	}
}

func TestGrouper(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 6))
	var g Grouper
	seen := map[string]int32{}
	for batch := 0; batch < 20; batch++ {
		a := randomColumn(mem, rng, arrow.BinaryTypes.String, 500)
		b := randomColumn(mem, rng, arrow.PrimitiveTypes.Float64, 500)
		var k Keys
		if err := EncodeKeys(&k, []arrow.Array{a, b}, nil, nil); err != nil {
			t.Fatal(err)
		}
		ids := g.Assign(&k, nil)
		for i, id := range ids {
			key := string(k.Row(i))
			want, ok := seen[key]
			if !ok {
				want = int32(len(seen))
				seen[key] = want
			}
			if id != want {
				t.Fatalf("row %d: group %d, want %d", i, id, want)
			}
			if g.FindKey(k.Row(i)) != id {
				t.Fatal("FindKey disagrees with Assign")
			}
		}
		a.Release()
		b.Release()
	}
	if g.Groups() != len(seen) {
		t.Fatalf("%d groups, want %d", g.Groups(), len(seen))
	}
	if g.FindKey([]byte("no such key")) != -1 {
		t.Fatal("FindKey found a key never assigned")
	}
}

func TestKeysRejectUnsupportedType(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	defer lb.Release()
	lb.Append(true)
	l := lb.NewArray()
	defer l.Release()
	var k Keys
	err := EncodeKeys(&k, []arrow.Array{l}, nil, []string{"tags"})
	if err == nil || err.Error() != `sluice: key column "tags" has type list<item: int64, nullable>, which cannot be a key (keys are integers, floats, decimals, booleans, strings, binaries, dates, times, timestamps and durations)` {
		t.Fatalf("error: %v", err)
	}
}

func TestSortIndicesLarge(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	b := array.NewInt64Builder(mem)
	vals := make([]int64, 100_000)
	for i := range vals {
		vals[i] = rng.Int64N(1000) - 500
		b.Append(vals[i])
	}
	a := b.NewArray()
	b.Release()
	defer a.Release()
	var k Keys
	if err := EncodeKeys(&k, []arrow.Array{a}, []bool{true}, nil); err != nil {
		t.Fatal(err)
	}
	got := SortIndices(&k)
	for i := 1; i < len(got); i++ {
		x, y := vals[got[i-1]], vals[got[i]]
		if x < y || (x == y && got[i-1] > got[i]) {
			t.Fatalf("position %d: %d (row %d) before %d (row %d)", i, x, got[i-1], y, got[i])
		}
	}
}

// TestGrouperWidthChange checks a grouper that has numbered fixed-width keys (back to back in
// its arena) and is then shown keys of other lengths: every group keeps its id and key.
func TestGrouperWidthChange(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(9, 10))
	var g Grouper
	var want [][]byte
	seen := map[string]int32{}
	check := func(key []byte, id int32) {
		t.Helper()
		w, ok := seen[string(key)]
		if !ok {
			w = int32(len(want))
			seen[string(key)] = w
			want = append(want, bytes.Clone(key))
		}
		if id != w {
			t.Fatalf("key %x: group %d, want %d", key, id, w)
		}
	}
	for batch := 0; batch < 4; batch++ {
		a := randomColumn(mem, rng, arrow.PrimitiveTypes.Int64, 3000)
		var k Keys
		if err := EncodeKeys(&k, []arrow.Array{a}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if k.Width != 9 {
			t.Fatalf("int64 keys have width %d, want 9", k.Width)
		}
		for i, id := range g.Assign(&k, nil) {
			check(k.Row(i), id)
		}
		a.Release()
		if batch == 2 {
			for _, key := range [][]byte{nil, []byte("x"), []byte("a longer key"), want[0]} {
				check(key, g.AssignKey(key))
			}
		}
	}
	if g.Groups() != len(want) {
		t.Fatalf("%d groups, want %d", g.Groups(), len(want))
	}
	for id, key := range want {
		if !bytes.Equal(g.Key(id), key) {
			t.Fatalf("group %d: key %x, want %x", id, g.Key(id), key)
		}
		if g.FindKey(key) != int32(id) {
			t.Fatalf("FindKey(%x) = %d, want %d", key, g.FindKey(key), id)
		}
	}
	order := g.Order()
	if len(order) != len(want) {
		t.Fatalf("Order has %d ids, want %d", len(order), len(want))
	}
	for i := 1; i < len(order); i++ {
		if bytes.Compare(want[order[i-1]], want[order[i]]) >= 0 {
			t.Fatalf("Order: key %x before %x", want[order[i-1]], want[order[i]])
		}
	}
}
