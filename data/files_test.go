package data

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

var update = flag.Bool("update", false, "rewrite golden files")

const iris = "../testdata/iris.csv"

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listDir returns every file under dir (relative), including hidden temporary ones.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestReadCSVIris(t *testing.T) {
	c := testContext(t)
	ctx := context.Background()
	ds := ReadCSV(iris).WithContext(c)
	n, err := ds.Count(ctx)
	if err != nil || n != 150 {
		t.Fatalf("count %d %v", n, err)
	}
	sc, err := ds.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "Column        Type\n------        ----\nsepal_length  float64\nsepal_width   float64\npetal_length  float64\npetal_width   float64\nspecies       string\n"
	if sc.String() != want {
		t.Fatalf("schema:\n%s\nwant\n%s", sc, want)
	}
	rows, err := ReadCSV(iris, Columns("species", "petal_width"), IncludePaths()).WithContext(c).Take(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[map[path:../testdata/iris.csv petal_width:0.2 species:setosa]]" {
		t.Fatalf("rows %v", rows)
	}
}

func TestReadFormats(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "j/a.jsonl", "{\"x\": 1, \"s\": \"a\"}\n{\"x\": 2, \"s\": \"b\"}\n")
	writeFile(t, dir, "j/b.json", "[{\"x\": 3, \"s\": \"c\"}]")
	writeFile(t, dir, "t/a.txt", "hello\n\nworld\n")
	writeFile(t, dir, "t/sub/b.txt", "again\n")
	writeFile(t, dir, "t/.hidden", "skipped\n")
	ctx := context.Background()
	cases := []struct {
		name string
		ds   func() *Dataset
		want string
	}{
		{"json lines and arrays", func() *Dataset { return ReadJSON(filepath.Join(dir, "j")) }, "[map[s:a x:1] map[s:b x:2] map[s:c x:3]]"},
		{"text recursive", func() *Dataset { return ReadText(filepath.Join(dir, "t")) }, "[map[text:hello] map[text:world] map[text:again]]"},
		{"text keeps empty lines", func() *Dataset { return ReadText(filepath.Join(dir, "t/a.txt"), DropEmptyLines(false)) }, "[map[text:hello] map[text:] map[text:world]]"},
		{"binary with glob", func() *Dataset {
			return ReadBinaryFiles(filepath.Join(dir, "t/*.txt")).Map(func(ctx context.Context, r Row) (Row, error) {
				return Row{"n": int64(len(r["bytes"].([]byte)))}, nil
			})
		}, "[map[n:13]]"},
		{"list of paths, missing ignored", func() *Dataset {
			return ReadText([]string{filepath.Join(dir, "t/sub/b.txt"), filepath.Join(dir, "nope.txt")}, IgnoreMissingPaths())
		}, "[map[text:again]]"},
		{"extension filter", func() *Dataset { return ReadJSON(filepath.Join(dir, "j"), FileExtensions("jsonl")).SelectColumns("x") }, "[map[x:1] map[x:2]]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testContext(t)
			rows, err := tc.ds().WithContext(c).TakeAll(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rows) != tc.want {
				t.Fatalf("got %v\nwant %s", rows, tc.want)
			}
		})
	}
}

func TestWriteAndReadBack(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"parquet", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			c := testContext(t)
			dir := t.TempDir()
			src := ReadCSV(iris).WithContext(c)
			var paths []string
			var err error
			switch format {
			case "parquet":
				paths, err = src.WriteParquet(ctx, dir, MaxRowsPerFile(40))
			case "csv":
				paths, err = src.WriteCSV(ctx, dir, MaxRowsPerFile(40))
			case "json":
				paths, err = src.WriteJSON(ctx, dir, MaxRowsPerFile(40))
			}
			if err != nil {
				t.Fatal(err)
			}
			wantNames := []string{"_SUCCESS", "part_000000_000000." + format, "part_000000_000001." + format, "part_000000_000002." + format, "part_000000_000003." + format}
			if got := listDir(t, dir); fmt.Sprint(got) != fmt.Sprint(wantNames) {
				t.Fatalf("files %v, want %v", got, wantNames)
			}
			if len(paths) != 4 {
				t.Fatalf("returned paths %v", paths)
			}
			var back *Dataset
			switch format {
			case "parquet":
				back = ReadParquet(dir)
			case "csv":
				back = ReadCSV(dir)
			case "json":
				back = ReadJSON(dir)
			}
			back = back.WithContext(c)
			orig, err := src.TakeAll(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.TakeAll(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(orig) {
				t.Fatalf("round trip differs:\n%v\n%v", got[:2], orig[:2])
			}
		})
	}
}

func TestRowsPerFile(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	// 10 small tasks of 1024 rows: MinRowsPerFile bundles them into files of >= 3000 rows,
	// MaxRowsPerFile caps each file at 4000.
	paths, err := Range(10240).WithContext(c).WriteParquet(ctx, dir, MinRowsPerFile(3000), MaxRowsPerFile(4000))
	if err != nil {
		t.Fatal(err)
	}
	var counts []int64
	for _, p := range paths {
		n, err := ReadParquet(p).WithContext(c).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
	}
	var total int64
	for i, n := range counts {
		total += n
		if n > 4000 || (n < 3000 && i != len(counts)-1) {
			t.Errorf("file %s has %d rows", paths[i], n)
		}
	}
	if total != 10240 {
		t.Fatalf("rows per file %v, total %d", counts, total)
	}
}

func TestFailedWriteLeavesNothing(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	_, err := Range(100_000).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) {
		if v, _ := b.Int64s("id"); v[0] >= 60_000 {
			return nil, errors.New("disk full (simulated)")
		}
		return b, nil
	}, BatchSize(10_000)).WriteParquet(ctx, dir, MaxRowsPerFile(5_000))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v", err)
	}
	if files := listDir(t, dir); len(files) != 0 {
		t.Fatalf("a failed write left %v", files)
	}
}

func TestParquetPushdownAndMetadata(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	if _, err := Range(50_000).WithContext(c).AddColumn("sq", func(ctx context.Context, b *Batch) (any, error) {
		v, _ := b.Int64s("id")
		out := make([]float64, len(v))
		for i := range v {
			out[i] = float64(v[i] * v[i])
		}
		return out, nil
	}).WriteParquet(ctx, dir); err != nil {
		t.Fatal(err)
	}
	ds := ReadParquet(dir).WithContext(c)
	n, err := ds.Count(ctx)
	if err != nil || n != 50_000 {
		t.Fatalf("count %d %v", n, err)
	}
	if st := ds.Stats(); len(st.Ops) != 0 {
		t.Fatalf("Count ran the plan instead of reading footers:\n%s", st)
	}
	proj := ds.SelectColumns("sq").Limit(3)
	rows, err := proj.TakeAll(ctx, 0)
	if err != nil || fmt.Sprint(rows) != "[map[sq:0] map[sq:1] map[sq:4]]" {
		t.Fatalf("rows %v %v", rows, err)
	}
	if name := proj.Stats().Ops[0].Name; name != "ReadParquet[columns=sq limit=3]" {
		t.Fatalf("source operator %q: projection and limit were not pushed down", name)
	}
}

// TestParquetInt96Unit reads Spark's INT96 file (parquet-testing's int96_from_spark.parquet,
// vendored for the conformance test) at nanoseconds, where its year-9999 value is an error
// naming the file, column and row, and at microseconds, pyarrow's coerce_int96_timestamp_unit.
func TestParquetInt96Unit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join("..", "testdata", "conformance", "parquet", "data", "int96_from_spark.parquet")
	tests := []struct {
		name   string
		opts   []Option
		schema string
		rows   string
		err    string
	}{
		{name: "nanoseconds", err: path + `: row group 0: column "a": row 2: INT96 timestamp 9999-12-31T03:00:00 is outside the nanosecond range`},
		{name: "microseconds", opts: []Option{ParquetInt96Unit(arrow.Microsecond)}, schema: "a:timestamp[us]",
			rows: "[map[a:2024-01-01 20:34:56.123456 +0000 UTC] map[a:2024-01-01 01:00:00 +0000 UTC] map[a:9999-12-31 03:00:00 +0000 UTC] map[a:2024-12-30 23:00:00 +0000 UTC] map[a:<nil>]]"},
		{name: "not a unit", opts: []Option{ParquetInt96Unit(7)}, err: "ParquetInt96Unit(7): not a time unit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := ReadParquet(path, tc.opts...).WithContext(testContext(t))
			rows, err := ds.Limit(5).TakeAll(ctx, 0)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sc, err := ds.Schema(ctx)
			if err != nil || sc.Field(0).Name+":"+sc.Field(0).Type.String() != tc.schema {
				t.Fatalf("schema %v (%v), want %q", sc, err, tc.schema)
			}
			if got := fmt.Sprint(rows); got != tc.rows {
				t.Fatalf("rows %s\nwant %s", got, tc.rows)
			}
		})
	}
}

func TestExplainGolden(t *testing.T) {
	id := func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }
	keep := func(ctx context.Context, r Row) (bool, error) { return true, nil }
	cases := map[string]*Dataset{
		"read_map_fused":          ReadCSV("data/").MapBatches(id, Name("normalize"), BatchSize(64)).Filter(keep, Name("valid")),
		"projection_pushdown":     ReadParquet("data/").SelectColumns("a", "b").MapBatches(id, Name("f")),
		"limit_pushdown":          ReadParquet("data/").Map(func(ctx context.Context, r Row) (Row, error) { return r, nil }, Name("g")).Limit(10),
		"limit_blocks_pushdown":   Range(1000).Filter(keep, Name("h")).Limit(10),
		"concurrency_splits":      Range(1000).MapBatches(id, Name("a")).MapBatches(id, Name("b"), Concurrency(1), BatchSize(100)).MapBatches(id, Name("c"), Concurrency(1)),
		"map_after_limit":         Range(1000).Limit(500).MapBatches(id, Name("after"), BatchSize(128)),
		"write_min_rows_unfused":  Range(1000).MapBatches(id, Name("f")).writePlanForTest("out/", MinRowsPerFile(100)),
		"write_fused":             Range(1000).MapBatches(id, Name("f")).writePlanForTest("out/"),
		"invalid_option_is_shown": Range(10).MapBatches(id, BatchSize(0)),
		"union_per_branch":        ReadParquet("a/").SelectColumns("x").Union(Range(10).MapBatches(id, Name("f"))).Limit(5),
		"zip":                     Range(10).Zip(Range(10).MapBatches(id, Name("g"))),
		"groupby_fused":           ReadParquet("data/").MapBatches(id, Name("prep")).GroupBy("k").Aggregate(Sum("v"), Count()).MapBatches(id, Name("post")),
		"sort_after_filter":       Range(100).Filter(keep, Name("h")).Sort([]string{"id"}, Descending()),
		"join_two_sources":        ReadParquet("orders/").Join(ReadParquet("customers/").MapBatches(id, Name("clean")), []string{"cust"}, LeftOuter, RightOn("id")),
		"self_join_planned_twice": selfJoin(),
		"shuffles":                Range(100).RandomShuffle(1).Repartition(4).RandomizeBlockOrder(2),
	}
	for name, ds := range cases {
		t.Run(name, func(t *testing.T) {
			got := ds.Explain()
			path := filepath.Join("testdata", "explain", name+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(got), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestExplainGolden -update)", err)
			}
			if got != string(want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// selfJoin joins a dataset with itself: the planner copies the shared branch.
func selfJoin() *Dataset {
	ds := Range(100).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }, Name("shared"))
	return ds.Join(ds, []string{"id"}, Inner)
}

// writePlanForTest is the Dataset a WriteParquet call would run, for Explain.
func (ds *Dataset) writePlanForTest(dir string, opts ...Option) *Dataset {
	c, _ := parseOptions("WriteParquet", opts, "MinRowsPerFile", "MaxRowsPerFile")
	label := fmt.Sprintf("WriteParquet[%s]", dir)
	sink := &fileSink{}
	return ds.derive(&logicalOp{kind: opMap, name: label, fuse: true, needRows: int(c.minRows), stage: sink.stage(label)}, nil)
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	ragged := writeFile(t, dir, "ragged.csv", "a,b\n1,2\n3\n")
	pq := filepath.Join(dir, "good")
	c0 := testContext(t)
	if _, err := Range(100).WithContext(c0).WriteParquet(context.Background(), pq); err != nil {
		t.Fatal(err)
	}
	good := listDir(t, pq)[0]
	data, _ := os.ReadFile(filepath.Join(pq, good))
	truncated := writeFile(t, dir, "truncated.parquet", string(data[:len(data)-20]))
	notParquet := writeFile(t, dir, "text.parquet", "this is not parquet at all, just text")
	badJSON := writeFile(t, dir, "bad.jsonl", "{\"a\": 1}\n{\"a\": \n")
	cases := []struct {
		name string
		ds   *Dataset
		want []string
	}{
		{"missing path", ReadCSV(filepath.Join(dir, "missing.csv")), []string{"sluice: ReadCSV", "missing.csv", "no such file"}},
		{"ragged csv", ReadCSV(ragged), []string{"ragged.csv", "line 3"}},
		{"truncated parquet footer", ReadParquet(truncated), []string{"sluice: ReadParquet", "truncated.parquet"}},
		{"not parquet", ReadParquet(notParquet), []string{"text.parquet"}},
		{"bad json", ReadJSON(badJSON), []string{"bad.jsonl", "line 2"}},
		{"glob without match", ReadCSV(filepath.Join(dir, "*.tsv")), []string{"*.tsv"}},
		{"unknown projected column", ReadCSV(iris, Columns("nope")), []string{"iris.csv", "nope"}},
		{"panic in user function names file", ReadCSV(iris).Map(func(ctx context.Context, r Row) (Row, error) { panic("boom") }, Name("explode")),
			[]string{"sluice: Map(explode): ../testdata/iris.csv rows 0-149: panic: boom", "files_test.go"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testContext(t)
			_, err := tc.ds.WithContext(c).TakeAll(context.Background(), 0)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestPartitioning(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, dir, "year=2024/month=05/a.csv", "x\n1\n2\n")
	writeFile(t, dir, "year=2025/month=01/b.csv", "x\n3\n")
	c := testContext(t)
	rows, err := ReadCSV(dir, HivePartitioning()).WithContext(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rows); got != "[map[month:05 x:1 year:2024] map[month:05 x:2 year:2024] map[month:01 x:3 year:2025]]" {
		t.Fatalf("hive rows %s", got)
	}
	rows, err = ReadCSV(dir, Partitioning("y", "m"), Columns("x", "y")).WithContext(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rows); got != "[map[x:1 y:year=2024] map[x:2 y:year=2024] map[x:3 y:year=2025]]" {
		t.Fatalf("directory rows %s", got)
	}
}
