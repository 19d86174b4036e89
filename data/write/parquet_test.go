package write

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestParquetRoundTrip(t *testing.T) {
	tests := []struct {
		name          string
		opts          []ParquetOption
		batches       [][2]int // start, rows
		wantRowGroups int
		wantCodec     compress.Compression
	}{
		{"snappy default", nil, [][2]int{{0, 100}}, 1, compress.Codecs.Snappy},
		{"zstd", []ParquetOption{ParquetCompression(compress.Codecs.Zstd)}, [][2]int{{0, 50}, {50, 50}}, 1, compress.Codecs.Zstd},
		{"row group cap", []ParquetOption{ParquetRowGroupRows(30)}, [][2]int{{0, 100}}, 4, compress.Codecs.Snappy},
		{"no rows", nil, nil, 0, compress.Codecs.Snappy},
		{"byte cap", []ParquetOption{ParquetRowGroupBytes(1)}, [][2]int{{0, 150_000}, {150_000, 150_000}, {300_000, 150_000}}, 3, compress.Codecs.Snappy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var buf bytes.Buffer
			w, err := Parquet(append(tt.opts, ParquetAllocator(mem))...).NewWriter(&buf, testSchema)
			if err != nil {
				t.Fatal(err)
			}
			var recs []arrow.RecordBatch
			for _, b := range tt.batches {
				rec := makeBatch(t, mem, b[0], b[1])
				defer rec.Release()
				recs = append(recs, rec)
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got := rdr.NumRowGroups(); got != tt.wantRowGroups {
				t.Errorf("%d row groups, want %d", got, tt.wantRowGroups)
			}
			if tt.wantRowGroups > 0 {
				cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(0)
				if err != nil {
					t.Fatal(err)
				}
				if cc.Compression() != tt.wantCodec {
					t.Errorf("codec %v, want %v", cc.Compression(), tt.wantCodec)
				}
			}
			if rdr.MetaData().KeyValueMetadata().FindValue("ARROW:schema") == nil {
				t.Error("file lacks the stored Arrow schema")
			}
			rdr.Close()
			tbl := readParquet(t, mem, buf.Bytes())
			defer tbl.Release()
			if !sameFields(tbl.Schema(), testSchema) {
				t.Fatalf("schema %s, want %s", tbl.Schema(), testSchema)
			}
			assertTableEqual(t, tbl, recs)
		})
	}
}

// TestParquetSlicedFixedSizeList covers a plain (non-extension) fixed-size list column
// written from a slice: pqarrow alone writes the wrong rows for it.
func TestParquetSlicedFixedSizeList(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "t", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32)}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	fl := b.Field(0).(*array.FixedSizeListBuilder)
	for i := 0; i < 10; i++ {
		fl.Append(true)
		fl.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{float32(i), float32(-i)}, nil)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	s := rec.NewSlice(3, 8)
	defer s.Release()

	var buf bytes.Buffer
	w, err := Parquet(ParquetAllocator(mem)).NewWriter(&buf, schema)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tbl := readParquet(t, mem, buf.Bytes())
	defer tbl.Release()
	assertTableEqual(t, tbl, []arrow.RecordBatch{s})
}

func TestParquetBadInput(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ree := arrow.NewSchema([]arrow.Field{{Name: "runs", Type: arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64)}}, nil)
	tests := []struct {
		name    string
		schema  *arrow.Schema
		write   arrow.RecordBatch // written after a successful NewWriter
		wantErr string
	}{
		{"nil schema", nil, nil, "nil schema"},
		{"unwritable type names the column", ree, nil, `column "runs"`},
		{"batch of another schema", testSchema, makeVecBatch(t, mem, 2), "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.write != nil {
				defer tt.write.Release()
			}
			var buf bytes.Buffer
			w, err := Parquet(ParquetAllocator(mem)).NewWriter(&buf, tt.schema)
			if err == nil {
				err = w.Write(tt.write)
				if cerr := w.Close(); cerr != nil {
					t.Fatalf("close: %v", cerr)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sluice: write parquet: ") {
				t.Fatalf("error %v, want a sluice error containing %q", err, tt.wantErr)
			}
		})
	}
}

// closeRecorder is an io.Writer that records whether Close was called on it.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestFormatsDoNotCloseTheirWriter(t *testing.T) {
	for _, f := range []Format{Parquet(), CSV(), JSON()} {
		t.Run(f.Ext(), func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec := makeBatch(t, mem, 0, 3)
			defer rec.Release()
			var out closeRecorder
			w, err := f.NewWriter(&out, testSchema)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.closed {
				t.Error("RecordWriter.Close closed the io.Writer it was given")
			}
			if out.Len() == 0 {
				t.Error("nothing was written")
			}
			if err := w.Close(); err == nil {
				t.Error("a second Close succeeded")
			}
		})
	}
}

// sameFields compares names, types and nullability, ignoring the field metadata readers add
// (PARQUET:field_id).
func sameFields(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || fa.Nullable != fb.Nullable || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

func TestParquetDictionaryPolicy(t *testing.T) {
	tests := []struct {
		name       string
		opts       []ParquetOption
		wantIDDict bool // the int64 column
		wantXDict  bool // the float64 column
		wantSDict  bool // the string column
	}{
		{"default: strings only", nil, false, false, true},
		{"on", []ParquetOption{ParquetDictionary(true)}, true, true, true},
		{"off", []ParquetOption{ParquetDictionary(false)}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec := makeBatch(t, mem, 0, 50)
			defer rec.Release()
			var buf bytes.Buffer
			w, err := Parquet(append(tt.opts, ParquetAllocator(mem))...).NewWriter(&buf, testSchema)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Close()
			for col, want := range map[int]bool{0: tt.wantIDDict, 1: tt.wantXDict, 2: tt.wantSDict} {
				cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(col)
				if err != nil {
					t.Fatal(err)
				}
				if got := cc.HasDictionaryPage(); got != want {
					t.Errorf("column %d has dictionary page = %v, want %v", col, got, want)
				}
			}
		})
	}
}

// TestParquetRowGroupCutKeepsFixedSizeLists: batches that straddle a row-group boundary must
// come back intact. pqarrow v18.8.0, left to split a batch itself, ignores a fixed-size list's
// offset and writes earlier rows again after the split; the writer cuts batches itself.
func TestParquetRowGroupCutKeepsFixedSizeLists(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float32)}}, nil)
	var buf bytes.Buffer
	w, err := Parquet(ParquetRowGroupRows(10), ParquetAllocator(mem)).NewWriter(&buf, schema)
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 3; b++ {
		bld := array.NewRecordBuilder(mem, schema)
		fl := bld.Field(0).(*array.FixedSizeListBuilder)
		for r := 0; r < 7; r++ {
			v := float32(7*b + r)
			fl.Append(true)
			fl.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{v, -v}, nil)
		}
		rec := bld.NewRecordBatch()
		bld.Release()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	if n := rdr.NumRowGroups(); n != 3 {
		t.Fatalf("%d row groups, want 3 (10, 10, 1 rows)", n)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var got []float32
	for _, chunk := range tbl.Column(0).Data().Chunks() {
		fl := chunk.(*array.FixedSizeList)
		vals := fl.ListValues().(*array.Float32)
		for i := 0; i < fl.Len(); i++ {
			lo, _ := fl.ValueOffsets(i)
			got = append(got, vals.Value(int(lo)))
			if vals.Value(int(lo)+1) != -vals.Value(int(lo)) {
				t.Fatalf("row %d: second element %v", len(got)-1, vals.Value(int(lo)+1))
			}
		}
	}
	for i, v := range got {
		if v != float32(i) {
			t.Fatalf("row %d reads back %v (rows: %v)", i, v, got)
		}
	}
	if len(got) != 21 {
		t.Fatalf("%d rows", len(got))
	}
}
