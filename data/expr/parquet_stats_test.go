package expr

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// parquetGroups reads every row group of path as one record batch each, with the file's
// Arrow schema and metadata.
func parquetGroups(t *testing.T, path string) (*arrow.Schema, *file.Reader, []arrow.RecordBatch) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false, file.WithReadProps(parquet.NewReaderProperties(memory.DefaultAllocator)))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 20}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var recs []arrow.RecordBatch
	for i := range pf.NumRowGroups() {
		rr, err := fr.GetRecordReader(context.Background(), nil, []int{i})
		if err != nil {
			t.Fatal(err)
		}
		var parts []arrow.RecordBatch
		for rr.Next() {
			r := rr.RecordBatch()
			r.Retain()
			parts = append(parts, r)
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
		if len(parts) != 1 {
			t.Fatalf("row group %d read as %d batches", i, len(parts))
		}
		recs = append(recs, parts[0])
	}
	return schema, pf, recs
}

// checkParquetStats holds the statistics decoded from a file against its rows: bounds
// must bound (and, where the writer keeps exact extremes, equal) the data, null counts
// must be exact, and pruning row groups and pages with them must keep every matching row.
func checkParquetStats(t *testing.T, path string, exactBounds bool, preds []Expr) {
	schema, pf, recs := parquetGroups(t, path)
	defer pf.Close()
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	md := pf.MetaData()
	ctx := context.Background()
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	boundsSeen := 0
	for g, rec := range recs {
		st := ParquetRowGroupStats(md.RowGroup(g), schema)
		if st.NumRows() != rec.NumRows() {
			t.Fatalf("row group %d: %d rows, stats say %d", g, rec.NumRows(), st.NumRows())
		}
		truth := statsOf(rec, func(string, string) bool { return true })
		for name, want := range truth.Columns {
			got, ok := st.Column(name)
			if !ok {
				continue
			}
			if got.HasNullCount && got.NullCount != want.NullCount {
				t.Errorf("row group %d column %s: %d nulls, stats say %d", g, name, want.NullCount, got.NullCount)
			}
			if got.Min == nil {
				continue
			}
			boundsSeen++
			p := &pruner{ctx: context.Background()}
			if want.Min == nil {
				continue // all null or all NaN: any bound is fine
			}
			c1, ok1 := p.cmp(got.Min, want.Min)
			c2, ok2 := p.cmp(got.Max, want.Max)
			if !ok1 || !ok2 || c1 > 0 || c2 < 0 || exactBounds && (c1 != 0 || c2 != 0) {
				t.Errorf("row group %d column %s: data spans [%s, %s], stats say [%s, %s]", g, name, want.Min, want.Max, got.Min, got.Max)
			}
		}
		for _, c := range truth.Columns {
			if c.Values != nil {
				c.Values.Release()
			}
		}
	}
	if boundsSeen == 0 {
		t.Fatal("no column had bounds")
	}

	pir := pf.GetPageIndexReader()
	skippedGroups, skippedPages, pages := 0, 0, 0
	for _, e := range preds {
		bd, err := BindPredicate(e, schema)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		for g, rec := range recs {
			rows, ok := rowTruth(ctx, mem, bd, rec)
			if !ok {
				continue // a predicate that fails on these rows may be pruned or not
			}
			if !bd.MayMatch(ParquetRowGroupStats(md.RowGroup(g), schema)) {
				skippedGroups++
				if anyTrue(rows, 0, len(rows)) {
					t.Errorf("%s skips row group %d, which has matching rows", e, g)
				}
			}
			cols := e.Columns()
			if len(cols) != 1 || pir == nil {
				continue
			}
			rg, err := pir.RowGroup(g)
			if err != nil || rg == nil {
				continue
			}
			ci := pf.MetaData().Schema.ColumnIndexByName(cols[0])
			cidx, err1 := rg.GetColumnIndex(ci)
			oidx, err2 := rg.GetOffsetIndex(ci)
			if err1 != nil || err2 != nil || cidx == nil || oidx == nil {
				continue
			}
			field := schema.Field(schema.FieldIndices(cols[0])[0])
			ps := ParquetPageStats(cidx, oidx, rec.NumRows(), pf.MetaData().Schema.Column(ci), field)
			locs := oidx.GetPageLocations()
			for p, s := range ps {
				pages++
				if bd.MayMatch(s) {
					continue
				}
				skippedPages++
				end := rec.NumRows()
				if p+1 < len(locs) {
					end = locs[p+1].FirstRowIndex
				}
				if anyTrue(rows, int(locs[p].FirstRowIndex), int(end)) {
					t.Errorf("%s skips page %d of row group %d (rows %d-%d), which has matching rows", e, p, g, locs[p].FirstRowIndex, end-1)
				}
			}
		}
	}
	t.Logf("%d predicates x %d row groups: %d row groups skipped; %d of %d pages skipped", len(preds), len(recs), skippedGroups, skippedPages, pages)
	if skippedGroups == 0 || pages > 0 && skippedPages == 0 {
		t.Errorf("nothing skipped: the file's statistics were not used")
	}
}

func rowTruth(ctx context.Context, mem memory.Allocator, bd *Bound, rec arrow.RecordBatch) ([]bool, bool) {
	mask, err := bd.Eval(ctx, mem, rec)
	if err != nil {
		return nil, false
	}
	defer mask.Release()
	out := make([]bool, mask.Len())
	for i := range out {
		out[i] = valueAt(mask, i) == true
	}
	return out, true
}

func anyTrue(rows []bool, from, to int) bool {
	for _, r := range rows[from:to] {
		if r {
			return true
		}
	}
	return false
}

// TestParquetStatsPqarrow writes clustered random row groups with pqarrow (page index on,
// small pages) and checks the decoded statistics and the pruning against the rows.
func TestParquetStatsPqarrow(t *testing.T) {
	bg := newBatchGen(*seed + 200)
	eg := &exprGen{r: bg.r}
	path := filepath.Join(t.TempDir(), "groups.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields []arrow.Field
	for _, f := range randomFields {
		if f.Name != "ds" { // pqarrow writes dictionaries; their stats are of the values, tested below
			fields = append(fields, f)
		}
	}
	schema := arrow.NewSchema(fields, nil)
	w, err := pqarrow.NewFileWriter(schema, out,
		parquet.NewWriterProperties(parquet.WithPageIndexEnabled(true), parquet.WithDataPageSize(64), parquet.WithBatchSize(8), parquet.WithStats(true)),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		bg.spread = []float64{0.02, 0.1, 0.5}[bg.r.IntN(3)]
		bg.center = float64(bg.r.IntN(41) - 20)
		bg.nullRate = []float64{0, 0.1, 1}[bg.r.IntN(3)]
		full := bg.batch(40)
		var cols []arrow.Array
		for i, f := range randomFields {
			if f.Name != "ds" {
				cols = append(cols, full.Column(i))
			}
		}
		rec := array.NewRecordBatch(schema, cols, full.NumRows())
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		full.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var preds []Expr
	for len(preds) < 300 {
		e := eg.boolean(1 + eg.r.IntN(2))
		if _, err := BindPredicate(e, schema); err == nil && !strings.Contains(e.String(), "ds") {
			preds = append(preds, e)
		}
	}
	for _, c := range []string{"i8", "u32", "f64", "s", "ts", "tsn", "d"} {
		preds = append(preds, Col(c).IsNull(), Col(c).IsNotNull())
	}
	preds = append(preds, Col("i64").Gt(15), Col("u64").Lt(3), Col("f32").Between(-1, 1), Col("s").Eq("ab"),
		Col("ts").Year().Eq(2021), Col("tsn").Gt(Lit(mustTime("2022-01-01T00:00:00Z"))), Col("d").Lt(Date(2017, 1, 1)))
	checkParquetStats(t, path, true, preds)
}

// TestParquetStatsPyarrow reads the statistics of a file pyarrow wrote (several row groups,
// page index, NaN in a float column, zoned timestamps) and checks them and the pruning
// against the rows, as pqarrow reads them.
func TestParquetStatsPyarrow(t *testing.T) {
	if err := exec.Command("python3", "-c", "import pyarrow, numpy").Run(); err != nil {
		t.Skip("python3 with pyarrow and numpy is needed (scripts/install-python-deps.sh): ", err)
	}
	path := filepath.Join(t.TempDir(), "pyarrow.parquet")
	script := `
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
rng = np.random.default_rng(7)
n = 4000
base = np.sort(rng.integers(0, 1000, n))              # row groups get narrow ranges
f = base / 7.0
f[rng.random(n) < 0.02] = np.nan
t = pa.table({
    "i8": pa.array((base % 200 - 100).astype(np.int8), mask=rng.random(n) < 0.1),
    "u32": pa.array((base * 3).astype(np.uint32)),
    "f64": pa.array(f, mask=rng.random(n) < 0.05),
    "s": pa.array(["k%04d" % v for v in base]),
    "ts": pa.array((1_600_000_000_000_000 + base * 86_400_000_000).astype("datetime64[us]")).cast(pa.timestamp("us", tz="UTC")),
    "d": pa.array((18000 + base).astype(np.int32)).cast(pa.date32()),
    "b": pa.array(base % 2 == 0),
})
pq.write_table(t, sys.argv[1], row_group_size=500, write_page_index=True, data_page_size=512, use_dictionary=False)
`
	if out, err := exec.Command("python3", "-c", script, path).CombinedOutput(); err != nil {
		t.Fatalf("pyarrow: %v\n%s", err, out)
	}
	preds := []Expr{
		Col("i8").Gt(90), Col("i8").Lt(-95), Col("i8").IsNull(), Col("u32").Between(1500, 1600), Col("u32").Ge(2990),
		Col("f64").Gt(140), Col("f64").Lt(1), Col("f64").Ne(10), Col("f64").Gt(140).Not(),
		Col("s").Eq("k0500"), Col("s").StartsWith("k09"), Col("s").IsIn("k0001", "k0999"),
		Col("ts").Lt(Lit(mustTime("2020-09-20T00:00:00Z"))), Col("ts").Year().Eq(2022), Col("d").Gt(Date(2021, 1, 1)),
		Col("b").Eq(true), And(Col("u32").Gt(2500), Col("i8").Lt(0)), Or(Col("s").Lt("k0100"), Col("f64").Gt(130)),
	}
	checkParquetStats(t, path, true, preds)
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
