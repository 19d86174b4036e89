package jpegdec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// patched returns a copy of data with the bytes at off replaced.
func patched(data []byte, off int, b ...byte) []byte {
	out := append([]byte(nil), data...)
	copy(out[off:], b)
	return out
}

// sofOffset is the offset of the first SOF0/SOF1/SOF2 segment's precision byte.
func sofOffset(t *testing.T, data []byte) int {
	t.Helper()
	for i := 2; i+4 < len(data); i++ {
		if data[i] == 0xff && (data[i+1] == 0xc0 || data[i+1] == 0xc1 || data[i+1] == 0xc2) {
			return i + 4
		}
	}
	t.Fatal("no SOF marker")
	return 0
}

// header is a minimal JPEG up to and including a SOS header: one grey component of the
// given size, a one-code DC and AC table, and then scan bytes.
func header(w, h int, scan []byte) []byte {
	b := []byte{0xff, 0xd8}
	b = append(b, 0xff, 0xdb, 0, 67, 0) // DQT, table 0 of ones
	b = append(b, bytes.Repeat([]byte{1}, 64)...)
	b = append(b, 0xff, 0xc0, 0, 11, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 1, 1, 0x11, 0)
	for _, tc := range []byte{0x00, 0x10} { // DHT: DC 0 and AC 0, one 1-bit code for symbol 0
		b = append(b, 0xff, 0xc4, 0, 20, tc, 1)
		b = append(b, make([]byte, 15)...)
		b = append(b, 0)
	}
	b = append(b, 0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 63, 0)
	return append(b, scan...)
}

// withScanTables sets the table selectors of the first SOS's first component.
func withScanTables(data []byte, sel byte) []byte {
	i := bytes.Index(data, []byte{0xff, 0xda})
	return patched(data, i+6, sel)
}

// withDHTCounts replaces the first DHT (a DC table with one 1-bit code) with one of n
// 1-bit codes: more than 2 is not a prefix code.
func withDHTCounts(data []byte, n byte) []byte {
	i := bytes.Index(data, []byte{0xff, 0xc4})
	seg := []byte{0xff, 0xc4, 0, 19 + n, 0x00, n}
	seg = append(seg, make([]byte, 15)...)
	for v := range n {
		seg = append(seg, v)
	}
	out := append([]byte(nil), data[:i]...)
	out = append(out, seg...)
	return append(out, data[i+22:]...)
}

// withDRI inserts a restart interval of ri MCUs before the SOS.
func withDRI(data []byte, ri int) []byte {
	i := bytes.Index(data, []byte{0xff, 0xda})
	out := append([]byte(nil), data[:i]...)
	out = append(out, 0xff, 0xdd, 0, 4, byte(ri>>8), byte(ri))
	return append(out, data[i:]...)
}

// withDCSymbol makes the symbol of the first DHT's (the DC table's) only code sym.
func withDCSymbol(data []byte, sym byte) []byte {
	i := bytes.Index(data, []byte{0xff, 0xc4})
	return patched(data, i+21, sym)
}

func TestDecodeErrors(t *testing.T) {
	good := readFile(t, "testdata/b420_q90.jpg")
	sof := sofOffset(t, good)
	for _, tc := range []struct {
		name    string
		data    []byte
		denom   int
		opts    Options
		wantIs  error
		wantMsg string
	}{
		{name: "empty", data: nil, wantMsg: "missing SOI"},
		{name: "garbage", data: []byte("not a jpeg at all"), wantMsg: "missing SOI"},
		{name: "zero bytes", data: make([]byte, 1000), wantMsg: "missing SOI"},
		{name: "SOI only", data: []byte{0xff, 0xd8}, wantMsg: "short Huffman data"},
		{name: "SOI then zeros", data: append([]byte{0xff, 0xd8}, make([]byte, 100)...), wantMsg: "short Huffman data"},
		{name: "cut in header", data: good[:300], wantMsg: "invalid JPEG format"},
		{name: "cut in scan", data: good[:len(good)/2], wantMsg: "short Huffman data"},
		{name: "no EOI", data: good[:len(good)-2], wantMsg: "missing EOI"},
		{name: "bad denominator", data: good, denom: 3, wantMsg: "scale denominator 3"},
		{name: "bad channels", data: good, opts: Options{Channels: 2}, wantMsg: "2 channels"},
		{name: "12-bit", data: patched(good, sof, 12), wantIs: ErrUnsupported},
		{name: "sampling 3x1,2x1,1x1", data: patched(patched(good, sof+7, 0x31), sof+10, 0x21), wantIs: ErrUnsupported},
		{name: "arithmetic coding", data: patched(good, sof-3, 0xc9), wantIs: ErrUnsupported},
		{name: "zero width", data: patched(good, sof+3, 0, 0), wantMsg: "empty image"},
		{name: "over MaxPixels", data: patched(good, sof+1, 0xff, 0xff, 0xff, 0xff), wantIs: ErrTooLarge},
		{name: "small MaxPixels", data: good, opts: Options{MaxPixels: 100}, wantIs: ErrTooLarge},
		{name: "huge frame, no data", data: header(65535, 65535, []byte{0x00, 0xff, 0xd9}), opts: Options{MaxPixels: -1}, wantMsg: "cannot hold"},
		// libjpeg decodes past a marker inside a scan (grey from there on), but this file
		// then ends without EOI: truncated, as for libjpeg and PIL.
		{name: "marker inside scan, no EOI", data: header(64, 64, append(append(make([]byte, 8), 0xff, 0xd0), make([]byte, 40)...)), wantMsg: "missing EOI"},
		{name: "restart interval cut short", data: withDRI(header(64, 64, []byte{0, 0, 0, 0, 0xff, 0xd0, 0, 0, 0, 0, 0xff, 0xd1, 0, 0, 0, 0}), 16), wantMsg: "short Huffman data"},
		{name: "bad DC table", data: withDCSymbol(header(8, 8, []byte{0, 0xff, 0xd9}), 16), wantMsg: "bad DC Huffman table"},
		// Slots 0 and 1 get the standard tables when undefined (TestDecodeStandardTables);
		// slot 2, in an extended sequential file, has none.
		{name: "undefined Huffman table", data: withScanTables(patched(header(8, 8, []byte{0, 0xff, 0xd9}), 2+2+67+1, 0xc1), 0x22), wantMsg: "uninitialized Huffman table"},
		{name: "bad Huffman lengths", data: withDHTCounts(header(8, 8, []byte{0, 0xff, 0xd9}), 3), wantMsg: "bad Huffman code lengths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			denom := tc.denom
			if denom == 0 {
				denom = 1
			}
			img, err := DecodeScaled(tc.data, denom, tc.opts)
			if err == nil {
				t.Fatalf("decoded a %dx%d image, want an error", img.W, img.H)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("error %q, want one wrapping %q", err, tc.wantIs)
			}
			if tc.wantMsg != "" && !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("error %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

// TestDecodeMinimal decodes the hand-built header with enough scan data: every block is a
// zero DC difference and an end of block, which is a mid-grey image.
func TestDecodeMinimal(t *testing.T) {
	// 64 blocks x 2 bits = 16 bytes of zero bits, then EOI.
	data := header(64, 64, append(make([]byte, 16), 0xff, 0xd9))
	img, err := Decode(data, Options{Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 64 || img.H != 64 {
		t.Fatalf("got %dx%d", img.W, img.H)
	}
	for i, v := range img.Pix {
		if v != 128 {
			t.Fatalf("pixel %d is %d, want 128", i, v)
		}
	}
}

// TestDecodeTruncations cuts every test file at many lengths: each cut must give an
// error or an image of the right size, never a panic.
func TestDecodeTruncations(t *testing.T) {
	for _, path := range testJPEGs(t) {
		data := readFile(t, path)
		t.Run(path, func(t *testing.T) {
			step := max(1, len(data)/97)
			for n := 0; n < len(data); n += step {
				img, err := DecodeScaled(data[:n], 2, Options{})
				if err == nil && (img.W == 0 || len(img.Pix) != img.W*img.H*3) {
					t.Fatalf("cut at %d: bad image %dx%d", n, img.W, img.H)
				}
				if err == nil && n < len(data)-2 {
					t.Fatalf("cut at %d of %d: no error", n, len(data))
				}
			}
		})
	}
}
