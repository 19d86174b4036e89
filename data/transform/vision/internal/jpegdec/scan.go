// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// This file is forked from Go's image/jpeg scan.go; see doc.go for what changed.

package jpegdec

import (
	"encoding/binary"
	"fmt"
)

// scanComp is one component of a scan.
type scanComp struct {
	ci     int // index into d.comp
	td, ta uint8
}

// processSOS reads a scan header and decodes its entropy-coded data, specified in
// section B.2.3.
func (d *decoder) processSOS(s []byte) error {
	if len(s) < 6 || 4+2*d.nComp < len(s) || len(s)%2 != 0 {
		return FormatError("SOS has wrong length")
	}
	nComp := int(s[0])
	if len(s) != 4+2*nComp {
		return FormatError("SOS length inconsistent with number of components")
	}
	var scan [maxComponents]scanComp
	totalHV := 0
	for i := 0; i < nComp; i++ {
		cs := s[1+2*i]
		ci := -1
		for j, comp := range d.comp[:d.nComp] {
			if cs == comp.c {
				ci = j
			}
		}
		if ci < 0 {
			return FormatError("unknown component selector")
		}
		for j := 0; j < i; j++ {
			if scan[j].ci == ci {
				return FormatError("repeated component selector")
			}
		}
		scan[i].ci = ci
		totalHV += d.comp[ci].h * d.comp[ci].v
		scan[i].td = s[2+2*i] >> 4
		if t := scan[i].td; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Td value")
		}
		scan[i].ta = s[2+2*i] & 0x0f
		if t := scan[i].ta; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Ta value")
		}
	}
	// Section B.2.3 states that if there is more than one component then the
	// total H*V values in a scan must be <= 10.
	if d.nComp > 1 && totalHV > 10 {
		return FormatError("total sampling factors too large")
	}

	// zigStart and zigEnd are the spectral selection bounds, ah and al the successive
	// approximation high and low bits (Ss, Se, Ah and Al in the spec). Sequential JPEGs
	// use 0/63/0/0, as per table B.3.
	zigStart, zigEnd, ah, al := 0, blockSize-1, uint(0), uint(0)
	if d.progressive {
		zigStart = int(s[1+2*nComp])
		zigEnd = int(s[2+2*nComp])
		ah = uint(s[3+2*nComp] >> 4)
		al = uint(s[3+2*nComp] & 0x0f)
		if (zigStart == 0 && zigEnd != 0) || zigStart > zigEnd || blockSize <= zigEnd {
			return FormatError("bad spectral selection bounds")
		}
		if zigStart != 0 && nComp != 1 {
			return FormatError("progressive AC coefficients for more than one component")
		}
		if ah != 0 && ah != al+1 {
			return FormatError("bad successive approximation values")
		}
		if al > 13 {
			return FormatError("bad successive approximation values")
		}
	}
	for _, sc := range scan[:nComp] {
		if (zigStart == 0 && ah == 0 && d.huff[dcTable][sc.td].nCodes == 0) ||
			(zigEnd > 0 && (ah == 0 || zigStart > 0) && d.huff[acTable][sc.ta].nCodes == 0) {
			return FormatError("uninitialized Huffman table")
		}
	}
	if !d.ready {
		if d.maxPixels > 0 && (d.width > d.maxPixels || d.height > d.maxPixels || d.width*d.height > d.maxPixels) {
			return fmt.Errorf("%w: header declares %dx%d = %d pixels, limit %d", ErrTooLarge, d.width, d.height, d.width*d.height, d.maxPixels)
		}
		// A scan needs at least one bit per block for a DC-only scan and two for a
		// sequential one (a DC code and an AC code), so a short file cannot make us
		// allocate planes for a huge declared size.
		if d.progressive && (zigStart != 0 || ah != 0) {
			return unsupported("progressive JPEG whose first scan is not a DC scan")
		}
		bitsPerBlock := 2
		if d.progressive {
			bitsPerBlock = 1
		}
		blocks := 0
		for _, sc := range scan[:nComp] {
			c := d.comp[sc.ci]
			blocks += (d.width*c.h + 8*d.comp[0].h - 1) / (8 * d.comp[0].h) * ((d.height*c.v + 8*d.comp[0].v - 1) / (8 * d.comp[0].v))
		}
		if avail := 8 * (len(d.data) - d.pos); blocks > avail/bitsPerBlock {
			return FormatError(fmt.Sprintf("%d bytes of scan data cannot hold %d blocks", len(d.data)-d.pos, blocks))
		}
		if err := d.setup(); err != nil {
			return err
		}
	}

	d.br = bitReader{data: d.data, pos: d.pos}
	d.eobRun = 0
	var err error
	switch {
	case !d.progressive:
		err = d.decodeSequential(scan[:nComp])
	default:
		err = d.decodeProgressive(scan[:nComp], zigStart, zigEnd, ah, al)
	}
	if err != nil {
		return err
	}
	d.pos = d.br.pos
	return nil
}

// mcuWalk calls fn for every MCU of a scan with the component blocks it holds, handling
// restart intervals. In an interleaved scan an MCU holds h*v blocks of each component; in a
// non-interleaved one it is a single block, and only blocks inside the component's
// bounds are coded (section A.2).
func (d *decoder) mcuWalk(scan []scanComp, block func(sc *scanComp, bx, by int) error) error {
	mcu, mcus := 0, 0
	restart := func() error {
		mcu++
		if d.br.n < d.br.padded {
			return errShortData
		}
		if d.ri == 0 || mcu%d.ri != 0 || mcu >= mcus {
			return nil
		}
		return d.nextRST()
	}
	if len(scan) == 1 {
		sc := &scan[0]
		bw, bh := d.bw[sc.ci], d.bh[sc.ci]
		mcus = bw * bh
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				if err := block(sc, bx, by); err != nil {
					return err
				}
				if err := restart(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	mcus = d.mxx * d.myy
	for my := 0; my < d.myy; my++ {
		for mx := 0; mx < d.mxx; mx++ {
			for i := range scan {
				sc := &scan[i]
				h, v := d.comp[sc.ci].h, d.comp[sc.ci].v
				for y := 0; y < v; y++ {
					for x := 0; x < h; x++ {
						if err := block(sc, h*mx+x, v*my+y); err != nil {
							return err
						}
					}
				}
			}
			if err := restart(); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextRST skips to just past the next restart marker and resets the entropy decoder, as
// per sections F.2.1.3.1 and G.1.2.2. Like libjpeg, it tolerates junk before the marker
// and does not insist on the expected RST number.
func (d *decoder) nextRST() error {
	p := d.br.pos
	for {
		if p+2 > len(d.data) {
			return errShortData
		}
		if d.data[p] == 0xff {
			m := d.data[p+1]
			if rst0Marker <= m && m <= rst7Marker {
				p += 2
				break
			}
			if m != 0 && m != 0xff {
				return FormatError("bad RST marker")
			}
		}
		p++
	}
	d.br = bitReader{data: d.data, pos: p}
	d.eobRun = 0
	d.dcPred = [maxComponents]int32{}
	return nil
}

// decodeSequential decodes a baseline or extended sequential scan, putting each block
// straight through the inverse DCT into its component plane.
func (d *decoder) decodeSequential(scan []scanComp) error {
	d.dcPred = [maxComponents]int32{}
	for _, sc := range scan {
		d.decoded[sc.ci] = true
	}
	return d.mcuWalk(scan, func(sc *scanComp, bx, by int) error {
		ci := sc.ci
		mask, err := d.decodeBlock(&d.blk, &d.dcPred[ci], &d.huff[dcTable][sc.td], &d.huff[acTable][sc.ta], &d.quant[d.comp[ci].tq])
		if err != nil {
			return err
		}
		d.storeBlock(ci, bx, by, &d.blk, mask)
		clear(d.blk[:blockSize+1])
		return nil
	})
}

// storeBlock runs the inverse DCT of blk (dequantized, natural order; mask is zinfo OR-ed
// over its nonzero AC coefficients) into block (bx, by) of component ci's plane, at that
// component's reduced size.
func (d *decoder) storeBlock(ci, bx, by int, blk *block, mask uint32) {
	bs, stride := d.bs[ci], d.strides[ci]
	off := by*bs*stride + bx*bs
	out := d.planes[ci][off : off+(bs-1)*stride+bs]
	switch bs {
	case 8:
		if mask == 0 {
			idctDC8(blk[0], out, stride)
		} else {
			idct8(blk, out, stride, mask)
		}
	case 4:
		idct4(blk, out, stride, mask)
	case 2:
		idct2(blk, out, stride, mask)
	default:
		out[0] = rangeLimit[((blk[0]+4)>>3)&rangeMask]
	}
}

// decodeBlock decodes one sequential block's coefficients into blk, dequantized and in
// natural order, and returns zinfo OR-ed over the AC coefficients it set (0 for a block
// with only a DC coefficient). This is the
// hot loop: the bit buffer lives in locals, and an AC coefficient whose code and value fit
// in lutBits bits decodes with one table look-up.
func (d *decoder) decodeBlock(blk *block, pred *int32, dch, ach *huffman, q *block) (uint32, error) {
	br := &d.br
	acc, n := br.acc, br.n
	data, pos := br.data, br.pos
	if n < 32 {
		// fill's fast path, inlined by hand (fill is over the inlining budget).
		if pos+8 <= len(data) {
			w := binary.BigEndian.Uint64(data[pos:])
			if (^w-0x0101010101010101)&w&0x8080808080808080 == 0 {
				pos += int((63 - n) >> 3)
				acc |= w >> n
				n |= 56
			} else {
				br.pos = pos
				acc, n = br.fillSlow(acc, n)
				pos = br.pos
			}
		} else {
			br.pos = pos
			acc, n = br.fillSlow(acc, n)
			pos = br.pos
		}
	}
	var s uint
	if v := dch.lut[acc>>(64-lutBits)]; v != 0 {
		l := uint(v & 0xff)
		acc <<= l
		n -= l
		s = uint(v >> 8)
	} else {
		br.acc, br.n, br.pos = acc, n, pos
		sym, err := br.decodeHuffmanSlow(dch)
		if err != nil {
			return 0, err
		}
		acc, n, pos = br.acc, br.n, br.pos
		s = uint(sym)
	}
	if s > 16 {
		return 0, unsupported("excessive DC component")
	}
	if s != 0 {
		// n >= 32-16 here, so s <= 16 bits are present.
		*pred += extend(uint32(acc>>(64-s)), s)
		acc <<= s
		n -= s
	}
	blk[0] = *pred * q[0]
	mask := uint32(0)
	for k := 1; k < blockSize; {
		if n < 32 {
			if pos+8 <= len(data) {
				w := binary.BigEndian.Uint64(data[pos:])
				if (^w-0x0101010101010101)&w&0x8080808080808080 == 0 {
					pos += int((63 - n) >> 3)
					acc |= w >> n
					n |= 56
				} else {
					br.pos = pos
					acc, n = br.fillSlow(acc, n)
					pos = br.pos
				}
			} else {
				br.pos = pos
				acc, n = br.fillSlow(acc, n)
				pos = br.pos
			}
		}
		p := acc >> (64 - lutBits)
		if f := ach.fastAC[p]; f != 0 {
			k += int(f>>8) & 0xff
			l := uint(f & 0xff)
			acc <<= l
			n -= l
			z := zinfo[k&127]
			blk[z&127] = (f >> 16) * q[k&127]
			mask |= z
			k++
			continue
		}
		var rs uint
		if v := ach.lut[p]; v != 0 {
			l := uint(v & 0xff)
			acc <<= l
			n -= l
			rs = uint(v >> 8)
		} else {
			br.acc, br.n, br.pos = acc, n, pos
			sym, err := br.decodeHuffmanSlow(ach)
			if err != nil {
				return 0, err
			}
			acc, n, pos = br.acc, br.n, br.pos
			rs = uint(sym)
		}
		r, s := int(rs>>4), rs&0x0f
		if s == 0 {
			if r != 0x0f {
				break // end of block
			}
			k += 16
			continue
		}
		k += r
		z := zinfo[k&127]
		blk[z&127] = extend(uint32(acc>>(64-s)), s) * q[k&127]
		mask |= z
		acc <<= s
		n -= s
		k++
	}
	br.acc, br.n, br.pos = acc, n, pos
	return mask &^ 0xff, nil
}

// extend is EXTEND of section F.2.2.1: the s-bit value v as a signed coefficient.
func extend(v uint32, s uint) int32 {
	x := int32(v)
	if x < 1<<(s-1) {
		x += -1<<s + 1
	}
	return x
}

// decodeHuffman decodes one symbol.
func (br *bitReader) decodeHuffman(h *huffman) (uint8, error) { return br.decodeHuffmanSlow(h) }

// decodeHuffmanSlow decodes a symbol the look-up table does not hold: a code longer than
// lutBits bits, or none at all in a corrupt stream.
func (br *bitReader) decodeHuffmanSlow(h *huffman) (uint8, error) {
	if br.n < 16 {
		br.acc, br.n = br.fill(br.acc, br.n)
	}
	if v := h.lut[br.acc>>(64-lutBits)]; v != 0 {
		l := uint(v & 0xff)
		br.acc <<= l
		br.n -= l
		return uint8(v >> 8), nil
	}
	code16 := int32(br.acc >> 48)
	for i := lutBits; i < maxCodeLength; i++ {
		code := code16 >> (maxCodeLength - 1 - i)
		if code <= h.maxCodes[i] {
			br.acc <<= uint(i + 1)
			br.n -= uint(i + 1)
			return h.vals[h.valsIndices[i]+code-h.minCodes[i]], nil
		}
	}
	return 0, FormatError("bad Huffman code")
}

// bits reads k <= 16 bits.
func (br *bitReader) bits(k uint) uint32 {
	if k == 0 {
		return 0
	}
	if br.n < k {
		br.acc, br.n = br.fill(br.acc, br.n)
	}
	v := uint32(br.acc >> (64 - k))
	br.acc <<= k
	br.n -= k
	return v
}

// bit reads one bit.
func (br *bitReader) bit() bool { return br.bits(1) != 0 }

// receiveExtend is the composition of RECEIVE and EXTEND, specified in section F.2.2.1.
func (br *bitReader) receiveExtend(s uint) int32 {
	if s == 0 {
		return 0
	}
	return extend(br.bits(s), s)
}
