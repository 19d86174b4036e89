package read

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHybrid(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		width uint
		want  []uint32
		err   string
	}{
		{name: "RLE run", data: []byte{5 << 1, 1}, width: 1, want: []uint32{1, 1, 1, 1, 1}},
		{name: "bit-packed group", data: []byte{1<<1 | 1, 0b10110101}, width: 1, want: []uint32{1, 0, 1, 0, 1, 1, 0, 1}},
		{name: "width 3, packed then RLE", data: []byte{1<<1 | 1, 0b10001000, 0b11000110, 0b11111010, 3 << 1, 6}, width: 3,
			want: []uint32{0, 1, 2, 3, 4, 5, 6, 7, 6, 6, 6}},
		{name: "RLE of two bytes", data: []byte{2 << 1, 0x34, 0x12}, width: 13, want: []uint32{0x1234, 0x1234}},
		{name: "value wider than width", data: []byte{2 << 1, 3}, width: 1, err: "RLE value 3 wider than 1 bits"},
		{name: "bad header", data: []byte{0x80}, width: 1, err: "bad run header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := hybrid{data: tc.data, width: tc.width}
			got := make([]uint32, len(tc.want)+4)
			n, err := h.next(got)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got[:n], tc.want) {
				t.Fatalf("got %v, want %v", got[:n], tc.want)
			}
		})
	}
}

func TestDeltaBinaryPacked(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []int64
		err  string
	}{
		// The format spec's two examples: 1..5 (every delta 1: width 0), and 7 5 3 1 2 3 4 5
		// (min delta -2, relative deltas 0 0 0 3 3 3 3 at width 2).
		{name: "constant delta", data: []byte{0x80, 0x01, 4, 5, 2, 2, 0, 0, 0, 0}, want: []int64{1, 2, 3, 4, 5}},
		{name: "spec example", data: append([]byte{0x80, 0x01, 4, 8, 14, 3, 2, 0, 0, 0, 0xc0, 0x3f}, make([]byte, 6)...),
			want: []int64{7, 5, 3, 1, 2, 3, 4, 5}},
		{name: "one value", data: []byte{0x80, 0x01, 4, 1, 0x7f}, want: []int64{-64}},
		{name: "bad block", data: []byte{3, 1, 1, 0}, err: "DELTA_BINARY_PACKED: block of 3 values in 1 miniblocks"},
		{name: "miniblock cut short", data: []byte{0x80, 0x01, 4, 8, 14, 3, 2, 0, 0, 0, 0xc0}, err: "DELTA_BINARY_PACKED: miniblock cut short"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := deltaBinaryPacked(tc.data, nil)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) || n != len(tc.data) {
				t.Fatalf("got %v after %d bytes, want %v after %d", got, n, tc.want, len(tc.data))
			}
		})
	}
}

// TestBitHelpers checks copyBits and bits64 against bit-by-bit loops at every offset.
func TestBitHelpers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 40)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	bit := func(b []byte, i int) bool { return b[i>>3]&(1<<(i&7)) != 0 }
	for _, n := range []int{1, 7, 8, 56, 57, 64, 130} {
		for srcOff := range 11 {
			for dstOff := range 11 {
				t.Run(fmt.Sprint(n, srcOff, dstOff), func(t *testing.T) {
					dst := make([]byte, 40)
					for i := range dst {
						dst[i] = 0xa5
					}
					want := slices.Clone(dst)
					for i := range n {
						if bit(src, srcOff+i) {
							want[(dstOff+i)>>3] |= 1 << ((dstOff + i) & 7)
						} else {
							want[(dstOff+i)>>3] &^= 1 << ((dstOff + i) & 7)
						}
					}
					copyBits(dst, dstOff, src, srcOff, n)
					if !slices.Equal(dst, want) {
						t.Fatalf("copyBits(%d bits from %d to %d) = %x, want %x", n, srcOff, dstOff, dst, want)
					}
				})
			}
		}
	}
	for off := range 300 {
		var want uint64
		for i := range 64 {
			if off+i < len(src)*8 && bit(src, off+i) {
				want |= 1 << i
			}
		}
		if got := bits64(src, off); got != want {
			t.Fatalf("bits64(%d) = %x, want %x", off, got, want)
		}
	}
}

// TestHybridUnpackWidths checks the bit-packed fast path (whole groups of 8) against a plain
// bit-by-bit reading of the same bytes, at every width, read in calls of uneven sizes so that
// calls start and stop inside groups and near the end of the data.
func TestHybridUnpackWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for w := uint(1); w <= 32; w++ {
		const groups = 37
		want := make([]uint32, groups*8)
		packed := make([]byte, groups*int(w))
		for i := range want {
			want[i] = uint32(rng.Uint64() & (1<<w - 1))
			for b := range w {
				if want[i]>>b&1 == 1 {
					bit := uint(i)*w + b
					packed[bit>>3] |= 1 << (bit & 7)
				}
			}
		}
		data := append(uvarintBytes(uint64(groups)<<1|1), packed...)
		for _, step := range []int{1, 3, 8, 13, 64, len(want)} {
			h := hybrid{data: data, width: w}
			var got []uint32
			for len(got) < len(want) {
				buf := make([]uint32, min(step, len(want)-len(got)))
				n, err := h.next(buf)
				if err != nil || n != len(buf) {
					t.Fatalf("width %d, step %d: %d values, %v", w, step, n, err)
				}
				got = append(got, buf...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("width %d, step %d: values differ", w, step)
			}
		}
	}
}

func uvarintBytes(v uint64) []byte {
	var out []byte
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}
