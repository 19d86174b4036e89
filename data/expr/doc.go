// Package expr holds expressions over the columns of Arrow record batches as data: built in
// Go, printed as the Go that builds them, compared, shipped as JSON, type-checked against a
// schema before anything runs, evaluated over whole arrays, and reasoned about from
// statistics so a reader can skip what cannot match.
//
//	e := expr.Col("price").Mul(expr.Col("qty")).Gt(100).And(expr.Col("region").IsIn("eu", "us"))
//	pred, err := expr.BindPredicate(e, schema)   // errors name the sub-expression and the column
//	mask, err := pred.Eval(ctx, mem, rec)        // an arrow.Array the caller releases
//	kept, err := expr.Filter(ctx, mem, pred, rec) // the rows where e is true
//	pred.MayMatch(expr.ParquetRowGroupStats(rg, schema)) // false: skip the row group
//
// # Calling protocol
//
// An Expr is an immutable value; building one never fails (mistakes surface at Bind). Bind
// returns a *Bound, immutable and safe for concurrent use, whose constants live in Go memory
// (nothing to release). Eval and Filter allocate their results from the allocator they are
// given and the caller releases them; they read the batch and keep nothing of it. Possible,
// MayMatch and MayMatchPartition read the statistics given and keep nothing.
//
// # Types
//
// Arithmetic promotes as Arrow's kernels do (int32 with int64 is int64, an integer with a
// float is the float, int64 with uint64 is int64, int8 with uint8 is int16), with one
// addition: a Go int literal (Lit(10), or 10 as an operand) takes the other operand's
// numeric type when it holds the value exactly, as Go's untyped constants do, so
// Col("i8").Add(1) is int8 and Col("f32").Mul(2) is float32. A literal compared with a
// column is converted to the column's type whenever that is exact (a comparison's answer
// does not depend on the type it is made in, and converting one value beats converting a
// column). Promotions are explicit casts in the bound tree, with Arrow's safe-cast rules:
// an integer only becomes a float within ±2^53 (±2^24 for float32), a uint64 past
// math.MaxInt64 does not become an int64; such a row is an error.
//
// # Values
//
// Nulls follow Arrow: most operations are null where an input is null; And and Or are
// Kleene's (false And null is false, true Or null is true); IsNull and IsNotNull are never
// null; IsIn is false for a null unless nil is among its values; FillNull replaces nulls.
// Integer overflow and integer division or Mod by zero are errors naming the expression
// (the checked semantics of Arrow's add_checked and divide), raised only for valid rows. Float
// arithmetic is IEEE 754: x/0 is ±Inf, 0/0 NaN, Mod is math.Mod. Comparisons with NaN are
// IEEE's too (NaN != x is true, every other comparison false), as Arrow's kernels compare;
// IsIn matches NaN with NaN and tells -0 from +0, as Arrow's hash lookup does.
//
// # Kernels
//
// Evaluation runs arrow-go v18.8.0's compute kernels where they exist and are right:
// comparisons, Kleene and/or, is_in, float arithmetic, casts other than between numbers,
// filter. The rest are kernels of this package over the arrays' buffers, each with a
// benchmark against the plain Go loop: the functions arrow-go lacks (modulo, fill_null, the
// string functions, year/month/day/hour, list length), and those where its kernels give
// wrong answers: checked integer add and subtract miss signed overflows, checked multiply
// tests the values under null slots, divide wraps math.MinInt64 / -1, and is_not_null, not
// and the numeric casts read the validity bitmap of a sliced array without its offset.
//
// # Pruning
//
// Possible says what a predicate can evaluate to on rows known only by statistics (Stats:
// min, max, null and NaN counts, distinct values); MayMatch is its True. It is three-valued
// and conservative: it never says a row group, page or file cannot match when one of its
// rows does, and it is exact for sub-expressions of one column whose distinct values are
// known (a dictionary page, a partition value). ParquetRowGroupStats and ParquetPageStats
// read Parquet metadata and column indexes; PartitionStats and MayMatchPartition read Hive
// partition values. Columns lists what an expression reads, for projection pushdown and
// late materialization; Conjuncts splits a filter into parts a reader can place apart.
//
// # JSON
//
// MarshalJSON and UnmarshalJSON give the form a later distributed backend ships (see
// json.go for its grammar); a round trip gives an Equal expression.
package expr
