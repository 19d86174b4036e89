package read

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/internal/tfexample"
	"github.com/sluicedata/sluice/internal/memcheck"
	"google.golang.org/protobuf/proto"
)

func tfFile(t testing.TB, examples ...*tfexample.Example) []byte {
	var out []byte
	for _, ex := range examples {
		b, err := proto.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		out = tfexample.AppendRecord(out, b)
	}
	return out
}

func tfEx(fs map[string]*tfexample.Feature) *tfexample.Example {
	return &tfexample.Example{Features: &tfexample.Features{Feature: fs}}
}

func ints(v ...int64) *tfexample.Feature {
	return &tfexample.Feature{Kind: &tfexample.Feature_Int64List{Int64List: &tfexample.Int64List{Value: v}}}
}
func floats(v ...float32) *tfexample.Feature {
	return &tfexample.Feature{Kind: &tfexample.Feature_FloatList{FloatList: &tfexample.FloatList{Value: v}}}
}
func byteList(v ...string) *tfexample.Feature {
	var b [][]byte
	for _, s := range v {
		b = append(b, []byte(s))
	}
	return &tfexample.Feature{Kind: &tfexample.Feature_BytesList{BytesList: &tfexample.BytesList{Value: b}}}
}

func threeExamples(t testing.TB) []byte {
	return tfFile(t,
		tfEx(map[string]*tfexample.Feature{"id": ints(1), "x": floats(0.5, 1.5), "s": byteList("a")}),
		tfEx(map[string]*tfexample.Feature{"id": ints(2), "x": floats(), "s": byteList("bb")}),
		tfEx(map[string]*tfexample.Feature{"id": ints(3), "x": floats(2.25)}),
	)
}

func writeTemp(t *testing.T, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadTFRecordsInfer(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := writeTemp(t, "a.tfrecords", threeExamples(t))
	res, err := collect(t, mem, p, func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadTFRecords(ctx, mem, st, f, TFRecordOptions{}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "id:int64, s:binary, x:list<item: float32, nullable>"; res.schema != want {
		t.Fatalf("schema %q, want %q", res.schema, want)
	}
	if got := strings.Join(res.rows, "\n"); got != "1|YQ==|[0.5,1.5]\n2|YmI=|[]\n3|(null)|[2.25]" {
		t.Fatalf("rows:\n%s", got)
	}
	// A schema: x as float64 list, s as string; id projected away.
	sc := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}, {Name: "x", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)}, {Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	res, err = collect(t, mem, p, func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadTFRecords(ctx, mem, st, f, TFRecordOptions{Schema: sc, Columns: []string{"x", "s"}, BatchRows: 2}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.rows, "\n"); res.schema != "x:list<item: float64, nullable>, s:utf8" || got != "[0.5,1.5]|a\n[]|bb\n[2.25]|(null)" || len(res.batches) != 2 {
		t.Fatalf("schema %s, batches %v, rows:\n%s", res.schema, res.batches, got)
	}
}

// TestReadTFRecordsErrors: each broken file gives one error naming the file and the record's
// byte offset.
func TestReadTFRecordsErrors(t *testing.T) {
	good := threeExamples(t)
	second := int64(len(tfFile(t, tfEx(map[string]*tfexample.Feature{"id": ints(1), "x": floats(0.5, 1.5), "s": byteList("a")}))))
	flip := func(at int64) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x40
		return b
	}
	cases := []struct {
		name string
		data []byte
		sc   *arrow.Schema
		want string
	}{
		{"length crc", flip(second + 9), nil, "record at byte " + itoa(second) + ": length checksum mismatch"},
		{"data crc", flip(second + 14), nil, "record at byte " + itoa(second) + ": data checksum mismatch"},
		{"length", flip(second + 3), nil, "record at byte " + itoa(second) + ": length checksum mismatch"},
		{"truncated", good[:len(good)-3], nil, "truncated file: the stream ends in the record's data checksum"},
		{"truncated header", append(bytes.Clone(good), 1, 2, 3), nil, "truncated file: the stream ends in the record's header"},
		{"not an example", tfexample.AppendRecord(nil, []byte{0xff, 0xff}), nil, "record at byte 0: not a tf.train.Example"},
		{"scalar gets two", good, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float32}}, nil), "record at byte 0: feature \"x\" holds 2 values, and its column is a scalar float32"},
		{"wrong kind", good, arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.Binary}}, nil), "record at byte 0: feature \"id\" is a int64_list, and its column binary wants a bytes_list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			p := writeTemp(t, "bad.tfrecords", c.data)
			_, err := collect(t, mem, p, func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
				return ReadTFRecords(ctx, mem, st, f, TFRecordOptions{Schema: c.sc}, emit)
			})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sluice: read_tfrecords: "+p+": tfrecord: ") {
				t.Fatalf("error %v, want one naming %s and %q", err, p, c.want)
			}
		})
	}
	// Count frames and verifies without decoding.
	n, err := CountTFRecords(context.Background(), Local(), File{Path: writeTemp(t, "ok.tfrecords", good)}, "")
	if err != nil || n != 3 {
		t.Fatalf("count %d, %v", n, err)
	}
	if _, err := CountTFRecords(context.Background(), Local(), File{Path: writeTemp(t, "bad.tfrecords", flip(second+14))}, ""); err == nil || !strings.Contains(err.Error(), "data checksum mismatch") {
		t.Fatalf("count of a corrupt file: %v", err)
	}
}

func itoa(n int64) string { return formatInt(n) }

func formatInt(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// FuzzTFRecords: any bytes give records or an error, never a panic or an allocation past
// MaxTFRecord; every record handed out has passed both checksums.
func FuzzTFRecords(f *testing.F) {
	f.Add(threeExamples(f))
	f.Add([]byte{})
	f.Add(tfexample.AppendRecord(nil, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var offsets []int64
		err := TFRecords(bytes.NewReader(data), func(rec []byte, at int64) error {
			offsets = append(offsets, at)
			if got := tfexample.AppendRecord(nil, rec); !bytes.Equal(got, data[at:at+int64(len(got))]) {
				t.Fatalf("record at %d does not re-frame to its bytes", at)
			}
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "tfrecord: record at byte ") {
			t.Fatalf("error without an offset: %v", err)
		}
	})
}
