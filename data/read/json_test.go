package read

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func jsonWith(opts JSONOptions) readFunc {
	return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadJSON(ctx, mem, st, f, opts, emit)
	}
}

func TestReadJSON(t *testing.T) {
	dir := t.TempDir()
	mixed := writeFile(t, dir, "mixed.jsonl", "{\"a\": 1}\n{\"a\": \"x\"}\n")
	late := writeFile(t, dir, "late.jsonl", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": \"x\"}\n")
	scalar := writeFile(t, dir, "scalar.json", "5\n")
	lineScalar := writeFile(t, dir, "line_scalar.jsonl", "{\"a\": 1}\n7\n")
	trailing := writeFile(t, dir, "trailing.json", "[{\"a\": 1}] {}")
	open := writeFile(t, dir, "open.json", "[{\"a\": 1},")
	empty := writeFile(t, dir, "empty.json", " \n")
	emptyArr := writeFile(t, dir, "empty_array.json", "[]")
	bom := writeFile(t, dir, "bom.jsonl", "\xef\xbb\xbf{\"a\": true}\n")
	tests := []struct {
		name    string
		path    string
		opts    JSONOptions
		schema  string
		rows    []string
		batches []int64
		err     string
	}{
		{
			name:   "json lines with nested values and missing keys",
			path:   "testdata/rows.jsonl",
			schema: "id:int64, name:utf8, tags:list<item: utf8, nullable>, pos:struct<x: float64 nullable, y: int64 nullable>, extra:bool, score:float64",
			rows: []string{
				`1|ann|["x","y"]|{"x":1.5,"y":2}|(null)|(null)`,
				`2|(null)|[]|{"x":3,"y":4}|true|(null)`,
				`3|(null)|(null)|(null)|(null)|0.5`,
			},
			batches: []int64{3},
		},
		{
			name:    "top-level array",
			path:    "testdata/array.json",
			schema:  "a:float64, b:utf8",
			rows:    []string{"1|x", "2.5|y"},
			batches: []int64{2},
		},
		{
			name:    "projection",
			path:    "testdata/rows.jsonl",
			opts:    JSONOptions{Columns: []string{"score", "id"}, BatchRows: 2, InferRows: 10},
			schema:  "score:float64, id:int64",
			rows:    []string{"(null)|1", "(null)|2", "0.5|3"},
			batches: []int64{2, 1},
		},
		{
			name:    "explicit schema",
			path:    "testdata/rows.jsonl",
			opts:    JSONOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, {Name: "zz", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)},
			schema:  "id:int32, zz:utf8",
			rows:    []string{"1|(null)", "2|(null)", "3|(null)"},
			batches: []int64{3},
		},
		{name: "byte order mark", path: bom, schema: "a:bool", rows: []string{"true"}, batches: []int64{1}},
		{name: "empty file emits nothing", path: empty},
		{name: "empty array emits nothing", path: emptyArr},
		{name: "malformed line names the line", path: "testdata/bad.jsonl", err: "sluice: read_json: testdata/bad.jsonl: line 3: malformed JSON: unexpected end of JSON input"},
		{name: "malformed line after the sample", path: "testdata/bad.jsonl", opts: JSONOptions{InferRows: 1, BatchRows: 1}, err: "sluice: read_json: testdata/bad.jsonl: line 3: malformed JSON: unexpected end of JSON input"},
		{name: "mixed types name the field", path: mixed, err: `line 2: field "a": mixed types int64 and string`},
		{name: "type change after the sample", path: late, opts: JSONOptions{InferRows: 2}, err: "line 3: json: cannot unmarshal x into Go value of type int64"},
		{name: "not an object", path: scalar, err: `expected a JSON object per line or an array of objects, found '5'`},
		{name: "line that is not an object", path: lineScalar, err: "line 2: expected an object, found int64"},
		{name: "data after the array", path: trailing, err: "unexpected data after the top-level array"},
		{name: "unterminated array", path: open, err: "element 1: "},
		{name: "unknown projected column", path: "testdata/array.json", opts: JSONOptions{Columns: []string{"c"}}, err: `column "c" not found (columns: a, b)`},
		{name: "missing file", path: "testdata/nope.json", err: "sluice: read_json: testdata/nope.json: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := collect(t, mem, tc.path, jsonWith(tc.opts))
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			checkResult(t, res, tc.schema, tc.rows, tc.batches)
		})
	}
}

func TestReadJSONEmitError(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	stop := errors.New("stop")
	err := ReadJSON(context.Background(), mem, Local(), File{Path: "testdata/rows.jsonl"}, JSONOptions{BatchRows: 1}, func(rec arrow.RecordBatch) error {
		rec.Release()
		return stop
	})
	if err != stop {
		t.Fatalf("err = %v, want stop", err)
	}
}
