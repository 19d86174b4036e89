// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// This file is forked from the progressive parts of Go's image/jpeg scan.go; see doc.go
// for what changed.

package jpegdec

import "math/bits"

// decodeProgressive decodes one scan of a progressive JPEG into the saved coefficients
// (quantized, natural order); reconstructProgressive turns them into pixels after the
// last scan.
func (d *decoder) decodeProgressive(scan []scanComp, zigStart, zigEnd int, ah, al uint) error {
	br := &d.br
	return d.mcuWalk(scan, func(sc *scanComp, bx, by int) error {
		ci := sc.ci
		bi := by*d.mxx*d.comp[ci].h + bx
		i := bi * blockSize
		b := (*[blockSize]int16)(d.coefs[ci][i : i+blockSize])
		nz := &d.nz[ci][bi]
		if ah != 0 {
			return d.refine(b, nz, &d.huff[acTable][sc.ta], zigStart, zigEnd, int16(1)<<al)
		}
		zig := zigStart
		if zig == 0 {
			zig++
			// Decode the DC coefficient, as specified in section F.2.2.1; processSOS
			// has checked that the table's symbols are at most 15.
			value := br.decodeHuffman(&d.huff[dcTable][sc.td])
			d.dcPred[ci] += br.receiveExtend(uint(value))
			b[0] = int16(d.dcPred[ci] << al)
		}
		if zig > zigEnd {
			return nil
		}
		if d.eobRun > 0 {
			d.eobRun--
			return nil
		}
		return d.decodeACFirst(b, nz, &d.huff[acTable][sc.ta], zig, zigEnd, al)
	})
}

// decodeACFirst decodes the AC coefficients zigStart..zigEnd of a first (not refining)
// progressive scan, as specified in section G.1.2.2, with decodeBlock's local bit buffer
// and one-step look-ups. As libjpeg's decode_mcu_AC_first does, a run past zigEnd
// (corrupt data) still stores its coefficient, past 63 in the last one.
func (d *decoder) decodeACFirst(b *[blockSize]int16, nz *uint64, h *huffman, zigStart, zigEnd int, al uint) error {
	br := &d.br
	acc, n := br.acc, br.n
	for k := zigStart; k <= zigEnd; {
		if n < 32 {
			acc, n = br.fill(acc, n)
		}
		p := acc >> (64 - lutBits)
		if f := h.fastAC[p]; f != 0 {
			k += int(f>>8) & 0xff
			l := uint(f & 0xff)
			acc <<= l
			n -= l
			b[natural[k&127]] = int16((f >> 16) << al)
			*nz |= 1 << min(k, blockSize-1)
			k++
			continue
		}
		var rs uint
		if v := h.lut[p]; v != 0 {
			l := uint(v & 0xff)
			acc <<= l
			n -= l
			rs = uint(v >> 8)
		} else {
			br.acc, br.n = acc, n
			rs = uint(br.decodeHuffmanSlow(h))
			acc, n = br.acc, br.n
		}
		r, s := int(rs>>4), rs&0x0f
		if s == 0 {
			if r == 0x0f {
				k += 16
				continue
			}
			// An end-of-band run of 2^r + r more bits blocks, this one included.
			run := int32(1) << r
			if r > 0 {
				run |= int32(acc >> (64 - uint(r)))
				acc <<= uint(r)
				n -= uint(r)
			}
			d.eobRun = run - 1
			break
		}
		k += r
		b[natural[k&127]] = int16(extend(uint32(acc>>(64-s)), s) << al)
		*nz |= 1 << min(k, blockSize-1)
		acc <<= s
		n -= s
		k++
	}
	br.acc, br.n = acc, n
	return nil
}

// refineCoef applies one correction bit to a nonzero coefficient c as libjpeg does: a 1
// moves it one step of delta away from zero, unless that bit is already set.
func refineCoef(c, delta int16, bit uint64) int16 {
	if bit == 0 || c&delta != 0 {
		return c
	}
	if c >= 0 {
		return c + delta
	}
	return c - delta
}

// refine decodes a successive approximation refinement block, as specified in
// section G.1.2, with the bit buffer in locals. Corrupt data is handled as libjpeg's
// decode_mcu_AC_refine does: a new coefficient of a size other than 1 counts as 1, and
// one whose run goes past zigEnd lands just past it.
func (d *decoder) refine(b *[blockSize]int16, nz *uint64, h *huffman, zigStart, zigEnd int, delta int16) error {
	br := &d.br
	// Refining a DC component is trivial.
	if zigStart == 0 {
		if br.bit() {
			b[0] |= delta
		}
		return nil
	}
	// Refining AC components is more complicated; see sections G.1.2.2 and G.1.2.3.
	acc, n := br.acc, br.n
	zig := zigStart
	if d.eobRun == 0 {
	loop:
		for ; zig <= zigEnd; zig++ {
			if n < 32 {
				acc, n = br.fill(acc, n)
			}
			var rs uint
			if v := h.lut[acc>>(64-lutBits)]; v != 0 {
				l := uint(v & 0xff)
				acc <<= l
				n -= l
				rs = uint(v >> 8)
			} else {
				br.acc, br.n = acc, n
				rs = uint(br.decodeHuffmanSlow(h))
				acc, n = br.acc, br.n
			}
			r, s := int(rs>>4), rs&0x0f
			z := int16(0)
			if s != 0 {
				z = delta
				if acc>>63 == 0 {
					z = -z
				}
				acc <<= 1
				n--
			} else if r != 0x0f {
				run := int32(1) << r
				if r > 0 { // n >= 32-16 bits remain for r <= 14
					run |= int32(acc >> (64 - uint(r)))
					acc <<= uint(r)
					n -= uint(r)
				}
				d.eobRun = run
				break loop
			}
			// Refine the nonzero coefficients up to the r+1st zero one (or, for a ZRL,
			// the 16th), where z goes.
			zeros := r
			for ; zig <= zigEnd; zig++ {
				u := natural[zig]
				c := b[u]
				if c == 0 {
					if zeros == 0 {
						break
					}
					zeros--
					continue
				}
				if n == 0 {
					acc, n = br.fill(acc, n)
				}
				b[u] = refineCoef(c, delta, acc>>63)
				acc <<= 1
				n--
			}
			if z != 0 {
				b[natural[zig]] = z
				*nz |= 1 << min(zig, blockSize-1)
			}
		}
	}
	if d.eobRun > 0 {
		// Inside an end-of-band run only the nonzero coefficients are refined: those of
		// the block's mask from zig to zigEnd, in order.
		d.eobRun--
		m := *nz
		if zig <= zigEnd {
			m &= (^uint64(0) << zig) & (^uint64(0) >> (blockSize - 1 - zigEnd))
		} else {
			m = 0
		}
		for ; m != 0; m &= m - 1 {
			u := natural[bits.TrailingZeros64(m)]
			c := b[u]
			if c == 0 {
				continue
			}
			if n == 0 {
				acc, n = br.fill(acc, n)
			}
			b[u] = refineCoef(c, delta, acc>>63)
			acc <<= 1
			n--
		}
	}
	br.acc, br.n = acc, n
	return nil
}

// reconstructProgressive dequantizes the saved coefficients of every block inside the
// image and runs them through the inverse DCT into the planes. It visits only the
// coefficients of a block's nz mask (and, for a component output at 1x1, only DC).
func (d *decoder) reconstructProgressive() {
	for ci := 0; ci < d.nComp; ci++ {
		q := &d.quant[d.comp[ci].tq] // zig-zag order
		stride := d.mxx * d.comp[ci].h
		dcOnly := d.bs[ci] == 1
		blk := &d.blk
		for by := 0; by < d.bh[ci]; by++ {
			for bx := 0; bx < d.bw[ci]; bx++ {
				bi := by*stride + bx
				c := (*[blockSize]int16)(d.coefs[ci][bi*blockSize : (bi+1)*blockSize])
				blk[0] = int32(c[0]) * q[0]
				mask := uint32(0)
				if uint32(blk[0]+smallDC) > 2*smallDC {
					mask = bigBlock
				}
				if !dcOnly {
					for m := d.nz[ci][bi]; m != 0; m &= m - 1 {
						z := bits.TrailingZeros64(m)
						u := natural[z]
						if c[u] == 0 {
							continue
						}
						x := int32(c[u]) * q[z]
						blk[u] = x
						mask |= zinfo[z] &^ 0xff
						if uint32(x+smallAC) > 2*smallAC {
							mask |= bigBlock
						}
					}
				}
				d.storeBlock(ci, bx, by, blk, mask)
				clear(blk[:blockSize])
			}
		}
	}
}
