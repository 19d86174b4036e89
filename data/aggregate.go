package data

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/kernels"
)

// AggregateFn is one aggregation of a GroupBy or of a whole dataset (Ray's AggregateFnV2):
// Count, Sum, Min, Max, Mean, Std, AbsMax, Quantile, Unique, CountDistinct, or a user-defined
// one from NewAggregate. Its output column is named like Ray's ("sum(price)", "count()"); As
// renames it.
//
// Semantics, as Ray's (through pyarrow) where they are defined:
//   - nulls are skipped (Count() counts rows, Count(col) non-null values); a group whose values
//     are all null aggregates to null;
//   - integer sums are int64 and fail on overflow, float sums are float64; means and standard
//     deviations are float64 (Welford's update, Chan's merge); Min, Max and AbsMax keep the
//     column's type;
//   - NaN: Sum, Mean and Std propagate it (IEEE arithmetic); Min and Max skip it unless every
//     value is NaN (Arrow C++'s min_max); as a key, every NaN is one group;
//   - Quantile is exact, with linear interpolation between closest ranks (numpy's default);
//   - Unique lists each distinct non-null value once, in ascending order.
type AggregateFn struct {
	kind  aggKind
	on    string
	alias string
	ddof  int
	q     float64
	udf   *udfAggregate
}

type aggKind int

const (
	aggCount aggKind = iota
	aggSum
	aggMin
	aggMax
	aggMean
	aggStd
	aggAbsMax
	aggQuantile
	aggUnique
	aggCountDistinct
	aggUDF
)

var aggNames = map[aggKind]string{
	aggCount: "count", aggSum: "sum", aggMin: "min", aggMax: "max", aggMean: "mean", aggStd: "std",
	aggAbsMax: "abs_max", aggQuantile: "quantile", aggUnique: "unique", aggCountDistinct: "count_distinct",
}

// Count counts rows (no column) or the non-null values of one column.
func Count(col ...string) AggregateFn {
	a := AggregateFn{kind: aggCount}
	if len(col) > 0 {
		a.on = col[0]
	}
	return a
}

// Sum sums a numeric column.
func Sum(col string) AggregateFn { return AggregateFn{kind: aggSum, on: col} }

// Min is the smallest value of a column (numbers, strings, binaries, booleans, dates, times,
// timestamps).
func Min(col string) AggregateFn { return AggregateFn{kind: aggMin, on: col} }

// Max is the largest value of a column (the types of Min).
func Max(col string) AggregateFn { return AggregateFn{kind: aggMax, on: col} }

// Mean is the mean of a numeric column, as float64.
func Mean(col string) AggregateFn { return AggregateFn{kind: aggMean, on: col} }

// Std is the standard deviation of a numeric column with ddof delta degrees of freedom (Ray's
// default is 1, the sample standard deviation); null for groups of ddof values or fewer.
func Std(col string, ddof int) AggregateFn { return AggregateFn{kind: aggStd, on: col, ddof: ddof} }

// AbsMax is the largest absolute value of a numeric column.
func AbsMax(col string) AggregateFn { return AggregateFn{kind: aggAbsMax, on: col} }

// Quantile is the q-quantile (0 <= q <= 1) of a numeric column, as float64.
func Quantile(col string, q float64) AggregateFn {
	return AggregateFn{kind: aggQuantile, on: col, q: q}
}

// Unique lists the distinct non-null values of a column, ascending.
func Unique(col string) AggregateFn { return AggregateFn{kind: aggUnique, on: col} }

// CountDistinct counts the distinct non-null values of a column.
func CountDistinct(col string) AggregateFn { return AggregateFn{kind: aggCountDistinct, on: col} }

// As names the aggregation's output column.
func (a AggregateFn) As(name string) AggregateFn { a.alias = name; return a }

// Name is the output column's name.
func (a AggregateFn) Name() string {
	switch {
	case a.alias != "":
		return a.alias
	case a.kind == aggUDF:
		return a.udf.name
	}
	return fmt.Sprintf("%s(%s)", aggNames[a.kind], a.on)
}

// NewAggregate is a user-defined aggregation (Ray's AggregateFnV2) over column on, with an
// accumulator of type S: init makes an empty one, accumulate folds a block of the group's
// values (an Arrow array of the column, never empty) into it, merge combines two (partial
// aggregation runs before the exchange, so merge must be associative), and finalize turns the
// last one into the result, a value FromItems accepts (nil for null). S crosses the exchange
// encoded with encoding/gob, so its fields must be exported.
func NewAggregate[S any](name, on string, init func() S, accumulate func(acc S, values arrow.Array) (S, error), merge func(a, b S) S, finalize func(acc S) any) AggregateFn {
	states := new(gobStates[S])
	return AggregateFn{kind: aggUDF, on: on, udf: &udfAggregate{
		name: name,
		init: func() any { return init() },
		accumulate: func(acc any, v arrow.Array) (any, error) {
			return accumulate(acc.(S), v)
		},
		merge:    func(a, b any) any { return merge(a.(S), b.(S)) },
		finalize: func(acc any) any { return finalize(acc.(S)) },
		encode:   func(dst []byte, acc any) ([]byte, error) { return states.encode(dst, acc.(S)) },
		decode:   func(p []byte) (any, error) { return states.decode(p) },
	}}
}

type udfAggregate struct {
	name       string
	init       func() any
	accumulate func(any, arrow.Array) (any, error)
	merge      func(a, b any) any
	finalize   func(any) any
	encode     func(dst []byte, acc any) ([]byte, error) // appends acc's cell to dst
	decode     func([]byte) (any, error)
}

// boundAgg is an aggregation checked against its input column's type.
type boundAgg struct {
	fn     AggregateFn
	col    int            // input column index (-1 for Count())
	inType arrow.DataType // the input column's type
	// states are the partial-state columns' types; result the output's.
	states []arrow.DataType
	result arrow.DataType
}

// aggTypeError says an aggregation cannot take a column.
func aggTypeError(a AggregateFn, t arrow.DataType, want string) error {
	return fmt.Errorf("%s: column %q has type %s; %s needs %s", a.Name(), a.on, t, aggNames[a.kind], want)
}

// bind checks a against schema and fixes its state and result types.
func (a AggregateFn) bind(schema *arrow.Schema) (*boundAgg, error) {
	b := &boundAgg{fn: a, col: -1}
	if a.kind == aggCount && a.on == "" {
		b.states, b.result = []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64
		return b, nil
	}
	idx := schema.FieldIndices(a.on)
	if len(idx) == 0 {
		return nil, fmt.Errorf("%s: no column %q (columns: %v)", a.Name(), a.on, schemaNames(schema))
	}
	b.col = idx[0]
	t := schema.Field(b.col).Type
	b.inType = t
	numeric := isNumeric(t)
	switch a.kind {
	case aggCount:
		b.states, b.result = []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64
	case aggSum:
		switch {
		case isIntegral(t):
			b.states, b.result = []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64
		case numeric:
			b.states, b.result = []arrow.DataType{arrow.PrimitiveTypes.Float64}, arrow.PrimitiveTypes.Float64
		default:
			return nil, aggTypeError(a, t, "a numeric column")
		}
	case aggMin, aggMax:
		if !orderable(t) {
			return nil, aggTypeError(a, t, "numbers, strings, binaries, booleans or temporal values")
		}
		b.states, b.result = []arrow.DataType{kernels.KeyBuilderType(t)}, kernels.KeyBuilderType(t)
	case aggAbsMax:
		if !numeric {
			return nil, aggTypeError(a, t, "a numeric column")
		}
		b.states, b.result = []arrow.DataType{t}, t
	case aggMean:
		if !numeric {
			return nil, aggTypeError(a, t, "a numeric column")
		}
		b.states, b.result = []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Float64
	case aggStd:
		if !numeric {
			return nil, aggTypeError(a, t, "a numeric column")
		}
		if a.ddof < 0 {
			return nil, fmt.Errorf("%s: negative ddof %d", a.Name(), a.ddof)
		}
		f := arrow.PrimitiveTypes.Float64
		b.states, b.result = []arrow.DataType{arrow.PrimitiveTypes.Int64, f, f}, f
	case aggQuantile:
		if !numeric {
			return nil, aggTypeError(a, t, "a numeric column")
		}
		if !(a.q >= 0 && a.q <= 1) {
			return nil, fmt.Errorf("%s: q %v is not in [0, 1]", a.Name(), a.q)
		}
		b.states, b.result = []arrow.DataType{arrow.ListOf(arrow.PrimitiveTypes.Float64)}, arrow.PrimitiveTypes.Float64
	case aggUnique, aggCountDistinct:
		if err := kernels.CheckKeyType(a.on, t); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name(), trimmedError{err})
		}
		b.states = []arrow.DataType{arrow.ListOf(kernels.KeyBuilderType(t))}
		b.result = arrow.PrimitiveTypes.Int64
		if a.kind == aggUnique {
			b.result = arrow.ListOf(kernels.KeyBuilderType(t))
		}
	case aggUDF:
		b.states, b.result = []arrow.DataType{arrow.BinaryTypes.Binary}, nil // result: inferred
	}
	return b, nil
}

// rebind is a on the reduce side, where only the partial states' types are known: the input
// type is recovered from them.
func (a AggregateFn) rebind(states []arrow.DataType) *boundAgg {
	b := &boundAgg{fn: a, col: -1, states: states}
	switch a.kind {
	case aggSum, aggMin, aggMax, aggAbsMax:
		b.inType, b.result = states[0], states[0]
	case aggUnique, aggCountDistinct:
		b.inType = states[0].(*arrow.ListType).Elem()
		b.result = arrow.PrimitiveTypes.Int64
		if a.kind == aggUnique {
			b.result = arrow.ListOf(b.inType)
		}
	case aggMean, aggStd, aggQuantile:
		b.result = arrow.PrimitiveTypes.Float64
	case aggCount:
		b.result = arrow.PrimitiveTypes.Int64
	}
	return b
}

func isIntegral(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func isNumeric(t arrow.DataType) bool {
	return isIntegral(t) || t.ID() == arrow.FLOAT16 || t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64
}

func orderable(t arrow.DataType) bool {
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch t.ID() {
	case arrow.BOOL, arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		return true
	}
	return isNumeric(t)
}

// accumulator holds one aggregation's state for every group of a grouping, indexed by group
// id. Not safe for concurrent use.
type accumulator interface {
	// update folds rows of in (the input column; nil for Count()) into groups gids[i].
	update(in arrow.Array, gids []int32, groups int) error
	// merge folds partial states (arrays of the state types, as states returns them).
	merge(states []arrow.Array, gids []int32, groups int) error
	// states returns the partial states of groups 0..groups-1 in order.
	states(mem memory.Allocator) ([]arrow.Array, error)
	// result returns the final values of groups 0..groups-1 in order.
	result(mem memory.Allocator) (arrow.Array, error)
	// bytes is the Go memory the state holds.
	bytes() int64
}

func (b *boundAgg) newAccumulator(mem memory.Allocator) accumulator {
	switch b.fn.kind {
	case aggCount:
		return &countAcc{}
	case aggSum:
		if isIntegral(b.inType) {
			return &intSumAcc{name: b.fn.Name()}
		}
		return &floatSumAcc{}
	case aggMean:
		return &meanAcc{}
	case aggStd:
		return &stdAcc{ddof: b.fn.ddof}
	case aggMin, aggMax, aggAbsMax:
		return &extremeAcc{b: b, mem: mem}
	case aggQuantile:
		return &quantileAcc{q: b.fn.q}
	case aggUnique, aggCountDistinct:
		return &distinctAcc{b: b}
	}
	return &udfAcc{b: b, mem: mem}
}

// grow extends s with zero values to n elements.
func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// countAcc counts rows, or non-null values.
type countAcc struct{ n []int64 }

func (a *countAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.n = grow(a.n, groups)
	if in == nil || in.NullN() == 0 {
		for _, g := range gids {
			a.n[g]++
		}
		return nil
	}
	for i, g := range gids {
		if in.IsValid(i) {
			a.n[g]++
		}
	}
	return nil
}

func (a *countAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.n = grow(a.n, groups)
	for i, v := range states[0].(*array.Int64).Int64Values() {
		a.n[gids[i]] += v
	}
	return nil
}

func (a *countAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	r, err := a.result(mem)
	return []arrow.Array{r}, err
}

func (a *countAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(a.n, nil)
	return b.NewArray(), nil
}

func (a *countAcc) bytes() int64 { return int64(8 * cap(a.n)) }

// numbers calls f with row i's value as float64 for every valid row of a numeric column.
func numbers(in arrow.Array, f func(i int, v float64)) {
	switch c := in.(type) {
	case *array.Float64:
		vs := c.Float64Values()
		if c.NullN() == 0 {
			for i, v := range vs {
				f(i, v)
			}
			return
		}
		for i, v := range vs {
			if c.IsValid(i) {
				f(i, v)
			}
		}
		return
	case *array.Float32:
		for i, v := range c.Float32Values() {
			if c.IsValid(i) {
				f(i, float64(v))
			}
		}
		return
	case *array.Float16:
		for i := 0; i < c.Len(); i++ {
			if c.IsValid(i) {
				f(i, float64(c.Value(i).Float32()))
			}
		}
		return
	}
	integers(in, func(i int, v int64, u uint64, unsigned bool) {
		if unsigned {
			f(i, float64(u))
		} else {
			f(i, float64(v))
		}
	})
}

// integers calls f for every valid row of an integer column, with the value as int64 (signed)
// or uint64 (unsigned).
func integers(in arrow.Array, f func(i int, v int64, u uint64, unsigned bool)) {
	valid := func(i int) bool { return in.NullN() == 0 || in.IsValid(i) }
	switch c := in.(type) {
	case *array.Int64:
		for i, v := range c.Int64Values() {
			if valid(i) {
				f(i, v, 0, false)
			}
		}
	case *array.Int32:
		for i, v := range c.Int32Values() {
			if valid(i) {
				f(i, int64(v), 0, false)
			}
		}
	case *array.Int16:
		for i, v := range c.Int16Values() {
			if valid(i) {
				f(i, int64(v), 0, false)
			}
		}
	case *array.Int8:
		for i, v := range c.Int8Values() {
			if valid(i) {
				f(i, int64(v), 0, false)
			}
		}
	case *array.Uint64:
		for i, v := range c.Uint64Values() {
			if valid(i) {
				f(i, 0, v, true)
			}
		}
	case *array.Uint32:
		for i, v := range c.Uint32Values() {
			if valid(i) {
				f(i, 0, uint64(v), true)
			}
		}
	case *array.Uint16:
		for i, v := range c.Uint16Values() {
			if valid(i) {
				f(i, 0, uint64(v), true)
			}
		}
	case *array.Uint8:
		for i, v := range c.Uint8Values() {
			if valid(i) {
				f(i, 0, uint64(v), true)
			}
		}
	}
}

// intSumAcc sums integers in int64, failing on overflow.
type intSumAcc struct {
	name string
	sum  []int64
	seen []bool
	err  error
}

func (a *intSumAcc) add(g int32, v int64) {
	s := a.sum[g]
	r := s + v
	if (v > 0 && r < s) || (v < 0 && r > s) {
		if a.err == nil {
			a.err = fmt.Errorf("%s: int64 overflow", a.name)
		}
	}
	a.sum[g] = r
	a.seen[g] = true
}

func (a *intSumAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.sum, a.seen = grow(a.sum, groups), grow(a.seen, groups)
	if c, ok := in.(*array.Int64); ok && c.NullN() == 0 {
		for i, v := range c.Int64Values() {
			a.add(gids[i], v)
		}
		return a.err
	}
	integers(in, func(i int, v int64, u uint64, unsigned bool) {
		if unsigned {
			if u > math.MaxInt64 {
				if a.err == nil {
					a.err = fmt.Errorf("%s: value %d overflows int64", a.name, u)
				}
				return
			}
			v = int64(u)
		}
		a.add(gids[i], v)
	})
	return a.err
}

func (a *intSumAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.sum, a.seen = grow(a.sum, groups), grow(a.seen, groups)
	c := states[0].(*array.Int64)
	for i, v := range c.Int64Values() {
		if c.IsValid(i) {
			a.add(gids[i], v)
		}
	}
	return a.err
}

func (a *intSumAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	r, err := a.result(mem)
	return []arrow.Array{r}, err
}

func (a *intSumAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(a.sum, a.seen)
	return b.NewArray(), a.err
}

func (a *intSumAcc) bytes() int64 { return int64(9 * cap(a.sum)) }

// floatSumAcc sums in float64.
type floatSumAcc struct {
	sum  []float64
	seen []bool
}

func (a *floatSumAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.sum, a.seen = grow(a.sum, groups), grow(a.seen, groups)
	if c, ok := in.(*array.Float64); ok && c.NullN() == 0 {
		for i, v := range c.Float64Values() {
			g := gids[i]
			a.sum[g] += v
			a.seen[g] = true
		}
		return nil
	}
	numbers(in, func(i int, v float64) {
		g := gids[i]
		a.sum[g] += v
		a.seen[g] = true
	})
	return nil
}

func (a *floatSumAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.sum, a.seen = grow(a.sum, groups), grow(a.seen, groups)
	numbers(states[0], func(i int, v float64) {
		g := gids[i]
		a.sum[g] += v
		a.seen[g] = true
	})
	return nil
}

func (a *floatSumAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	r, err := a.result(mem)
	return []arrow.Array{r}, err
}

func (a *floatSumAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(a.sum, a.seen)
	return b.NewArray(), nil
}

func (a *floatSumAcc) bytes() int64 { return int64(9 * cap(a.sum)) }

// meanAcc keeps a sum and a count.
type meanAcc struct {
	sum []float64
	n   []int64
}

func (a *meanAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.sum, a.n = grow(a.sum, groups), grow(a.n, groups)
	if c, ok := in.(*array.Float64); ok && c.NullN() == 0 {
		for i, v := range c.Float64Values() {
			g := gids[i]
			a.sum[g] += v
			a.n[g]++
		}
		return nil
	}
	numbers(in, func(i int, v float64) {
		g := gids[i]
		a.sum[g] += v
		a.n[g]++
	})
	return nil
}

func (a *meanAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.sum, a.n = grow(a.sum, groups), grow(a.n, groups)
	s, n := states[0].(*array.Float64).Float64Values(), states[1].(*array.Int64).Int64Values()
	for i, g := range gids {
		a.sum[g] += s[i]
		a.n[g] += n[i]
	}
	return nil
}

func (a *meanAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	fb, ib := array.NewFloat64Builder(mem), array.NewInt64Builder(mem)
	defer fb.Release()
	defer ib.Release()
	fb.AppendValues(a.sum, nil)
	ib.AppendValues(a.n, nil)
	return []arrow.Array{fb.NewArray(), ib.NewArray()}, nil
}

func (a *meanAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for g, n := range a.n {
		if n == 0 {
			b.AppendNull()
		} else {
			b.Append(a.sum[g] / float64(n))
		}
	}
	return b.NewArray(), nil
}

func (a *meanAcc) bytes() int64 { return int64(16 * cap(a.n)) }

// stdAcc keeps a count, a mean and the sum of squared differences (Welford), merged with
// Chan et al.'s formula.
type stdAcc struct {
	ddof    int
	n       []int64
	mean, m []float64
}

func (a *stdAcc) grow(groups int) {
	a.n, a.mean, a.m = grow(a.n, groups), grow(a.mean, groups), grow(a.m, groups)
}

func (a *stdAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.grow(groups)
	numbers(in, func(i int, v float64) {
		g := gids[i]
		a.n[g]++
		d := v - a.mean[g]
		a.mean[g] += d / float64(a.n[g])
		a.m[g] += d * (v - a.mean[g])
	})
	return nil
}

func (a *stdAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.grow(groups)
	n := states[0].(*array.Int64).Int64Values()
	mean, m := states[1].(*array.Float64).Float64Values(), states[2].(*array.Float64).Float64Values()
	for i, g := range gids {
		if n[i] == 0 {
			continue
		}
		na, nb := float64(a.n[g]), float64(n[i])
		d := mean[i] - a.mean[g]
		tot := na + nb
		a.mean[g] += d * nb / tot
		a.m[g] += m[i] + d*d*na*nb/tot
		a.n[g] += n[i]
	}
	return nil
}

func (a *stdAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	ib, mb, sb := array.NewInt64Builder(mem), array.NewFloat64Builder(mem), array.NewFloat64Builder(mem)
	defer ib.Release()
	defer mb.Release()
	defer sb.Release()
	ib.AppendValues(a.n, nil)
	mb.AppendValues(a.mean, nil)
	sb.AppendValues(a.m, nil)
	return []arrow.Array{ib.NewArray(), mb.NewArray(), sb.NewArray()}, nil
}

func (a *stdAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for g, n := range a.n {
		if n <= int64(a.ddof) {
			b.AppendNull()
		} else {
			b.Append(math.Sqrt(a.m[g] / float64(n-int64(a.ddof))))
		}
	}
	return b.NewArray(), nil
}

func (a *stdAcc) bytes() int64 { return int64(24 * cap(a.n)) }

// extremeAcc is Min, Max and AbsMax: it keeps, per group, the row key of the best value and
// decodes the winners at the end (keys order as the values do, for every orderable type).
type extremeAcc struct {
	b    *boundAgg
	mem  memory.Allocator
	best [][]byte // nil: no value yet
	nan  []bool   // the group has seen only NaNs so far
	keys kernels.Keys
}

func (a *extremeAcc) consider(in arrow.Array, gids []int32, groups int, abs bool) error {
	if len(a.best) < groups {
		a.best = grow(a.best, groups)
		a.nan = grow(a.nan, groups)
	}
	col := in
	if abs {
		var err error
		if col, err = absolute(a.mem, in); err != nil {
			return fmt.Errorf("%s: %w", a.b.fn.Name(), err)
		}
		defer col.Release()
	}
	if err := kernels.EncodeKeys(&a.keys, []arrow.Array{col}, nil, []string{a.b.fn.on}); err != nil {
		return err
	}
	isNaN := nanTest(col)
	wantMax := a.b.fn.kind != aggMin
	for i, g := range gids {
		if col.IsNull(i) {
			continue
		}
		k := a.keys.Row(i)
		nan := isNaN != nil && isNaN(i)
		cur := a.best[g]
		switch {
		case cur == nil:
		case nan:
			continue // a NaN never beats a number, nor another NaN
		case a.nan[g]:
		case wantMax && bytes.Compare(k, cur) <= 0, !wantMax && bytes.Compare(k, cur) >= 0:
			continue
		}
		a.best[g] = append(cur[:0], k...)
		a.nan[g] = nan
	}
	return nil
}

// nanTest reports NaNs of a float column (nil for other types).
func nanTest(c arrow.Array) func(i int) bool {
	switch f := c.(type) {
	case *array.Float64:
		return func(i int) bool { return math.IsNaN(f.Value(i)) }
	case *array.Float32:
		return func(i int) bool { return math.IsNaN(float64(f.Value(i))) }
	}
	return nil
}

// absolute is |c| for a numeric column, in c's type.
func absolute(mem memory.Allocator, c arrow.Array) (arrow.Array, error) {
	b := array.NewBuilder(mem, c.DataType())
	defer b.Release()
	for i := 0; i < c.Len(); i++ {
		if c.IsNull(i) {
			b.AppendNull()
			continue
		}
		switch v := c.(type) {
		case *array.Float64:
			b.(*array.Float64Builder).Append(math.Abs(v.Value(i)))
		case *array.Float32:
			b.(*array.Float32Builder).Append(float32(math.Abs(float64(v.Value(i)))))
		case *array.Int64:
			x := v.Value(i)
			if x == math.MinInt64 {
				return nil, fmt.Errorf("|%d| overflows int64", x)
			}
			b.(*array.Int64Builder).Append(max(x, -x))
		case *array.Int32:
			x := int64(v.Value(i))
			if x == math.MinInt32 {
				return nil, fmt.Errorf("|%d| overflows int32", x)
			}
			b.(*array.Int32Builder).Append(int32(max(x, -x)))
		case *array.Int16:
			x := int64(v.Value(i))
			if x == math.MinInt16 {
				return nil, fmt.Errorf("|%d| overflows int16", x)
			}
			b.(*array.Int16Builder).Append(int16(max(x, -x)))
		case *array.Int8:
			x := int64(v.Value(i))
			if x == math.MinInt8 {
				return nil, fmt.Errorf("|%d| overflows int8", x)
			}
			b.(*array.Int8Builder).Append(int8(max(x, -x)))
		default: // unsigned: already absolute
			c.Retain()
			return c, nil
		}
	}
	return b.NewArray(), nil
}

func (a *extremeAcc) update(in arrow.Array, gids []int32, groups int) error {
	return a.consider(in, gids, groups, a.b.fn.kind == aggAbsMax)
}

// merge takes partial winners, which are values of the result type (AbsMax's already absolute).
func (a *extremeAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	return a.consider(states[0], gids, groups, false)
}

func (a *extremeAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	r, err := a.result(mem)
	return []arrow.Array{r}, err
}

func (a *extremeAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewBuilder(mem, a.b.result)
	defer b.Release()
	for _, k := range a.best {
		if k == nil {
			b.AppendNull()
			continue
		}
		if err := kernels.DecodeKeys([][]byte{k}, []array.Builder{b}); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

func (a *extremeAcc) bytes() int64 {
	var n int64
	for _, k := range a.best {
		n += int64(cap(k)) + 24
	}
	return n
}

// quantileAcc keeps every value.
type quantileAcc struct {
	q      float64
	values [][]float64
}

func (a *quantileAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.values = grow(a.values, groups)
	numbers(in, func(i int, v float64) { a.values[gids[i]] = append(a.values[gids[i]], v) })
	return nil
}

func (a *quantileAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.values = grow(a.values, groups)
	l := states[0].(*array.List)
	vals := l.ListValues().(*array.Float64).Float64Values()
	for i, g := range gids {
		lo, hi := l.ValueOffsets(i)
		a.values[g] = append(a.values[g], vals[lo:hi]...)
	}
	return nil
}

func (a *quantileAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	b := array.NewListBuilder(mem, arrow.PrimitiveTypes.Float64)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Float64Builder)
	for _, vs := range a.values {
		b.Append(true)
		vb.AppendValues(vs, nil)
	}
	return []arrow.Array{b.NewArray()}, nil
}

func (a *quantileAcc) result(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for _, vs := range a.values {
		if len(vs) == 0 {
			b.AppendNull()
			continue
		}
		slices.SortFunc(vs, func(x, y float64) int {
			switch {
			case math.IsNaN(x) && math.IsNaN(y):
				return 0
			case math.IsNaN(x):
				return 1
			case math.IsNaN(y):
				return -1
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		})
		pos := a.q * float64(len(vs)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(vs)-1)
		b.Append(vs[lo] + (vs[hi]-vs[lo])*(pos-float64(lo)))
	}
	return b.NewArray(), nil
}

func (a *quantileAcc) bytes() int64 {
	var n int64
	for _, v := range a.values {
		n += int64(8*cap(v)) + 24
	}
	return n
}

// distinctAcc keeps each group's distinct values as row keys.
type distinctAcc struct {
	b    *boundAgg
	sets []map[string]struct{}
	keys kernels.Keys
	size int64
}

func (a *distinctAcc) add(g int32, k []byte) {
	if a.sets[g] == nil {
		a.sets[g] = map[string]struct{}{}
	}
	if _, ok := a.sets[g][string(k)]; !ok {
		a.sets[g][string(k)] = struct{}{}
		a.size += int64(len(k)) + 32
	}
}

func (a *distinctAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.sets = grow(a.sets, groups)
	if err := kernels.EncodeKeys(&a.keys, []arrow.Array{in}, nil, []string{a.b.fn.on}); err != nil {
		return err
	}
	for i, g := range gids {
		if in.IsValid(i) {
			a.add(g, a.keys.Row(i))
		}
	}
	return nil
}

// merge takes partial sets: lists of values.
func (a *distinctAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.sets = grow(a.sets, groups)
	l := states[0].(*array.List)
	if err := kernels.EncodeKeys(&a.keys, []arrow.Array{l.ListValues()}, nil, []string{a.b.fn.on}); err != nil {
		return err
	}
	for i, g := range gids {
		lo, hi := l.ValueOffsets(i)
		for j := lo; j < hi; j++ {
			a.add(g, a.keys.Row(int(j)))
		}
	}
	return nil
}

// sorted is group g's keys in ascending order.
func (a *distinctAcc) sorted(g int) [][]byte {
	keys := make([][]byte, 0, len(a.sets[g]))
	for k := range a.sets[g] {
		keys = append(keys, []byte(k))
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys
}

func (a *distinctAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	l, err := a.lists(mem)
	return []arrow.Array{l}, err
}

// lists is every group's values, ascending, as a list column.
func (a *distinctAcc) lists(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewListBuilder(mem, kernels.KeyBuilderType(a.b.inType))
	defer b.Release()
	for g := range a.sets {
		b.Append(true)
		if err := kernels.DecodeKeys(a.sorted(g), []array.Builder{b.ValueBuilder()}); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

func (a *distinctAcc) result(mem memory.Allocator) (arrow.Array, error) {
	if a.b.fn.kind == aggCountDistinct {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for _, s := range a.sets {
			b.Append(int64(len(s)))
		}
		return b.NewArray(), nil
	}
	return a.lists(mem)
}

func (a *distinctAcc) bytes() int64 { return a.size }

// udfAcc runs a user-defined aggregation: per group, one accumulator value.
type udfAcc struct {
	b    *boundAgg
	accs []any
	mem  memory.Allocator
}

func (a *udfAcc) ensure(groups int) {
	for len(a.accs) < groups {
		a.accs = append(a.accs, a.b.fn.udf.init())
	}
}

func (a *udfAcc) update(in arrow.Array, gids []int32, groups int) error {
	a.ensure(groups)
	// Split the column by group (one gather per group present in this block).
	rows := map[int32][]int64{}
	var order []int32
	for i, g := range gids {
		if _, ok := rows[g]; !ok {
			order = append(order, g)
		}
		rows[g] = append(rows[g], int64(i))
	}
	for _, g := range order {
		part, err := takeArray(a.mem, in, rows[g])
		if err != nil {
			return err
		}
		acc, err := a.b.fn.udf.accumulate(a.accs[g], part)
		part.Release()
		if err != nil {
			return fmt.Errorf("%s: %w", a.b.fn.Name(), err)
		}
		a.accs[g] = acc
	}
	return nil
}

func (a *udfAcc) merge(states []arrow.Array, gids []int32, groups int) error {
	a.ensure(groups)
	c := states[0].(*array.Binary)
	for i, g := range gids {
		other, err := a.b.fn.udf.decode(c.Value(i))
		if err != nil {
			return fmt.Errorf("%s: decode accumulator: %w", a.b.fn.Name(), err)
		}
		a.accs[g] = a.b.fn.udf.merge(a.accs[g], other)
	}
	return nil
}

func (a *udfAcc) states(mem memory.Allocator) ([]arrow.Array, error) {
	b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	var p []byte
	for _, acc := range a.accs {
		var err error
		p, err = a.b.fn.udf.encode(p[:0], acc)
		if err != nil {
			return nil, fmt.Errorf("%s: encode accumulator (its fields must be exported): %w", a.b.fn.Name(), err)
		}
		b.Append(p)
	}
	return []arrow.Array{b.NewArray()}, nil
}

func (a *udfAcc) result(mem memory.Allocator) (arrow.Array, error) {
	rows := make([]Row, len(a.accs))
	for g, acc := range a.accs {
		rows[g] = Row{"v": a.b.fn.udf.finalize(acc)}
	}
	rec, err := recordOfRows(mem, rows, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: result: %w", a.b.fn.Name(), err)
	}
	defer rec.Release()
	col := rec.Column(0)
	col.Retain()
	return col, nil
}

func (a *udfAcc) bytes() int64 { return int64(64 * len(a.accs)) }

// takeArray gathers rows of a into a new array.
func takeArray(mem memory.Allocator, a arrow.Array, rows []int64) (arrow.Array, error) {
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "v", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, int64(a.Len()))
	defer rec.Release()
	out, err := kernels.Take(context.Background(), mem, rec, rows)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	c := out.Column(0)
	c.Retain()
	return c, nil
}
