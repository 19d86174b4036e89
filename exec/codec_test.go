package exec

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

var (
	_ Codec = bytesCodec{}
	_ Codec = gobCodec[int]{}
	_ Codec = RecordBatchCodec{}
)

func TestCodecsRoundTrip(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float32}}, nil))
	b.Field(0).(*array.Float32Builder).AppendValues([]float32{1, 2, 3}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()

	tests := []struct {
		name  string
		v     any
		codec Codec
		equal func(got any) bool
	}{
		{"bytes", []byte("abc"), defaultCodec([]byte(nil)), func(got any) bool { return string(got.([]byte)) == "abc" }},
		{"gob struct", point{1, 2, "p"}, defaultCodec(point{}), func(got any) bool { return got.(point) == point{1, 2, "p"} }},
		{"arrow record", rec, defaultCodec[arrow.RecordBatch](rec), func(got any) bool {
			r := got.(arrow.RecordBatch)
			defer r.Release()
			return array.RecordEqual(r, rec)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.codec.Encode(&buf, tt.v); err != nil {
				t.Fatal(err)
			}
			got, err := tt.codec.Decode(&buf, mem)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.equal(got) {
				t.Fatalf("round trip changed %v into %v", tt.v, got)
			}
		})
	}
}

func TestCodecsRejectBadInput(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"bytes codec given a string", func() error { return bytesCodec{}.Encode(&bytes.Buffer{}, "s") }, "got string, want []byte"},
		{"gob codec given another type", func() error { return gobCodec[int]{}.Encode(&bytes.Buffer{}, "s") }, "got string, want int"},
		{"ipc codec given bytes", func() error { return RecordBatchCodec{}.Encode(&bytes.Buffer{}, []byte{}) }, "want arrow.RecordBatch"},
		{"ipc codec reading garbage", func() error {
			_, err := RecordBatchCodec{}.Decode(strings.NewReader("not arrow"), mem)
			return err
		}, "arrow/ipc"},
		{"ipc codec reading nothing", func() error {
			_, err := RecordBatchCodec{}.Decode(strings.NewReader(""), mem)
			return err
		}, "EOF"},
		{"gob codec reading garbage", func() error {
			_, err := gobCodec[point]{}.Decode(strings.NewReader("\x03zzz"), mem)
			return err
		}, "gob: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
