package vision

import "sync"

// scratch recycles the temporary buffers of decode and resize (the full-size decode
// before a resize, the intermediate of a two-pass resize): at ImageNet sizes they are
// 0.2-0.6 MB per image, and allocating and zeroing them showed up in profiles. Results
// handed to callers never come from here.
var scratch sync.Pool

func getScratch(n int) []uint8 {
	if p, ok := scratch.Get().(*[]uint8); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint8, n)
}

func putScratch(b []uint8) {
	if cap(b) > 64<<20 {
		return // do not pin memory for the odd huge image
	}
	scratch.Put(&b)
}

// coeffCache keeps the resampling weights of recent (input size, output size, filter)
// triples: a dataset resized to one target mostly repeats a few of them.
var coeffCache struct {
	sync.Mutex
	m map[coeffKey]coeffs
}

type coeffKey struct {
	in, out  int
	in0, in1 float32
	f        Filter
}

const coeffCacheMax = 256

func cachedCoeffs(key coeffKey, ff filterFunc) coeffs {
	coeffCache.Lock()
	c, ok := coeffCache.m[key]
	coeffCache.Unlock()
	if ok {
		return c
	}
	c = precomputeBoxCoeffs(key.in, key.in0, key.in1, key.out, ff)
	coeffCache.Lock()
	if coeffCache.m == nil || len(coeffCache.m) >= coeffCacheMax {
		coeffCache.m = make(map[coeffKey]coeffs)
	}
	coeffCache.m[key] = c
	coeffCache.Unlock()
	return c
}
