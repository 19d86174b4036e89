package kernels

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// SortIndices returns the row order that sorts k's keys (bytes.Compare), stably: rows with
// equal keys keep their order. It radix-sorts the keys' first eight varying bytes and compares
// the rest only among rows whose first bytes tie, so a sort by one integer key never compares.
func SortIndices(k *Keys) []int64 {
	n := k.Len()
	out := make([]int64, n)
	if n == 0 {
		return out
	}
	// Byte positions every row shares (a marker of a column without nulls, the high bytes of
	// small integers) carry no order; with fixed-width keys they are skipped.
	var varying []int
	if k.Width > 0 {
		first := k.Row(0)
		same := make([]bool, k.Width)
		for i := range same {
			same[i] = true
		}
		left := k.Width
		for r := 1; r < n && left > 0; r++ {
			row := k.Data[r*k.Width : (r+1)*k.Width]
			for j, b := range row {
				if same[j] && b != first[j] {
					same[j] = false
					left--
				}
			}
		}
		for j, s := range same {
			if !s {
				varying = append(varying, j)
			}
		}
	}
	prefix := make([]uint64, n)
	idx := make([]int32, n)
	var tail bool // whether keys have bytes after the prefix that can differ
	if k.Width > 0 {
		use := varying[:min(8, len(varying))]
		tail = len(varying) > 8
		for r := 0; r < n; r++ {
			row := k.Data[r*k.Width:]
			var p uint64
			for _, j := range use {
				p = p<<8 | uint64(row[j])
			}
			prefix[r] = p << (8 * (8 - len(use)))
			idx[r] = int32(r)
		}
	} else {
		tail = true
		for r := 0; r < n; r++ {
			prefix[r] = prefix8(k.Row(r))
			idx[r] = int32(r)
		}
	}
	radixSort(prefix, idx)
	if tail {
		// Rows whose prefixes tie: order them by the whole key.
		for lo := 0; lo < n; {
			hi := lo + 1
			for hi < n && prefix[hi] == prefix[lo] {
				hi++
			}
			if hi-lo > 1 {
				slices.SortStableFunc(idx[lo:hi], func(a, b int32) int {
					return bytes.Compare(k.Row(int(a)), k.Row(int(b)))
				})
			}
			lo = hi
		}
	}
	for i, r := range idx {
		out[i] = int64(r)
	}
	return out
}

// prefix8 is the first eight bytes of b as a big-endian number, zero-padded.
func prefix8(b []byte) uint64 {
	if len(b) >= 8 {
		return binary.BigEndian.Uint64(b)
	}
	var buf [8]byte
	copy(buf[:], b)
	return binary.BigEndian.Uint64(buf[:])
}

// radixSort sorts keys ascending, moving idx along, stably (LSD, one byte per pass, passes over
// bytes that every key shares skipped).
func radixSort(keys []uint64, idx []int32) {
	n := len(keys)
	if n < 64 {
		// Insertion sort: stable and faster than passes over tiny inputs.
		for i := 1; i < n; i++ {
			k, v := keys[i], idx[i]
			j := i - 1
			for ; j >= 0 && keys[j] > k; j-- {
				keys[j+1], idx[j+1] = keys[j], idx[j]
			}
			keys[j+1], idx[j+1] = k, v
		}
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		for d := 0; d < 8; d++ {
			counts[d][byte(k>>(8*d))]++
		}
	}
	bufK := make([]uint64, n)
	bufI := make([]int32, n)
	srcK, srcI, dstK, dstI := keys, idx, bufK, bufI
	for d := 0; d < 8; d++ {
		c := &counts[d]
		if c[byte(keys[0]>>(8*d))] == n {
			continue // every key has the same byte here
		}
		var sum int
		for b := range c {
			c[b], sum = sum, sum+c[b]
		}
		shift := uint(8 * d)
		for i, k := range srcK {
			b := byte(k >> shift)
			p := c[b]
			c[b]++
			dstK[p], dstI[p] = k, srcI[i]
		}
		srcK, srcI, dstK, dstI = dstK, dstI, srcK, srcI
	}
	if &srcK[0] != &keys[0] {
		copy(keys, srcK)
		copy(idx, srcI)
	}
}
