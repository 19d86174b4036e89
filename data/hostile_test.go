package data

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The hostile-input catalogue: crafted bad files for every reader, each read through the
// public Read* API with the checked allocator and goleak (testContext), under a timeout.
// Every bad file must fail with one clear error that follows the error rule (checkRule:
// "sluice: <operator>: <file>: <cause>", each once) and, where the format has one, names the
// offset, row or line; none may panic, hang, leak a goroutine or a byte. The valid edge
// cases among them (empty inputs, paths with spaces and unicode, odd but legal headers) are
// compared with pyarrow, numpy and PIL in hostile_ref_test.go.

// hostileCase is one crafted input: the files it needs (name -> bytes, under a fresh
// directory; a name ending in "@" is a symlink whose target is the bytes), the dataset that
// reads it (given the directory), the operator the error names, and what the error must
// match (want; "" means the read must succeed and give rows rows).
type hostileCase struct {
	name  string
	files map[string][]byte
	op    string
	read  func(dir string) *Dataset
	input string // the file the error names, relative to the directory ("" : the first file)
	want  string // a regular expression the error must match; "" means no error
	rows  int64  // the rows a valid case reads
}

// hostileTimeout bounds every case: a reader that loops on a hostile input fails the test
// instead of hanging it.
const hostileTimeout = 30 * time.Second

func runHostile(t *testing.T, cases []hostileCase) {
	for _, hc := range cases {
		t.Run(hc.name, func(t *testing.T) {
			dir := t.TempDir()
			first := ""
			for name, body := range hc.files {
				if target, ok := strings.CutSuffix(name, "@"); ok {
					p := filepath.Join(dir, target)
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.Symlink(string(body), p); err != nil {
						t.Fatal(err)
					}
					continue
				}
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, body, 0o644); err != nil {
					t.Fatal(err)
				}
				if first == "" || name < first {
					first = name
				}
			}
			c := testContext(t)
			ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
			defer cancel()
			type result struct {
				n   int64
				err error
			}
			done := make(chan result, 1)
			go func() {
				var r result
				defer func() {
					if p := recover(); p != nil {
						r.err = fmt.Errorf("PANIC: %v", p)
					}
					done <- r
				}()
				for b, err := range hc.read(dir).WithContext(c).IterBatches(ctx, BatchSize(4096)) {
					if err != nil {
						r.err = err
						break
					}
					r.n += int64(b.NumRows())
				}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(hostileTimeout + 5*time.Second):
				t.Fatalf("no answer in %s: the reader hangs", hostileTimeout)
			}
			if os.Getenv("SLUICE_HOSTILE_PRINT") != "" {
				t.Logf("rows=%d err=%v", r.n, r.err)
			}
			if errors.Is(r.err, context.DeadlineExceeded) {
				t.Fatalf("not done in %s: %v", hostileTimeout, r.err)
			}
			if r.err != nil && strings.HasPrefix(r.err.Error(), "PANIC") {
				t.Fatal(r.err)
			}
			if hc.want == "" {
				if r.err != nil || r.n != hc.rows {
					t.Fatalf("read %d rows, %v; want %d rows and no error", r.n, r.err, hc.rows)
				}
				return
			}
			input := hc.input
			if input == "" {
				input = first
			}
			checkRule(t, errorCase{name: hc.name, op: hc.op, input: filepath.Join(dir, input)}, r.err)
			if r.err != nil && !regexp.MustCompile(hc.want).MatchString(r.err.Error()) {
				t.Errorf("error does not match %q:\n%v", hc.want, r.err)
			}
		})
	}
}

func one(name string, body []byte) map[string][]byte { return map[string][]byte{name: body} }

// npyFile builds a .npy file with the given header dictionary and data.
func npyFile(dict string, data []byte) []byte {
	h := dict
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngBomb is a valid PNG header declaring w x h RGBA pixels, with an IDAT whose zlib stream
// inflates to n zero bytes (a few KB on disk).
// zlibZeros is a zlib stream of n zero bytes. Compressing 256 MiB takes 1.3 s (28 s under the
// race detector), so it compresses three MiB, each flushed to a byte boundary, and repeats the
// second, which is the third when its history is all zeros.
func zlibZeros(n int) []byte {
	const mib = 1 << 20
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	zero := make([]byte, mib)
	var ends []int
	for range 3 {
		fw.Write(zero)
		fw.Flush()
		ends = append(ends, b.Len())
	}
	fw.Close()
	p := b.Bytes()
	first, second, third, tail := p[:ends[0]], p[ends[0]:ends[1]], p[ends[1]:ends[2]], p[ends[2]:]
	out := []byte{0x78, 0xda} // zlib header: deflate, 32 KiB window, best compression
	if n%mib != 0 || n < mib || !bytes.Equal(second, third) {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		for k := n; k > 0; k -= min(k, mib) {
			zw.Write(zero[:min(k, mib)])
		}
		zw.Close()
		return z.Bytes()
	}
	out = append(out, first...)
	for range n/mib - 1 {
		out = append(out, second...)
	}
	out = append(out, tail...)
	// Adler-32 of n zeros: a stays 1, b adds it n times.
	return binary.BigEndian.AppendUint32(out, uint32(n%65521)<<16|1)
}

func pngBomb(w, h uint32, n int) []byte {
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, w)
	binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{8, 6, 0, 0, 0})
	z := zlibZeros(n)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr.Bytes())...)
	out = append(out, pngChunk("IDAT", z)...)
	return append(out, pngChunk("IEND", nil)...)
}

func smallPNG(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// parquetBytes is a small valid Parquet file written by sluice (3 row groups of ids).
func parquetBytes(t *testing.T) []byte {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pq")
	paths, err := Range(3000).WithContext(testContext(t)).Map(func(ctx context.Context, r Row) (Row, error) {
		return Row{"id": r["id"], "s": fmt.Sprintf("row %d", r["id"])}, nil
	}).Repartition(1).WriteParquet(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHostileInputs(t *testing.T) {
	csvR := func(name string) func(string) *Dataset {
		return func(dir string) *Dataset { return ReadCSV(filepath.Join(dir, name)) }
	}
	jsonR := func(name string) func(string) *Dataset {
		return func(dir string) *Dataset { return ReadJSON(filepath.Join(dir, name)) }
	}
	npyR := func(name string) func(string) *Dataset {
		return func(dir string) *Dataset { return ReadNumpy(filepath.Join(dir, name)) }
	}
	imgR := func(name string) func(string) *Dataset {
		return func(dir string) *Dataset { return ReadImages(filepath.Join(dir, name)) }
	}
	pqR := func(name string) func(string) *Dataset {
		return func(dir string) *Dataset { return ReadParquet(filepath.Join(dir, name)) }
	}
	huge := bytes.Repeat([]byte("x"), 32<<20)
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	cases := []hostileCase{
		// CSV
		{name: "csv/empty", files: one("a.csv", nil), op: "ReadCSV", read: csvR("a.csv"), rows: 0}, // pyarrow refuses ("Empty CSV file"); no rows is not an error here
		{name: "csv/header only", files: one("a.csv", []byte("a,b\n")), op: "ReadCSV", read: csvR("a.csv"), rows: 0},
		{name: "csv/cut in a quoted field", files: one("a.csv", []byte("a,b\n1,\"abc")), op: "ReadCSV", read: csvR("a.csv"), want: "."},
		{name: "csv/ragged", files: one("a.csv", []byte("a,b\n1,2\n3\n")), op: "ReadCSV", read: csvR("a.csv"), want: "."},
		{name: "csv/invalid UTF-8", files: one("a.csv", []byte("a,b\n1,\xff\xfe\n")), op: "ReadCSV", read: csvR("a.csv"), rows: 1}, // a binary column, as pyarrow infers (hostile_ref_test.go)
		{name: "csv/huge row", files: one("a.csv", append(append([]byte("a\n"), huge...), '\n')), op: "ReadCSV", read: csvR("a.csv"), rows: 1},
		{name: "csv/a Parquet file named .csv", files: map[string][]byte{"a.csv": nil}, op: "ReadCSV", read: csvR("a.csv"), want: "."},
		{name: "csv/NUL bytes", files: one("a.csv", []byte("a,b\n1,\x00\x00\n")), op: "ReadCSV", read: csvR("a.csv"), rows: 1},
		// JSON Lines
		{name: "json/empty", files: one("a.jsonl", nil), op: "ReadJSON", read: jsonR("a.jsonl"), rows: 0},
		{name: "json/cut in an object", files: one("a.jsonl", []byte("{\"a\": 1}\n{\"a\": ")), op: "ReadJSON", read: jsonR("a.jsonl"), want: "line 2|offset"},
		{name: "json/not an object", files: one("a.jsonl", []byte("{\"a\": 1}\n17\n")), op: "ReadJSON", read: jsonR("a.jsonl"), want: "line 2|offset"},
		{name: "json/deep nesting", files: one("a.jsonl", []byte("{\"a\": "+deep+"}\n")), op: "ReadJSON", read: jsonR("a.jsonl"), want: "."},
		{name: "json/deep nesting under the scanner's limit", files: one("a.jsonl", []byte("{\"a\": "+deep[:5000]+deep[len(deep)-5000:]+"}\n")), op: "ReadJSON", read: jsonR("a.jsonl"), want: "line 1: .*nested deeper than 1000"},
		{name: "json/invalid UTF-8", files: one("a.jsonl", []byte("{\"a\": \"\xff\xfe\"}\n")), op: "ReadJSON", read: jsonR("a.jsonl"), want: "line 1: not valid UTF-8 \\(at byte 7"},
		{name: "json/huge row", files: one("a.jsonl", []byte("{\"a\": \""+string(huge)+"\"}\n")), op: "ReadJSON", read: jsonR("a.jsonl"), rows: 1},
		{name: "json/type changes", files: one("a.jsonl", []byte("{\"a\": 1}\n{\"a\": {\"b\": 2}}\n")), op: "ReadJSON", read: jsonR("a.jsonl"), want: "line 2|offset|row"},
		// text and binary
		{name: "text/empty", files: one("a.txt", nil), op: "ReadText", read: func(d string) *Dataset { return ReadText(filepath.Join(d, "a.txt")) }, rows: 0},
		{name: "text/invalid UTF-8", files: one("a.txt", []byte("ok\n\xff\xfe\n")), op: "ReadText", read: func(d string) *Dataset { return ReadText(filepath.Join(d, "a.txt")) }, want: "UTF-8"},
		{name: "binary/empty file", files: one("a.bin", nil), op: "ReadBinaryFiles", read: func(d string) *Dataset { return ReadBinaryFiles(filepath.Join(d, "a.bin")) }, rows: 1},
		{name: "binary/symlink loop", files: map[string][]byte{"a.bin": []byte("x"), "loop@": []byte("."), "sub/up@": []byte("..")}, op: "ReadBinaryFiles", read: func(d string) *Dataset { return ReadBinaryFiles(d) }, rows: 1},
		{name: "binary/dangling symlink", files: map[string][]byte{"a.bin": []byte("x"), "gone.bin@": []byte("nowhere")}, op: "ReadBinaryFiles", read: func(d string) *Dataset { return ReadBinaryFiles(d) }, rows: 1}, // listed as nothing
		{name: "csv/spaces and unicode in the path", files: one("dir with space/ünïcødé 文件.csv", []byte("a\n1\n2\n")), op: "ReadCSV", read: func(d string) *Dataset { return ReadCSV(filepath.Join(d, "dir with space")) }, rows: 2},
		// NumPy
		{name: "npy/empty", files: one("a.npy", nil), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/cut in the magic", files: one("a.npy", []byte("\x93NUM")), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/cut in the header", files: one("a.npy", npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", nil)[:30]), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/cut in the data", files: one("a.npy", npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", make([]byte, 10))), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/lying shape", files: one("a.npy", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000), }", make([]byte, 64))), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/overflowing shape", files: one("a.npy", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", make([]byte, 64))), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/negative shape", files: one("a.npy", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", nil)), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/lying header length", files: one("a.npy", []byte("\x93NUMPY\x01\x00\xff\xff{'descr': '<i4'")), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/0-d array", files: one("a.npy", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", make([]byte, 8))), op: "ReadNumpy", read: npyR("a.npy"), want: "0-d array has no rows"},
		{name: "npy/object dtype", files: one("a.npy", npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", make([]byte, 16))), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/complex dtype", files: one("a.npy", npyFile("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", make([]byte, 32))), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/version 9", files: one("a.npy", []byte("\x93NUMPY\x09\x00\x10\x00{}              ")), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		{name: "npy/a PNG named .npy", files: one("a.npy", smallPNG(t, 2, 2)), op: "ReadNumpy", read: npyR("a.npy"), want: "."},
		// images
		{name: "image/empty", files: one("a.png", nil), op: "ReadImages", read: imgR("a.png"), want: "."},
		{name: "image/huge dimensions", files: one("a.png", pngBomb(100000, 100000, 4096)), op: "ReadImages", read: imgR("a.png"), want: "."},
		{name: "image/zlib bomb", files: one("a.png", pngBomb(4096, 4096, 256<<20)), op: "ReadImages", read: imgR("a.png"), want: "."},
		{name: "image/a PNG named .jpg", files: one("a.jpg", smallPNG(t, 3, 2)), op: "ReadImages", read: imgR("a.jpg"), rows: 1},
		{name: "image/text named .png", files: one("a.png", []byte("hello, world\n")), op: "ReadImages", read: imgR("a.png"), want: "."},
		// Parquet
		{name: "parquet/empty", files: one("a.parquet", nil), op: "ReadParquet", read: pqR("a.parquet"), want: "."},
		{name: "parquet/magic only", files: one("a.parquet", []byte("PAR1")), op: "ReadParquet", read: pqR("a.parquet"), want: "."},
		{name: "parquet/lying footer length", files: one("a.parquet", []byte("PAR1\x00\x00\x00\x00\xff\xff\xff\x7fPAR1")), op: "ReadParquet", read: pqR("a.parquet"), want: "."},
		{name: "parquet/a CSV named .parquet", files: one("a.parquet", []byte("a,b\n1,2\n")), op: "ReadParquet", read: pqR("a.parquet"), want: "."},
	}
	// Truncations of a valid PNG at every structural boundary (signature, each chunk's
	// length, type, data and CRC).
	pngOK := smallPNG(t, 4, 3)
	for _, cut := range pngBoundaries(pngOK) {
		cases = append(cases, hostileCase{name: fmt.Sprintf("image/png cut at %d of %d", cut, len(pngOK)), files: one("a.png", pngOK[:cut]), op: "ReadImages", read: imgR("a.png"), want: "."})
	}
	// Truncations of a valid Parquet file: in the magic, in every page region (sampled), in
	// the footer, in the footer length, in the closing magic.
	pq := parquetBytes(t)
	flen := int(binary.LittleEndian.Uint32(pq[len(pq)-8:]))
	cuts := []int{1, 3, 4, 5, 64, len(pq) / 4, len(pq) / 2, len(pq) - 8 - flen - 1, len(pq) - 8 - flen, len(pq) - 8 - flen/2, len(pq) - 8, len(pq) - 6, len(pq) - 4, len(pq) - 1}
	for _, cut := range cuts {
		cases = append(cases, hostileCase{name: fmt.Sprintf("parquet/cut at %d of %d", cut, len(pq)), files: one("a.parquet", pq[:cut]), op: "ReadParquet", read: pqR("a.parquet"), want: "."})
	}
	// A footer length pointing before the start of the file, and a flipped byte in the footer.
	lying := bytes.Clone(pq)
	binary.LittleEndian.PutUint32(lying[len(lying)-8:], uint32(len(pq)))
	cases = append(cases, hostileCase{name: "parquet/footer longer than the file", files: one("a.parquet", lying), op: "ReadParquet", read: pqR("a.parquet"), want: "."})
	for i, c := range cases {
		if c.name == "csv/a Parquet file named .csv" {
			cases[i].files = one("a.csv", pq)
		}
	}
	runHostile(t, cases)
}

// pngBoundaries lists the offsets where a PNG's structure changes: after the signature, and
// inside each chunk after its length, its type, half its data, its data and its CRC.
func pngBoundaries(b []byte) []int {
	out := []int{1, 4, 8}
	for off := 8; off+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		out = append(out, off+2, off+4, off+6, off+8, off+8+n/2, off+8+n, off+8+n+2)
		off += 12 + n
	}
	var in []int
	for _, c := range out {
		if c > 0 && c < len(b) {
			in = append(in, c)
		}
	}
	return in
}
