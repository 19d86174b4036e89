package jpegdec

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestIDCT8ShortCuts checks that idct8's skips (columns without AC coefficients, pass 2
// without columns 4-7 or 1-7), idctDC8, and idct4's and idct2's column skips give exactly
// the full computation's output, on random blocks of every sparsity.
func TestIDCT8ShortCuts(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for _, tc := range []struct {
		name    string
		lastZig int // coefficients at zig-zag positions 1..lastZig may be nonzero
		scale   int32
	}{
		{"dc only", 0, 1000},
		{"top-left 4x4", 9, 300},
		{"left half", 27, 300},
		{"full", 63, 300},
		{"full, extreme", 63, 4000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for iter := 0; iter < 2000; iter++ {
				var blk block
				mask := uint32(0)
				blk[0] = rng.Int32N(2*tc.scale+1) - tc.scale
				for z := 1; z <= tc.lastZig; z++ {
					if rng.IntN(3) == 0 {
						blk[unzig[z]] = rng.Int32N(2*tc.scale+1) - tc.scale
						if blk[unzig[z]] != 0 {
							mask |= zinfo[z]
						}
					}
				}
				mask &^= 0xff
				got, want := make([]byte, 8*8), make([]byte, 8*8)
				if mask == 0 {
					idctDC8(blk[0], got, 8)
				} else {
					idct8(&blk, got, 8, mask)
				}
				idct8(&blk, want, 8, 0xffff00) // every column and row in full
				if !bytes.Equal(got, want) {
					t.Fatalf("block %v (mask %#x): got %v, want %v", blk[:64], mask, got, want)
				}
				// The reduced IDCTs skip columns by the same mask.
				got4, want4 := make([]byte, 16), make([]byte, 16)
				idct4(&blk, got4, 4, mask)
				idct4(&blk, want4, 4, 0xffff00)
				got2, want2 := make([]byte, 4), make([]byte, 4)
				idct2(&blk, got2, 2, mask)
				idct2(&blk, want2, 2, 0xffff00)
				if !bytes.Equal(got4, want4) || !bytes.Equal(got2, want2) {
					t.Fatalf("block %v (mask %#x): reduced IDCTs differ with the mask", blk[:64], mask)
				}
			}
		})
	}
}

// TestBitReader checks unstuffing, fill bytes, and the zero padding counted after a marker
// and at the end of the data, on the fast and the slow path.
func TestBitReader(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		want       []byte // bytes read back 8 bits at a time
		wantPadded bool
		wantPos    int // position after reading want (the marker's 0xFF, if any)
	}{
		{"fast path", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false, -1},
		{"stuffed", []byte{0x12, 0xff, 0x00, 0x34}, []byte{0x12, 0xff, 0x34}, false, 4},
		{"fill bytes", []byte{0x12, 0xff, 0xff, 0xff, 0x00, 0x34}, []byte{0x12, 0xff, 0x34}, false, 6},
		{"marker", []byte{0x12, 0x34, 0xff, 0xd9, 0x56}, []byte{0x12, 0x34, 0, 0}, true, 2},
		{"end of data", []byte{0x12}, []byte{0x12, 0, 0}, true, 1},
		{"stuffing across the fast path", append(bytes.Repeat([]byte{7}, 9), 0xff, 0, 9, 9, 9, 9, 9, 9, 9, 9), append(bytes.Repeat([]byte{7}, 9), 0xff, 9, 9), false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br := bitReader{data: tc.data}
			var got []byte
			for range tc.want {
				got = append(got, byte(br.bits(8)))
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("read %x, want %x", got, tc.want)
			}
			if consumedPad := br.n < br.padded; consumedPad != tc.wantPadded {
				t.Fatalf("consumed padding: %v, want %v (n %d, padded %d)", consumedPad, tc.wantPadded, br.n, br.padded)
			}
			if tc.wantPos >= 0 && br.pos != tc.wantPos {
				t.Fatalf("stopped at %d, want %d", br.pos, tc.wantPos)
			}
		})
	}
}

// TestIDCT8AVX2 holds the AVX2 IDCT to idct8Go, the Go version of the same (SIMD islow)
// arithmetic, on random blocks of every sparsity and magnitude: small ones, where
// idct8Go takes its int32 path, and ones past 16 bits, where the wraps and saturations
// decide the result. Blocks with coefficients only in row 0 take the wrapping short cut.
func TestIDCT8AVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 IDCT in this build or on this CPU")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for _, tc := range []struct {
		name    string
		lastZig int
		row0    bool // only row 0 may be nonzero
		scale   int32
	}{
		{"sparse small", 9, false, 200},
		{"full small", 63, false, 300},
		{"full large", 63, false, 3000},
		{"full past 16 bits", 63, false, 80000},
		{"row 0 small", 63, true, 300},
		{"row 0 past 16 bits", 63, true, 40000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for iter := 0; iter < 5000; iter++ {
				var blk block
				mask := uint32(bigBlock)
				blk[0] = rng.Int32N(2*tc.scale+1) - tc.scale
				for z := 1; z <= tc.lastZig; z++ {
					if u := unzig[z]; rng.IntN(3) == 0 && (!tc.row0 || u < 8) {
						blk[u] = rng.Int32N(2*tc.scale+1) - tc.scale
						if blk[u] != 0 {
							mask |= zinfo[z]
						}
					}
				}
				mask &^= 0xff
				if mask&^bigBlock == 0 {
					continue // idctDC8's case
				}
				got, want := make([]byte, 8*11), make([]byte, 8*11)
				idct8AVX2(&blk[0], &got[0], 11, mask>>16&0xff == 0)
				idct8Go(&blk, want, 11, mask)
				if !bytes.Equal(got, want) {
					t.Fatalf("block %v (mask %#x): got %v, want %v", blk[:64], mask, got, want)
				}
			}
		})
	}
}

// TestSmallBlocksAgree checks the claim behind the bigBlock gate: for blocks within smallDC
// and smallAC, the int32 C-style IDCTs give exactly what the SIMD arithmetic gives (so
// only large blocks need it), on random blocks and on the worst cases, every coefficient
// at the bounds.
func TestSmallBlocksAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	for iter := 0; iter < 20000; iter++ {
		var blk block
		mask := uint32(0)
		density := 1 + rng.IntN(4)
		for z := 0; z < blockSize; z++ {
			u := unzig[z]
			lim := int32(smallAC)
			if z == 0 {
				lim = smallDC
			}
			switch {
			case iter < 64: // every coefficient at a bound, signs from the iteration
				blk[u] = lim
				if (iter>>(z%6))&1 == 1 {
					blk[u] = -lim
				}
			case z == 0 || rng.IntN(density) == 0:
				blk[u] = rng.Int32N(2*lim+1) - lim
			}
			if z > 0 && blk[u] != 0 {
				mask |= zinfo[z]
			}
		}
		mask &^= 0xff
		got, want := make([]byte, 64), make([]byte, 64)
		idct8Small(&blk, got, 8, mask)
		idct8Go(&blk, want, 8, mask|bigBlock)
		if !bytes.Equal(got, want) {
			t.Fatalf("8x8, block %v: C-style %v, SIMD %v", blk[:64], got, want)
		}
		got4, want4 := make([]byte, 16), make([]byte, 16)
		idct4(&blk, got4, 4, mask)
		idct4SIMD(&blk, want4, 4)
		if !bytes.Equal(got4, want4) {
			t.Fatalf("4x4, block %v: C-style %v, SIMD %v", blk[:64], got4, want4)
		}
		got2, want2 := make([]byte, 4), make([]byte, 4)
		idct2(&blk, got2, 2, mask)
		idct2SIMD(&blk, want2, 2)
		if !bytes.Equal(got2, want2) {
			t.Fatalf("2x2, block %v: C-style %v, SIMD %v", blk[:64], got2, want2)
		}
	}
}
