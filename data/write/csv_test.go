package write

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestCSVRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		delim rune
	}{
		{"comma", ','},
		{"tab", '\t'},
		{"semicolon", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			recs := []arrow.RecordBatch{makeBatch(t, mem, 0, 40), makeBatch(t, mem, 40, 25)}
			defer recs[0].Release()
			defer recs[1].Release()

			var buf bytes.Buffer
			w, err := CSV(CSVDelimiter(tt.delim)).NewWriter(&buf, testSchema)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(buf.String(), "\n"); first != strings.Join([]string{"id", "x", "s", "ok"}, string(tt.delim)) {
				t.Fatalf("header %q", first)
			}
			rd := arrowcsv.NewReader(bytes.NewReader(buf.Bytes()), testSchema,
				arrowcsv.WithHeader(true), arrowcsv.WithComma(tt.delim), arrowcsv.WithAllocator(mem),
				arrowcsv.WithNullReader(true, ""), arrowcsv.WithChunk(1000))
			defer rd.Release()
			if !rd.Next() {
				t.Fatalf("no batch read back: %v", rd.Err())
			}
			got := rd.RecordBatch()
			tbl := arrowTableOf(got)
			defer tbl.Release()
			assertTableEqual(t, tbl, recs)
			if rd.Next() || rd.Err() != nil {
				t.Fatalf("unexpected extra batch or error %v", rd.Err())
			}
		})
	}
}

func TestCSVEmptyFileHasHeader(t *testing.T) {
	var buf bytes.Buffer
	w, err := CSV(CSVDelimiter('|')).NewWriter(&buf, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "id|x|s|ok\n" {
		t.Fatalf("empty file %q, want just the header", buf.String())
	}
}

func TestCSVBadInput(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		schema  *arrow.Schema
		wantErr string
	}{
		{"quote delimiter", CSV(CSVDelimiter('"')), testSchema, "invalid delimiter"},
		{"newline delimiter", CSV(CSVDelimiter('\n')), testSchema, "invalid delimiter"},
		{"struct column", CSV(), arrow.NewSchema([]arrow.Field{{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int8})}}, nil), `column "st"`},
		{"map inside a list", CSV(), arrow.NewSchema([]arrow.Field{{Name: "m", Type: arrow.ListOf(arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int8))}}, nil), `column "m"`},
		{"nil schema", CSV(), nil, "nil schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := tt.format.NewWriter(&buf, tt.schema)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sluice: write csv: ") {
				t.Fatalf("error %v, want a sluice error containing %q", err, tt.wantErr)
			}
			if buf.Len() != 0 {
				t.Fatalf("a refused writer wrote %q", buf.String())
			}
		})
	}
}
