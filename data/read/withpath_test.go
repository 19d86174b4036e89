package read

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestWithPath(t *testing.T) {
	tests := []struct {
		name   string
		fields []arrow.Field
		rows   int
		path   string
		schema string
		err    string
	}{
		{name: "appends a path column", fields: []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, rows: 3, path: "dir/f.csv", schema: "a:int64, path:utf8"},
		{name: "empty batch", fields: []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, rows: 0, path: "f", schema: "a:int64, path:utf8"},
		{name: "existing path column", fields: []arrow.Field{{Name: "path", Type: arrow.BinaryTypes.String}}, rows: 1, path: "f", err: `sluice: include_paths: f: the batch already has a "path" column`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := array.NewRecordBuilder(mem, arrow.NewSchema(tc.fields, nil))
			for i := 0; i < tc.rows; i++ {
				switch fb := b.Field(0).(type) {
				case *array.Int64Builder:
					fb.Append(int64(i))
				case *array.StringBuilder:
					fb.Append("x")
				}
			}
			rec := b.NewRecordBatch()
			b.Release()
			out, err := WithPath(mem, rec, tc.path)
			wantError(t, err, tc.err)
			if tc.err != "" {
				return
			}
			defer out.Release()
			if got := schemaString(out.Schema()); got != tc.schema || out.NumRows() != int64(tc.rows) {
				t.Fatalf("got %q with %d rows", got, out.NumRows())
			}
			col := out.Column(1).(*array.String)
			for i := 0; i < col.Len(); i++ {
				if col.Value(i) != tc.path {
					t.Fatalf("row %d: %q", i, col.Value(i))
				}
			}
		})
	}
}
