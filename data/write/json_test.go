package write

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestJSONRoundTrip(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := []arrow.RecordBatch{makeBatch(t, mem, 0, 30), makeBatch(t, mem, 30, 12)}
	defer recs[0].Release()
	defer recs[1].Release()

	var buf bytes.Buffer
	w, err := JSON().NewWriter(&buf, testSchema)
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
	sc := bufio.NewScanner(&buf)
	i := 0
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			t.Fatalf("line %d %q: %v", i, sc.Text(), err)
		}
		if got := row["id"].(json.Number).String(); got != strconv.Itoa(i) {
			t.Errorf("row %d id %s", i, got)
		}
		if i%5 == 0 {
			if row["x"] != nil {
				t.Errorf("row %d x = %v, want null", i, row["x"])
			}
		} else if f, _ := row["x"].(json.Number).Float64(); f != float64(i)/4 {
			t.Errorf("row %d x = %v", i, row["x"])
		}
		if i%7 == 0 {
			if row["s"] != nil {
				t.Errorf("row %d s = %v, want null", i, row["s"])
			}
		} else if row["s"] != "row "+strconv.Itoa(i)+`, "quoted"` {
			t.Errorf("row %d s = %v", i, row["s"])
		}
		if row["ok"] != (i%2 == 0) {
			t.Errorf("row %d ok = %v", i, row["ok"])
		}
		i++
	}
	if i != 42 {
		t.Fatalf("%d lines, want 42", i)
	}
}

// TestJSONValues pins the text of each kind of value.
func TestJSONValues(t *testing.T) {
	tests := []struct {
		name  string
		typ   arrow.DataType
		build func(b array.Builder)
		want  string // the value as written
	}{
		{"nan is null", arrow.PrimitiveTypes.Float64, func(b array.Builder) { b.(*array.Float64Builder).Append(math.NaN()) }, "null"},
		{"inf is null", arrow.PrimitiveTypes.Float32, func(b array.Builder) { b.(*array.Float32Builder).Append(float32(math.Inf(-1))) }, "null"},
		{"float32 shortest", arrow.PrimitiveTypes.Float32, func(b array.Builder) { b.(*array.Float32Builder).Append(0.1) }, "0.1"},
		{"big uint64 exact", arrow.PrimitiveTypes.Uint64, func(b array.Builder) { b.(*array.Uint64Builder).Append(math.MaxUint64) }, "18446744073709551615"},
		{"escaped string", arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("a\"b\\c\nd\x01é<\u2028") }, `"a\"b\\c\nd\u0001é<\u2028"`},
		{"invalid utf8", arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("a\xffb") }, `"a\ufffdb"`},
		{"binary is base64", arrow.BinaryTypes.Binary, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte{0, 1, 2, 255}) }, `"AAEC/w=="`},
		{"list with null", arrow.ListOf(arrow.PrimitiveTypes.Int32), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder().(*array.Int32Builder)
			vb.Append(1)
			vb.AppendNull()
			vb.Append(3)
		}, "[1,null,3]"},
		{"struct", arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int8, Nullable: true}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String}), func(b array.Builder) {
			sb := b.(*array.StructBuilder)
			sb.Append(true)
			sb.FieldBuilder(0).AppendNull()
			sb.FieldBuilder(1).(*array.StringBuilder).Append("x")
		}, `{"a":null,"b":"x"}`},
		{"map", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), func(b array.Builder) {
			mb := b.(*array.MapBuilder)
			mb.Append(true)
			mb.KeyBuilder().(*array.StringBuilder).Append("k")
			mb.ItemBuilder().(*array.Int64Builder).Append(7)
		}, `[{"key":"k","value":7}]`},
		{"extension as storage", newVec3Type(), func(b array.Builder) {
			fl := b.(*array.ExtensionBuilder).StorageBuilder().(*array.FixedSizeListBuilder)
			fl.Append(true)
			fl.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{1, 2.5, -3}, nil)
		}, "[1,2.5,-3]"},
		{"dictionary value", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, func(b array.Builder) {
			if err := b.(*array.BinaryDictionaryBuilder).AppendString("red"); err != nil {
				panic(err)
			}
		}, `"red"`},
		{"timestamp as ISO string", &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(86400)
		}, `"1970-01-02T00:00:00Z"`},
		{"null value", arrow.PrimitiveTypes.Int64, func(b array.Builder) { b.AppendNull() }, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: tt.typ, Nullable: true}}, nil)
			rb := array.NewRecordBuilder(mem, schema)
			defer rb.Release()
			tt.build(rb.Field(0))
			rec := rb.NewRecordBatch()
			defer rec.Release()

			var buf bytes.Buffer
			w, err := JSON().NewWriter(&buf, schema)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want := `{"v":` + tt.want + "}\n"
			if buf.String() != want {
				t.Fatalf("wrote %q, want %q", buf.String(), want)
			}
			if !json.Valid(bytes.TrimSpace(buf.Bytes())) {
				t.Fatalf("%q is not valid JSON", buf.String())
			}
		})
	}
}

func TestJSONBadInput(t *testing.T) {
	tests := []struct {
		name    string
		schema  *arrow.Schema
		wantErr string
	}{
		{"duplicate names", arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int8}, {Name: "a", Type: arrow.PrimitiveTypes.Int8}}, nil), "duplicate column name"},
		{"union column", arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.DenseUnionOf([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int8}}, []arrow.UnionTypeCode{0})}}, nil), `column "u"`},
		{"run-end encoded in a list", arrow.NewSchema([]arrow.Field{{Name: "r", Type: arrow.ListOf(arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int8))}}, nil), `column "r"`},
		{"nil schema", nil, "nil schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := JSON().NewWriter(&bytes.Buffer{}, tt.schema)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sluice: write json: ") {
				t.Fatalf("error %v, want a sluice error containing %q", err, tt.wantErr)
			}
		})
	}
}
