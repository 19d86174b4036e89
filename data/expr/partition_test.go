package expr

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

var partitionSchema = arrow.NewSchema([]arrow.Field{
	{Name: "year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func TestMayMatchPartition(t *testing.T) {
	file := map[string]string{"year": "2023", "region": "eu-west", "day": "2023-05-01"}
	cases := []struct {
		e      Expr
		values map[string]string
		want   bool
	}{
		{Col("year").Eq(2023), file, true},
		{Col("year").Eq(2024), file, false},
		{Col("year").Ge(2024).Or(Col("region").Eq("us")), file, false},
		{Col("year").Ge(2024).Or(Col("region").StartsWith("eu")), file, true},
		{Col("region").IsIn("us", "ap"), file, false},
		{Col("day").Between(Date(2023, 1, 1), Date(2023, 3, 31)), file, false},
		{Col("day").Month().Eq(5), file, true},
		{Col("year").Eq(2024).And(Col("x").Gt(5)), file, false},
		{Col("year").Eq(2023).And(Col("x").Gt(5)), file, true}, // x is not known from the path
		{Col("x").Gt(5), file, true},
		{Col("year").IsNull(), file, false},
		{Col("year").IsNull(), map[string]string{"year": HiveNull}, true},
		{Col("year").Eq(2023), map[string]string{"year": HiveNull}, false},
		{Col("year").Ne(2023).Not(), file, true},
		{Col("year").Eq(2023), map[string]string{}, true}, // no value: unknown
	}
	for _, c := range cases {
		t.Run(c.e.String(), func(t *testing.T) {
			bd, err := BindPredicate(c.e, partitionSchema)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bd.MayMatchPartition(c.values)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("MayMatchPartition(%v) = %v, want %v", c.values, got, c.want)
			}
		})
	}
	bd, _ := BindPredicate(Col("year").Eq(1), partitionSchema)
	_, err := bd.MayMatchPartition(map[string]string{"year": "twenty"})
	if err == nil || !strings.Contains(err.Error(), "partition year=twenty: not a int32 value") {
		t.Errorf("a value that does not parse: %v", err)
	}
}

// TestPartitionPruneAgainstRows: random files (partition values, a few rows), random
// predicates; a file with a row where the predicate is true must never be skipped.
func TestPartitionPruneAgainstRows(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(*seed, 7))
	regions := []string{"eu", "us", "ap", "eu-west"}
	pred := func() Expr {
		atoms := []func() Expr{
			func() Expr { return Col("year").Eq(2020 + r.IntN(4)) },
			func() Expr { return Col("year").Gt(2020 + r.IntN(4)) },
			func() Expr { return Col("region").Eq(regions[r.IntN(4)]) },
			func() Expr { return Col("region").IsIn(regions[r.IntN(4)], regions[r.IntN(4)]) },
			func() Expr { return Col("region").StartsWith("eu") },
			func() Expr { return Col("day").Lt(Date(2021, time.Month(1+r.IntN(12)), 1)) },
			func() Expr { return Col("x").Gt(r.IntN(10)) },
			func() Expr { return Col("year").IsNull() },
			func() Expr { return Col("year").Add(Col("x")).Gt(2025) },
		}
		var build func(d int) Expr
		build = func(d int) Expr {
			if d == 0 || r.IntN(3) == 0 {
				return atoms[r.IntN(len(atoms))]()
			}
			switch r.IntN(3) {
			case 0:
				return And(build(d-1), build(d-1))
			case 1:
				return Or(build(d-1), build(d-1))
			}
			return build(d - 1).Not()
		}
		return build(3)
	}
	skipped, checked := 0, 0
	for range 3000 {
		values := map[string]string{
			"year":   fmt.Sprint(2020 + r.IntN(4)),
			"region": regions[r.IntN(4)],
			"day":    time.Date(2020+r.IntN(3), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		}
		if r.IntN(10) == 0 {
			values["year"] = HiveNull
		}
		rec := partitionFile(values, r)
		e := pred()
		bd, err := BindPredicate(e, partitionSchema)
		if err != nil {
			t.Fatal(err)
		}
		mask, err := bd.Eval(context.Background(), mem, rec)
		if err != nil {
			t.Fatal(err)
		}
		anyTrue := false
		for i := range mask.Len() {
			anyTrue = anyTrue || valueAt(mask, i) == true
		}
		mask.Release()
		got, err := bd.MayMatchPartition(values)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if !got {
			skipped++
		}
		if anyTrue && !got {
			t.Fatalf("%s skips %v, whose rows match:\n%s", e, values, describeBatch(rec))
		}
		rec.Release()
	}
	t.Logf("%d of %d files skipped", skipped, checked)
	if skipped < checked/10 {
		t.Errorf("only %d of %d files skipped", skipped, checked)
	}
}

// partitionFile is a file's rows: its partition values on every row, random x.
func partitionFile(values map[string]string, r *rand.Rand) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.NewGoAllocator(), partitionSchema)
	defer b.Release()
	n := 1 + r.IntN(5)
	for range n {
		if v := values["year"]; v == HiveNull {
			b.Field(0).AppendNull()
		} else if err := b.Field(0).AppendValueFromString(v); err != nil {
			panic(err)
		}
		b.Field(1).(*array.StringBuilder).Append(values["region"])
		if err := b.Field(2).AppendValueFromString(values["day"]); err != nil {
			panic(err)
		}
		if r.IntN(5) == 0 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Int64Builder).Append(r.Int64N(12))
		}
	}
	return b.NewRecordBatch()
}
