package read

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func csvWith(opts CSVOptions) readFunc {
	return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadCSV(ctx, mem, st, f, opts, emit)
	}
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	mixed := writeFile(t, dir, "mixed.csv", "n,x\n1,1\n2,2.5\n3,abc\n")
	wide := writeFile(t, dir, "wide.csv", "n\n1\n2\n3\n4\n5\n")
	late := writeFile(t, dir, "late.csv", "n\n1\n2\nthree\n")
	bom := writeFile(t, dir, "bom.csv", "\ufeffa,b\n1,x\n")
	badQuote := writeFile(t, dir, "quote.csv", "a,b\n1,x\n2,\"y\"z\n")
	widen := writeFile(t, dir, "widen.csv", "f\n1\n2.5\n-3\n")
	tests := []struct {
		name    string
		path    string
		opts    CSVOptions
		schema  string
		rows    []string
		batches []int64
		err     string
	}{
		{
			name:   "infers types, nulls and quoting",
			path:   "testdata/people.csv",
			schema: "id:int64, score:float64, ok:bool, name:utf8, when:utf8",
			rows: []string{
				"1|1.5|true|ann|2024-01-02",
				"2|(null)|false|bob, jr|2024-01-03",
				"3|2|true||",
				"4|(null)|(null)|multi\nline|2024-01-05",
			},
			batches: []int64{4},
		},
		{
			name:    "projection in the requested order",
			path:    "testdata/people.csv",
			opts:    CSVOptions{Columns: []string{"name", "id"}},
			schema:  "name:utf8, id:int64",
			rows:    []string{"ann|1", "bob, jr|2", "|3", "multi\nline|4"},
			batches: []int64{4},
		},
		{
			name:    "explicit schema for some columns",
			path:    "testdata/people.csv",
			opts:    CSVOptions{Columns: []string{"id", "when"}, Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32}, {Name: "when", Type: arrow.FixedWidthTypes.Date32}}, nil)},
			schema:  "id:int32, when:date32",
			rows:    []string{"1|2024-01-02", "2|2024-01-03", "3|(null)", "4|2024-01-05"},
			batches: []int64{4},
		},
		{
			name:    "strings can be null",
			path:    "testdata/people.csv",
			opts:    CSVOptions{Columns: []string{"name"}, StringsCanBeNull: true},
			schema:  "name:utf8",
			rows:    []string{"ann", "bob, jr", "(null)", "multi\nline"},
			batches: []int64{4},
		},
		{
			name:    "delimiter",
			path:    "testdata/semicolon.csv",
			opts:    CSVOptions{Delimiter: ';'},
			schema:  "a:int64, b:utf8",
			rows:    []string{"1|x", "2|y"},
			batches: []int64{2},
		},
		{
			name:    "no header names columns f0, f1",
			path:    "testdata/semicolon.csv",
			opts:    CSVOptions{Delimiter: ';', NoHeader: true},
			schema:  "f0:utf8, f1:utf8",
			rows:    []string{"a|b", "1|x", "2|y"},
			batches: []int64{3},
		},
		{
			name:    "header only emits the schema",
			path:    "testdata/header_only.csv",
			schema:  "a:utf8, b:utf8",
			batches: []int64{0},
		},
		{
			name:    "int and float widen to float",
			path:    widen,
			schema:  "f:float64",
			rows:    []string{"1", "2.5", "-3"},
			batches: []int64{3},
		},
		{
			name:    "batches of BatchRows with a short tail",
			path:    wide,
			opts:    CSVOptions{BatchRows: 2},
			schema:  "n:int64",
			rows:    []string{"1", "2", "3", "4", "5"},
			batches: []int64{2, 2, 1},
		},
		{
			name:    "exact multiple of BatchRows",
			path:    wide,
			opts:    CSVOptions{BatchRows: 5},
			schema:  "n:int64",
			rows:    []string{"1", "2", "3", "4", "5"},
			batches: []int64{5},
		},
		{name: "ragged row names the line", path: "testdata/ragged.csv", err: "sluice: read_csv: testdata/ragged.csv: line 3: ragged row: 2 fields, the header has 3"},
		{name: "ragged row after the sample", path: "testdata/ragged.csv", opts: CSVOptions{InferRows: 1, BatchRows: 1}, err: "line 3: ragged row"},
		{name: "unknown projected column", path: "testdata/people.csv", opts: CSVOptions{Columns: []string{"nope"}}, err: `testdata/people.csv: column "nope" not found (columns: id, score, ok, name, when)`},
		{name: "schema names a missing column", path: "testdata/people.csv", opts: CSVOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "zz", Type: arrow.PrimitiveTypes.Int64}}, nil)}, err: `schema names column "zz"`},
		{name: "unsupported schema type", path: "testdata/people.csv", opts: CSVOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)}, err: `column "id": type list<item: int64, nullable> is not supported`},
		{name: "cell that does not parse as the inferred type", path: late, opts: CSVOptions{InferRows: 2, BatchRows: 1}, err: `line 4: column "n": cannot parse "three" as int64`},
		{name: "mixed column with strings infers utf8", path: mixed, opts: CSVOptions{Columns: []string{"x"}}, schema: "x:utf8", rows: []string{"1", "2.5", "abc"}, batches: []int64{3}},
		{name: "byte order mark", path: bom, schema: "a:int64, b:utf8", rows: []string{"1|x"}, batches: []int64{1}},
		{name: "bad quoting names the line", path: badQuote, err: "sluice: read_csv: " + badQuote + `: line 3: extraneous or missing " in quoted-field`},
		{name: "missing file", path: "testdata/nope.csv", err: "sluice: read_csv: testdata/nope.csv: no such file or directory"},
		{name: "negative batch rows", path: "testdata/people.csv", opts: CSVOptions{BatchRows: -1}, err: "must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := collect(t, mem, tc.path, csvWith(tc.opts))
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			checkResult(t, res, tc.schema, tc.rows, tc.batches)
		})
	}
}

func checkResult(t *testing.T, res result, schema string, rows []string, batches []int64) {
	t.Helper()
	if res.schema != schema {
		t.Errorf("schema = %q, want %q", res.schema, schema)
	}
	if strings.Join(res.rows, "\n--\n") != strings.Join(rows, "\n--\n") {
		t.Errorf("rows = %.300q, want %.300q", res.rows, rows)
	}
	if len(res.batches) != len(batches) {
		t.Fatalf("batches = %v, want %v", res.batches, batches)
	}
	for i := range batches {
		if res.batches[i] != batches[i] {
			t.Fatalf("batches = %v, want %v", res.batches, batches)
		}
	}
}

func TestReadCSVMissingIsNotExist(t *testing.T) {
	err := ReadCSV(context.Background(), memory.NewGoAllocator(), Local(), File{Path: filepath.Join(t.TempDir(), "x.csv")}, CSVOptions{}, func(rec arrow.RecordBatch) error {
		rec.Release()
		return nil
	})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

// An error from emit stops the read, comes back unchanged, and leaks nothing.
func TestReadCSVEmitError(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	stop := errors.New("stop")
	calls := 0
	err := ReadCSV(context.Background(), mem, Local(), File{Path: "testdata/people.csv"}, CSVOptions{BatchRows: 1}, func(rec arrow.RecordBatch) error {
		rec.Release()
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("err = %v after %d calls, want stop after 1", err, calls)
	}
}

func TestReadCSVCancelled(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ReadCSV(ctx, mem, Local(), File{Path: "testdata/people.csv"}, CSVOptions{}, func(rec arrow.RecordBatch) error {
		rec.Release()
		t.Error("emit called after cancel")
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
