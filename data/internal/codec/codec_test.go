package codec

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// payload is a few hundred KiB of text that compresses, with enough variety to span blocks.
func payload() []byte {
	var b bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,row %d,%x\n", i, i*7919%1000, i*i)
	}
	return b.Bytes()
}

func compress(t *testing.T, codec string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, codec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decompress(codec string, data []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(data), codec)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func TestRoundTrip(t *testing.T) {
	data := payload()
	for _, c := range []string{None, Gzip, Zstd, LZ4, XZ} {
		t.Run(c, func(t *testing.T) {
			z := compress(t, c, data)
			if c != None && len(z) >= len(data)*2/3 {
				t.Errorf("%s: %d bytes compressed to %d", c, len(data), len(z))
			}
			got, err := decompress(c, z)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%s: round trip differs (%d bytes, want %d)", c, len(got), len(data))
			}
		})
	}
}

// TestTruncated cuts each codec's stream in the middle and at the last byte: the reader must
// fail (not end quietly) with a StreamError giving the compressed offset it reached.
func TestTruncated(t *testing.T) {
	data := payload()
	for _, c := range []string{Gzip, Zstd, LZ4, XZ, Bzip2} {
		z := bz2Fixture(t, data)
		if c != Bzip2 {
			z = compress(t, c, data)
		}
		for _, cut := range []int{len(z) / 2, len(z) - 1, 5} {
			t.Run(fmt.Sprintf("%s/%d", c, cut), func(t *testing.T) {
				_, err := decompress(c, z[:cut])
				var se *StreamError
				if !errors.As(err, &se) {
					t.Fatalf("error %v, want a *StreamError", err)
				}
				if se.Offset <= 0 || se.Offset > int64(cut) {
					t.Errorf("offset %d, want in (0, %d]", se.Offset, cut)
				}
				if !strings.HasPrefix(err.Error(), c+": compressed byte ") {
					t.Errorf("error %q does not start with the codec and offset", err)
				}
			})
		}
	}
}

// TestCorrupt flips bytes inside the stream: each codec checks a checksum or its block
// structure, and the error carries the offset.
func TestCorrupt(t *testing.T) {
	data := payload()
	for _, c := range []string{Gzip, Zstd, LZ4, XZ} {
		t.Run(c, func(t *testing.T) {
			z := bytes.Clone(compress(t, c, data))
			for i := len(z) / 3; i < len(z)/3+16; i++ {
				z[i] ^= 0x5a
			}
			_, err := decompress(c, z)
			var se *StreamError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *StreamError", err)
			}
			if se.Offset <= 0 {
				t.Errorf("offset %d", se.Offset)
			}
		})
	}
	// gzip reads byte by byte: the offset is exact for a bad header.
	_, err := decompress(Gzip, []byte("not gzip at all"))
	var se *StreamError
	if !errors.As(err, &se) || se.Offset > 10 {
		t.Fatalf("bad header: %v", err)
	}
}

func TestEmptyAndSourceErrors(t *testing.T) {
	for _, c := range []string{Gzip, Zstd, LZ4, XZ, Bzip2} {
		got, err := decompress(c, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: empty file: %q, %v", c, got, err)
		}
	}
	boom := errors.New("connection reset")
	r, _ := NewReader(io.MultiReader(bytes.NewReader(compress(t, Gzip, payload())[:100]), errReader{boom}), Gzip)
	defer r.Close()
	if _, err := io.ReadAll(r); err != boom {
		t.Fatalf("source error came back as %v, want it unchanged", err)
	}
	if _, err := NewWriter(io.Discard, Bzip2); err == nil {
		t.Fatal("bz2 writer: no error")
	}
	if _, err := NewReader(nil, "snappy"); err == nil || !strings.Contains(err.Error(), `unknown compression "snappy"`) {
		t.Fatalf("unknown codec: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestByExtension(t *testing.T) {
	for path, want := range map[string]string{
		"a.csv.gz": Gzip, "A.JSONL.ZST": Zstd, "x.bz2": Bzip2, "t.txt.lz4": LZ4, "n.npy.xz": XZ,
		"a.csv": None, "gz": None,
	} {
		if got := ByExtension(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	if Ext(Gzip) != "gz" || Ext(None) != "" {
		t.Error("Ext")
	}
}

// bz2Fixture compresses data with Python's bz2 module (there is no Go encoder); the test of
// the bz2 reader skips without python3.
func bz2Fixture(t *testing.T, data []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: no bz2 encoder to make the fixture")
	}
	cmd := exec.Command("python3", "-c", "import bz2,sys; sys.stdout.buffer.write(bz2.compress(sys.stdin.buffer.read()))")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	// Check the fixture against the standard library's own reader before using it.
	if got, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(out))); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("bz2 fixture: %v", err)
	}
	return out
}
