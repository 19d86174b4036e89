package data

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/data/write"
)

// pageIndexFile writes the pyarrow file of scripts/conformance/parquet_page_index.py
// (30000 random rows with nulls, 3 row groups, pages of 1000 rows, a page index; see there)
// under dir; false when pyarrow is missing.
func pageIndexFile(t *testing.T, dir, version string) bool {
	t.Helper()
	py := pythonWith(t, "numpy", "pyarrow")
	if py == "" {
		return false
	}
	if out, err := exec.Command(py, filepath.Join("..", "scripts", "conformance", "parquet_page_index.py"), filepath.Join(dir, "data.parquet"), version).CombinedOutput(); err != nil {
		t.Fatalf("pyarrow: %v\n%s", err, out)
	}
	return true
}

// pushdownModes are the ways a filtered read can run, all of which must return the rows of
// the oracle: the Where over a read that prunes nothing (behind a MapBatches).
var pushdownModes = []struct {
	name string
	opts []Option
}{
	{"pages and late materialization", nil},
	{"pages only", []Option{ParquetLateMaterialization(false)}},
	{"late materialization only", []Option{ParquetPageIndex(false)}},
	{"row groups only", []Option{ParquetPageIndex(false), ParquetLateMaterialization(false)}},
}

// checkPushdown runs filter over the Parquet files in dir in every mode and compares the
// rows with the oracle's; it returns the pages_skipped counter of each mode.
func checkPushdown(t *testing.T, dir string, filter expr.Expr, columns ...string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	c := testContext(t)
	oracle := ReadParquet(dir).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) {
		return b, nil
	}).Where(filter)
	if columns != nil {
		oracle = oracle.SelectColumns(columns...)
	}
	want, err := oracle.TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := rowStrings(want)
	skipped := map[string]int64{}
	for _, m := range pushdownModes {
		ds := ReadParquet(dir, m.opts...).WithContext(c).Where(filter)
		if columns != nil {
			ds = ds.SelectColumns(columns...)
		}
		got, err := ds.TakeAll(ctx, 0)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if g := rowStrings(got); len(g) != len(wantRows) || firstDiff(g, wantRows) != "" {
			t.Fatalf("%s: %d rows where the oracle has %d; first difference: %s", m.name, len(g), len(wantRows), firstDiff(g, wantRows))
		}
		skipped[m.name] = opCounter(ds, "pages_skipped")
	}
	return skipped
}

func TestPageIndexPushdownPyarrow(t *testing.T) {
	for _, version := range []string{"1.0", "2.0"} {
		t.Run("data pages v"+version, func(t *testing.T) {
			dir := t.TempDir()
			if !pageIndexFile(t, dir, version) {
				return
			}
			// Pages skipped with the page index (8 flat columns: the list is pqarrow's and
			// counts no pages), in the row groups the statistics and dictionaries kept.
			tests := []struct {
				name   string
				filter expr.Expr
				cols   []string
				pages  int64 // pages_skipped with pages and late materialization
				late   int64 // with late materialization only (-1: not checked)
			}{
				// rows 15000-16199: row group 1, its pages 5 and 6 of each column; late
				// materialization alone reads all 10 pages of k, pages 5 and 6 of the others
				{"a range of the sorted column", Col("k").Ge(int64(1500)).And(Col("k").Lt(int64(1620))), nil, 8 * 8, 7 * 8},
				// one page in each of two row groups
				{"two ranges", Col("k").Lt(int64(50)).Or(Col("k").Between(int64(2950), int64(2960))), nil, 8*9 + 8*9, 7*9 + 7*9},
				// by dictionary, row group 0 only; its page 2 holds every match, but the
				// string's page statistics span it: late materialization reads all 10 pages
				// of s and page 2 of the 7 others
				{"a rare string", Col("s").Eq("k_rare"), nil, 7 * 9, 7 * 9},
				// z is null in pages 0, 3, 6, 9 of row group 0: z < 5000 keeps pages 1, 2, 4
				{"pages of nulls", Col("z").Lt(int64(5000)), nil, 8 * 7, -1},
				{"is null", Col("z").IsNull().And(Col("k").Lt(int64(500))), nil, 8 * 8, -1},
				{"random 1%", Col("x").Lt(0.01), nil, -1, -1},
				{"nulls", Col("x").IsNull().And(Col("k").Lt(int64(300))), nil, -1, -1},
				{"two columns", Col("k").Gt(int64(2500)).And(Col("i32").Lt(int32(-990))), nil, -1, -1},
				{"booleans and timestamps", Col("b").And(Col("ts").Lt(time.Unix(12_000, 0).UTC())), nil, -1, -1},
				{"projected", Col("k").Between(int64(100), int64(130)), []string{"s", "l"}, -1, -1},
				{"delta strings", Col("sd").Lt("ab"), nil, -1, -1},
				{"nothing matches", Col("k").Eq(int64(1234)).And(Col("x").Gt(2.0)), nil, -1, -1},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					skipped := checkPushdown(t, dir, tc.filter, tc.cols...)
					if tc.pages >= 0 {
						if got := skipped["pages and late materialization"]; got != tc.pages {
							t.Errorf("%d pages skipped, want %d", got, tc.pages)
						}
						if got := skipped["late materialization only"]; tc.late >= 0 && got != tc.late {
							t.Errorf("late materialization only: %d pages skipped, want %d", got, tc.late)
						}
					}
					if got := skipped["row groups only"]; got != 0 {
						t.Errorf("row groups only: %d pages skipped, want none", got)
					}
					t.Logf("pages skipped: %v", skipped)
					if tc.pages > 0 {
						ds := ReadParquet(dir).WithContext(testContext(t)).Where(tc.filter)
						if _, err := ds.Count(context.Background()); err != nil {
							t.Fatal(err)
						}
						if s := ds.Stats().String(); !strings.Contains(s, fmt.Sprintf("pages_skipped %d", tc.pages)) {
							t.Errorf("the stats do not say pages_skipped %d:\n%s", tc.pages, s)
						}
					}
				})
			}
		})
	}
}

// TestPageIndexPushdownSluiceFiles writes random data with nulls with sluice's writer (which
// writes the page index) in small pages and checks that filtered reads skip pages and
// return the oracle's rows.
func TestPageIndexPushdownSluiceFiles(t *testing.T) {
	dir := t.TempDir()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	fw, err := write.NewFiles(context.Background(), nil, write.Parquet(write.ParquetRowGroupRows(20_000), write.ParquetDataPageSize(8<<10)), write.FilesOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b := array.NewRecordBuilder(mem, schema)
	for i := range 50_000 {
		if rng.IntN(20) == 0 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
		}
		if rng.IntN(10) == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(rng.Float64())
		}
		if rng.IntN(10) == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(string(rune('a' + rng.IntN(26))))
		}
	}
	rec := b.NewRecordBatch()
	b.Release()
	err = fw.Write(rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []expr.Expr{
		Col("id").Between(int64(21_000), int64(21_500)),
		Col("id").Lt(int64(3000)).And(Col("v").Gt(0.5)),
		Col("v").Lt(0.01),
		Col("id").IsNull().And(Col("name").Eq("q")),
	} {
		skipped := checkPushdown(t, dir, f)
		t.Logf("%s: pages skipped %v", f, skipped)
	}
	if s := checkPushdown(t, dir, Col("id").Between(int64(21_000), int64(21_500))); s["pages and late materialization"] == 0 || s["pages only"] == 0 {
		t.Errorf("no pages skipped in sluice's file: %v", s)
	}
}

// TestPageIndexPushdownFallback: a fixed-size-list column that the page reader gives back to
// pqarrow mid-file (a row group with null lists) still reads the filtered rows right, with
// pages of the other columns skipped.
func TestPageIndexPushdownFallback(t *testing.T) {
	dir := t.TempDir()
	mem := memory.NewGoAllocator()
	vec := arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "vec", Type: vec, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	fw, err := write.NewFiles(context.Background(), nil, write.Parquet(write.ParquetRowGroupRows(10_000), write.ParquetDataPageSize(4<<10)), write.FilesOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(mem, schema)
	lb := b.Field(1).(*array.FixedSizeListBuilder)
	vb := lb.ValueBuilder().(*array.Float32Builder)
	for i := range 30_000 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i >= 10_000 && i < 20_000 && i%97 == 0 {
			lb.AppendNull() // only in row group 1
		} else {
			lb.Append(true)
			for j := range 4 {
				vb.Append(float32(i*4 + j))
			}
		}
		if i%5 == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Float64Builder).Append(float64(i) / 3)
		}
	}
	rec := b.NewRecordBatch()
	b.Release()
	err = fw.Write(rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []expr.Expr{
		Col("id").Between(int64(9_500), int64(10_700)),
		Col("id").Gt(int64(12_000)).And(Col("v").Lt(5000.0)),
		Col("v").IsNull().And(Col("id").Lt(int64(25_000))),
	} {
		s := checkPushdown(t, dir, f)
		t.Logf("%s: pages skipped %v", f, s)
		if f.String() == Col("id").Between(int64(9_500), int64(10_700)).String() && s["pages and late materialization"] == 0 {
			t.Errorf("%s: no pages skipped", f)
		}
	}
}
