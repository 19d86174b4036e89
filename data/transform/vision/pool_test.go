package vision

import "testing"

func TestScratchAndCoeffCache(t *testing.T) {
	b := getScratch(100)
	if len(b) != 100 {
		t.Fatalf("len %d", len(b))
	}
	putScratch(b)
	if b2 := getScratch(10); len(b2) != 10 {
		t.Fatalf("len %d", len(b2))
	}
	ff, _ := Bilinear.kernel()
	for i := range coeffCacheMax + 5 { // overflowing the cache resets it
		key := coeffKey{in: 100 + i, out: 10, in0: 0, in1: float32(100 + i), f: Bilinear}
		got := cachedCoeffs(key, ff)
		want := precomputeCoeffs(100+i, 10, ff)
		if got.ksize != want.ksize || got.min[9] != want.min[9] || got.k[0] != want.k[0] {
			t.Fatalf("cached coefficients differ for input %d", 100+i)
		}
	}
	if n := len(coeffCache.m); n > coeffCacheMax {
		t.Fatalf("cache holds %d entries", n)
	}
}
