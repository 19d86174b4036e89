package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

type tfRow struct {
	ID    int64     `sluice:"id"`
	X     []float32 `sluice:"x"`
	Label string    `sluice:"label"`
	Blob  []byte    `sluice:"blob"`
}

var tfRowSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "x", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32)},
	{Name: "label", Type: arrow.BinaryTypes.String},
	{Name: "blob", Type: arrow.BinaryTypes.Binary},
}, nil)

func tfRows() []tfRow {
	return []tfRow{
		{1, []float32{0.5, -1.25}, "cat", []byte{0, 1, 2}},
		{-2, []float32{}, "dog", []byte("\xff")},
		{1 << 40, []float32{3.0000002, 1e-30, 7}, "", nil},
	}
}

// tfPyRead has the tfrecord package read a TFRecord file, checking both masked CRC32Cs with
// the crc32c package (tfrecord's reader does not), and print one line per record.
const tfPyRead = `
import sys, struct, gzip, crc32c
from tfrecord import example_pb2
def masked(b):
    c = crc32c.crc32c(b)
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff
path = sys.argv[1]
data = (gzip.open if path.endswith('.gz') else open)(path, 'rb').read()
at = 0
while at < len(data):
    n, = struct.unpack('<Q', data[at:at+8])
    assert struct.unpack('<I', data[at+8:at+12])[0] == masked(data[at:at+8]), 'length crc'
    rec = data[at+12:at+12+n]
    assert struct.unpack('<I', data[at+12+n:at+16+n])[0] == masked(rec), 'data crc'
    ex = example_pb2.Example.FromString(rec)
    f = ex.features.feature
    out = []
    for k in sorted(f):
        kind = f[k].WhichOneof('kind')
        vals = list(getattr(f[k], kind).value)
        if kind == 'float_list':
            vals = [float.hex(v) for v in vals]
        out.append('%s=%s:%s' % (k, kind, vals))
    print(' '.join(out))
    at += 16 + n
`

// TestTFRecordsInterop: files sluice writes (plain and gzip) are read by the tfrecord
// package with their checksums verified, and files tfrecord writes are read back by sluice,
// values compared exactly.
func TestTFRecordsInterop(t *testing.T) {
	py := pythonWith(t, "tfrecord", "crc32c")
	if py == "" {
		t.Skip("python3 with tfrecord and crc32c missing (scripts/install-python-deps.sh)")
	}
	ctx := context.Background()
	c := testContext(t)
	for _, comp := range []string{"none", "gzip"} {
		dir := t.TempDir()
		paths, err := FromItems(tfRows()).WithContext(c).WriteTFRecords(ctx, dir, Compression(comp))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != 1 || (comp == "gzip") != strings.HasSuffix(paths[0], ".tfrecords.gz") {
			t.Fatalf("%s: files %v", comp, paths)
		}
		out, err := exec.Command(py, "-c", tfPyRead, paths[0]).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: python: %v\n%s", comp, err, out)
		}
		want := "blob=bytes_list:[b'\\x00\\x01\\x02'] id=int64_list:[1] label=bytes_list:[b'cat'] x=float_list:['0x1.0000000000000p-1', '-0x1.4000000000000p+0']\n" +
			"blob=bytes_list:[b'\\xff'] id=int64_list:[-2] label=bytes_list:[b'dog'] x=float_list:[]\n" +
			"blob=bytes_list:[b''] id=int64_list:[1099511627776] label=bytes_list:[b''] x=float_list:['0x1.8000020000000p+1', '0x1.4484c00000000p-100', '0x1.c000000000000p+2']\n"
		if string(out) != want {
			t.Fatalf("%s: tfrecord read:\n%s\nwant:\n%s", comp, out, want)
		}
		// And back through ReadTFRecords, into the same Go values.
		var got []tfRow
		ds := ReadTFRecords(dir, TFRecordSchema(tfRowSchema)).WithContext(c)
		rows, err := ds.TakeAll(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			var x []float32
			for _, v := range r["x"].([]any) {
				x = append(x, v.(float32))
			}
			got = append(got, tfRow{r["id"].(int64), x, r["label"].(string), r["blob"].([]byte)})
		}
		if fmt.Sprint(got) != fmt.Sprint(tfRows()) {
			t.Fatalf("%s: read back %v, want %v", comp, got, tfRows())
		}
		if n, err := ReadTFRecords(dir).WithContext(c).Count(ctx); err != nil || n != 3 {
			t.Fatalf("count %d, %v", n, err)
		}
	}

	// tfrecord writes, sluice reads: inferred types, a gzip copy, Hive partitions and paths.
	dir := t.TempDir()
	part := filepath.Join(dir, "split=train")
	os.MkdirAll(part, 0o755)
	script := `
import sys, gzip, shutil
from tfrecord.writer import TFRecordWriter
w = TFRecordWriter(sys.argv[1])
w.write({"id": (7, "int"), "emb": ([0.1, 0.2, 0.3], "float"), "name": (b"seven", "byte")})
w.write({"id": (-9, "int"), "emb": ([1e10, -0.0], "float"), "name": (b"\x00nine", "byte")})
w.write({"id": (2**62, "int"), "emb": ([], "float")})
w.close()
with open(sys.argv[1], 'rb') as s, gzip.open(sys.argv[1] + '.gz', 'wb') as d:
    shutil.copyfileobj(s, d)
`
	if out, err := exec.Command(py, "-c", script, filepath.Join(part, "a.tfrecords")).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	rows, err := ReadTFRecords(dir, HivePartitioning(), IncludePaths()).WithContext(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, fmt.Sprintf("%d %v %q %s %s", r["id"], r["emb"], r["name"], r["split"], filepath.Base(r["path"].(string))))
	}
	// float_list holds float32: 0.1 reads back as float32(0.1).
	want := `7 [0.1 0.2 0.3] "seven" train a.tfrecords
-9 [1e+10 -0] "\x00nine" train a.tfrecords
4611686018427387904 [] %!q(<nil>) train a.tfrecords
7 [0.1 0.2 0.3] "seven" train a.tfrecords.gz
-9 [1e+10 -0] "\x00nine" train a.tfrecords.gz
4611686018427387904 [] %!q(<nil>) train a.tfrecords.gz`
	if got := strings.Join(lines, "\n"); got != want {
		t.Fatalf("read:\n%s\nwant:\n%s", got, want)
	}
	n, err := ReadTFRecords(dir, Columns("id")).WithContext(c).Count(ctx)
	if err != nil || n != 6 {
		t.Fatalf("count %d, %v", n, err)
	}
}
