package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// avroWant is the two records of testdata/avro_fastavro.py as ReadAvro gives them.
var avroWant = []string{
	"map[addr:map[city:Oslo zip:150] attrs:[map[key:x value:1]] color:GREEN day:2024-02-29 00:00:00 +0000 UTC f32:1.5 fx:YWJjZA== id:1 name:ann ok:true opt:<nil> price:-12345.67 raw:[0 255] score:0.1 small:-7 tags:[a b] ts_ms:2024-01-02 03:04:05.678 +0000 UTC ts_us:1969-12-31 23:59:59.999999 +0000 UTC uid:12345678-1234-5678-1234-567812345678]",
	"map[addr:map[city: zip:<nil>] attrs:[] color:BLUE day:1970-01-01 00:00:00 +0000 UTC f32:-0 fx:AAAAAQ== id:-9223372036854775808 name:bé ok:false opt:x price:9999999.99 raw:[] score:-1e+300 small:2147483647 tags:[] ts_ms:1970-01-01 00:00:00 +0000 UTC ts_us:2262-04-11 00:00:00 +0000 UTC uid:00000000-0000-0000-0000-000000000000]",
}

func fastavroFile(t *testing.T, py, dir, codec string, repeat int) string {
	t.Helper()
	p := filepath.Join(dir, codec+".avro")
	if out, err := exec.Command(py, "testdata/avro_fastavro.py", p, codec, fmt.Sprint(repeat)).CombinedOutput(); err != nil {
		t.Fatalf("fastavro %s: %v\n%s", codec, err, out)
	}
	return p
}

// TestAvroInterop reads files fastavro wrote with every codec of the specification, in
// blocks of a few records, values compared exactly; then Count, Columns and Hive partitions.
func TestAvroInterop(t *testing.T) {
	py := pythonWith(t, "fastavro", "cramjam", "backports.zstd")
	if py == "" {
		t.Skip("python3 with fastavro, cramjam and backports.zstd missing (scripts/install-python-deps.sh)")
	}
	ctx := context.Background()
	c := testContext(t)
	for _, codec := range []string{"null", "deflate", "snappy", "zstandard", "bzip2", "xz"} {
		p := fastavroFile(t, py, t.TempDir(), codec, 20)
		rows, err := ReadAvro(p).WithContext(c).TakeAll(ctx, 0)
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if len(rows) != 40 {
			t.Fatalf("%s: %d rows, want 40", codec, len(rows))
		}
		for i, r := range rows {
			if got := fmt.Sprint(r); got != avroWant[i%2] {
				t.Fatalf("%s: row %d:\n%s\nwant:\n%s", codec, i, got, avroWant[i%2])
			}
		}
		if n, err := ReadAvro(p).WithContext(c).Count(ctx); err != nil || n != 40 {
			t.Fatalf("%s: count %d, %v", codec, n, err)
		}
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "day=mon"), 0o755); err != nil {
		t.Fatal(err)
	}
	fastavroFile(t, py, filepath.Join(dir, "day=mon"), "deflate", 1)
	got, err := ReadAvro(dir, Columns("price", "name", "day"), HivePartitioning()).WithContext(c).TakeAll(ctx, 0)
	if err != nil || fmt.Sprint(got) != "[map[day:mon name:ann price:-12345.67] map[day:mon name:bé price:9999999.99]]" {
		t.Fatalf("projected, partitioned: %v, %v", got, err)
	}
}

// TestAvroSchemaEvolution reads a fastavro file through a reader schema: a field renamed
// (matched by alias), one added with a default, others dropped, int promoted to long and
// float to double, an enum with more symbols, a nested record with a field added.
func TestAvroSchemaEvolution(t *testing.T) {
	py := pythonWith(t, "fastavro")
	if py == "" {
		t.Skip("python3 with fastavro missing (scripts/install-python-deps.sh)")
	}
	ctx := context.Background()
	c := testContext(t)
	p := fastavroFile(t, py, t.TempDir(), "null", 1)
	reader := `{"type": "record", "name": "User", "namespace": "t", "fields": [
		{"name": "user_id", "type": "long", "aliases": ["id"]},
		{"name": "small", "type": "long"},
		{"name": "f32", "type": "double"},
		{"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["BLUE", "GREEN", "RED", "PINK"]}},
		{"name": "addr", "type": {"type": "record", "name": "Addr", "fields": [
			{"name": "city", "type": "string"},
			{"name": "country", "type": "string", "default": "NO"}]}},
		{"name": "added", "type": ["null", "int"], "default": null},
		{"name": "weight", "type": "double", "default": 2.5},
		{"name": "labels", "type": {"type": "array", "items": "string"}, "default": ["u"]}]}`
	rows, err := ReadAvro(p, AvroReaderSchema(reader)).WithContext(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "[map[added:<nil> addr:map[city:Oslo country:NO] color:GREEN f32:1.5 labels:[u] small:-7 user_id:1 weight:2.5] " +
		"map[added:<nil> addr:map[city: country:NO] color:BLUE f32:-0 labels:[u] small:2147483647 user_id:-9223372036854775808 weight:2.5]]"
	if fmt.Sprint(rows) != want {
		t.Fatalf("rows:\n%v\nwant:\n%s", rows, want)
	}
	// A reader field without a default that the writer lacks: an error naming the file.
	bad := `{"type": "record", "name": "User", "namespace": "t", "fields": [{"name": "nope", "type": "int"}]}`
	_, err = ReadAvro(p, AvroReaderSchema(bad)).WithContext(c).TakeAll(ctx, 0)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "reader schema cannot read") {
		t.Fatalf("incompatible reader schema: %v", err)
	}
}

// TestWriteAvroInterop reads the fastavro file, writes it back with WriteAvro in each codec,
// and has fastavro read both files and compare every record (a uuid read back as a string,
// since the derived schema has no uuid type); sluice reads its own files back too.
func TestWriteAvroInterop(t *testing.T) {
	py := pythonWith(t, "fastavro", "cramjam", "backports.zstd")
	if py == "" {
		t.Skip("python3 with fastavro, cramjam and backports.zstd missing (scripts/install-python-deps.sh)")
	}
	ctx := context.Background()
	c := testContext(t)
	src := fastavroFile(t, py, t.TempDir(), "null", 3)
	const compare = `
import sys, uuid, fastavro
def load(p):
    with open(p, 'rb') as f:
        r = fastavro.reader(f)
        return r.codec, [{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in rec.items()} for rec in r]
_, want = load(sys.argv[1])
codec, got = load(sys.argv[2])
assert got == want, (got[:2], want[:2])
print(codec, len(got))
`
	for _, codec := range []string{"null", "deflate", "snappy", "zstandard"} {
		dir := t.TempDir()
		paths, err := ReadAvro(src).WithContext(c).WriteAvro(ctx, dir, AvroCodec(codec))
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if len(paths) != 1 || !strings.HasSuffix(paths[0], ".avro") {
			t.Fatalf("%s: files %v, want one .avro", codec, paths)
		}
		out, err := exec.Command(py, "-c", compare, src, paths[0]).CombinedOutput()
		if err != nil || string(out) != codec+" 6\n" {
			t.Fatalf("%s: fastavro: %v\n%s", codec, err, out)
		}
		rows, err := ReadAvro(dir).WithContext(c).TakeAll(ctx, 0)
		if err != nil || len(rows) != 6 {
			t.Fatalf("%s: read back %d rows, %v", codec, len(rows), err)
		}
		for i, r := range rows {
			if got := fmt.Sprint(r); got != avroWant[i%2] {
				t.Fatalf("%s: row %d:\n%s\nwant:\n%s", codec, i, got, avroWant[i%2])
			}
		}
	}
}
