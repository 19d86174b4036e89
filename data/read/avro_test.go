package read

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hamba/avro/v2/ocf"
	"github.com/sluicedata/sluice/internal/memcheck"
)

const avroTestSchema = `{"type": "record", "name": "R", "fields": [
	{"name": "id", "type": "long"},
	{"name": "name", "type": ["null", "string"]},
	{"name": "xs", "type": {"type": "array", "items": "double"}}]}`

type avroTestRow struct {
	ID   int64     `avro:"id"`
	Name *string   `avro:"name"`
	Xs   []float64 `avro:"xs"`
}

// avroFile writes n rows with hamba/avro's own container encoder, two rows a block.
func avroFile(t testing.TB, codec ocf.CodecName, n int) []byte {
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(avroTestSchema, &buf, ocf.WithCodec(codec), ocf.WithBlockLength(2))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := strings.Repeat("n", i)
		row := avroTestRow{ID: int64(i) - 1, Xs: []float64{float64(i) / 2}}
		if i%2 == 1 {
			row.Name = &name
		}
		if err := enc.Encode(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAvroFunc(opts AvroOptions) readFunc {
	return func(ctx context.Context, mem memory.Allocator, st Storage, f File, emit Emit) error {
		return ReadAvro(ctx, mem, st, f, opts, emit)
	}
}

func TestReadAvroHamba(t *testing.T) {
	for _, codec := range []ocf.CodecName{ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard} {
		mem := memcheck.New(memory.NewGoAllocator())
		p := writeTemp(t, "a.avro", avroFile(t, codec, 5))
		res, err := collect(t, mem, p, readAvroFunc(AvroOptions{BatchRows: 3}))
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		got := strings.Join(res.rows, "\n")
		want := "-1|(null)|[0]\n0|n|[0.5]\n1|(null)|[1]\n2|nnn|[1.5]\n3|(null)|[2]"
		if res.schema != "id:int64, name:utf8, xs:list<item: float64>" || got != want || len(res.batches) != 2 {
			t.Fatalf("%s: schema %s, batches %v, rows:\n%s", codec, res.schema, res.batches, got)
		}
		res, err = collect(t, mem, p, readAvroFunc(AvroOptions{Columns: []string{"xs"}}))
		if err != nil || strings.Join(res.rows, ",") != "[0],[0.5],[1],[1.5],[2]" {
			t.Fatalf("%s: projected: %v %v", codec, res.rows, err)
		}
		n, err := CountAvro(context.Background(), Local(), File{Path: p})
		if err != nil || n != 5 {
			t.Fatalf("%s: count %d, %v", codec, n, err)
		}
		mem.AssertSize(t, 0)
	}
}

// TestReadAvroErrors: each broken file gives one error naming the file and the byte offset.
func TestReadAvroErrors(t *testing.T) {
	good := avroFile(t, ocf.Null, 5)
	snappy := avroFile(t, ocf.Snappy, 5)
	hdr := bytes.Index(good, []byte("R\"")) // somewhere in the header's schema
	codecAt := bytes.Index(good, []byte("null\x14avro.schema"))
	if codecAt < 0 {
		codecAt = bytes.Index(good, []byte("avro.codec\x08null")) + len("avro.codec\x08")
	}
	mod := func(b []byte, at int, to ...byte) []byte {
		b = bytes.Clone(b)
		copy(b[at:], to)
		return b
	}
	lastSync := len(good) - 1
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"magic", mod(good, 0, 'O', 'b', 'j', 2), `avro: byte 0: magic "Obj\x02" is not "Obj\x01"`},
		{"empty", nil, "avro: byte 0: truncated file: the stream ends in the magic"},
		{"unknown codec", mod(good, codecAt, 'l', 'z', 'o', '!'), `unknown codec "lzo!"`},
		{"sync", mod(good, lastSync, good[lastSync]^1), "sync marker does not match the header's: corrupt file"},
		{"truncated", good[:len(good)-20], "truncated file: the stream ends in the block"},
		{"truncated header", good[:hdr], "truncated file: the stream ends in the header metadata"},
		{"snappy crc", mod(snappy, len(snappy)-17, snappy[len(snappy)-17]^1), "snappy codec: CRC32 mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			p := writeTemp(t, "bad.avro", c.data)
			_, err := collect(t, mem, p, readAvroFunc(AvroOptions{}))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sluice: read_avro: "+p+": avro: ") {
				t.Fatalf("error %v, want one naming %s and %q", err, p, c.want)
			}
			if c.name != "snappy crc" && c.name != "unknown codec" && !strings.Contains(err.Error(), "byte ") {
				t.Fatalf("error %v names no offset", err)
			}
		})
	}
	// A value that does not decode: the block and record are named.
	// One block of 2 records: its count, its size (one byte), the data, the sync marker.
	// All-ones data makes the first id a varint that runs past the block.
	bad := avroFile(t, ocf.Null, 2)
	first := bytes.Index(bad, bad[len(bad)-16:]) + 16
	for i := first + 2; i < len(bad)-16; i++ {
		bad[i] = 0xff
	}
	_, err := collect(t, memory.NewGoAllocator(), writeTemp(t, "v.avro", bad), readAvroFunc(AvroOptions{}))
	if err == nil || !strings.Contains(err.Error(), "avro: block at byte ") || !strings.Contains(err.Error(), "record 0 of 2") {
		t.Fatalf("corrupt value: %v", err)
	}
}

// FuzzAvroBlocks: any bytes give rows or an error, never a panic, a huge allocation or a
// leaked byte; seeds are valid files in each codec hamba/avro writes.
func FuzzAvroBlocks(f *testing.F) {
	for _, c := range []ocf.CodecName{ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard} {
		f.Add(avroFile(f, c, 5))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		mem := memcheck.New(memory.NewGoAllocator())
		p := writeTemp(t, "f.avro", body)
		collect(t, mem, p, readAvroFunc(AvroOptions{BatchRows: 2}))
		mem.AssertSize(t, 0)
		CountAvro(context.Background(), Local(), File{Path: p})
	})
}
