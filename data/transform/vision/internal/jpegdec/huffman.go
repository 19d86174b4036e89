// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// This file is forked from Go's image/jpeg huffman.go; see doc.go for what changed.

package jpegdec

import "encoding/binary"

// maxCodeLength is the maximum (inclusive) number of bits in a Huffman code.
const maxCodeLength = 16

// maxNCodes is the maximum (inclusive) number of codes in a Huffman tree.
const maxNCodes = 256

// lutBits is the log-2 size of the look-up tables: codes up to lutBits long decode in one
// step, and AC coefficients whose code and value bits together fit in lutBits decode,
// value included, in one step (libjpeg-turbo's jdhuff.c uses 8 and a separate value read).
const lutBits = 10

// huffman is a Huffman decoder, specified in section C.
type huffman struct {
	// nCodes is the number of codes in the tree; 0 means the table was never defined.
	nCodes int32
	// lut maps the next lutBits bits to the symbol (high 8 bits) and its code length
	// (low 8 bits), or 0 when the code is longer than lutBits.
	lut [1 << lutBits]uint16
	// fastAC, for AC tables, maps the next lutBits bits to a whole coefficient when the
	// code and its value bits fit: the value (sign-extended) in the high 16 bits, the run of
	// zeros before it in bits 8-15 and the number of bits used in bits 0-7; 0 otherwise.
	fastAC [1 << lutBits]int32
	// vals are the decoded values, sorted by their encoding.
	vals [maxNCodes]uint8
	// maxCodes[i] is the maximum code of length i+1, or -1 if there are none;
	// valsIndices[i]-minCodes[i] turns a code of that length into an index into vals.
	minCodes    [maxCodeLength]int32
	maxCodes    [maxCodeLength]int32
	valsIndices [maxCodeLength]int32
}

// processDHT reads Huffman tables, specified in section B.2.4.2.
func (d *decoder) processDHT(s []byte) error {
	for len(s) > 0 {
		if len(s) < 17 {
			return FormatError("DHT has wrong length")
		}
		tc := s[0] >> 4
		if tc > maxTc {
			return FormatError("bad Tc value")
		}
		th := s[0] & 0x0f
		// The baseline th <= 1 restriction is specified in table B.5.
		if th > maxTh || (d.baseline && th > 1) {
			return FormatError("bad Th value")
		}
		h := &d.huff[tc][th]
		var nCodes [maxCodeLength]int32
		total := int32(0)
		for i := range nCodes {
			nCodes[i] = int32(s[i+1])
			total += nCodes[i]
		}
		if total == 0 {
			return FormatError("Huffman table has zero length")
		}
		if total > maxNCodes {
			return FormatError("Huffman table has excessive length")
		}
		s = s[17:]
		if len(s) < int(total) {
			return FormatError("DHT has wrong length")
		}
		h.nCodes = total
		copy(h.vals[:], s[:total])
		s = s[total:]

		// Derive minCodes, maxCodes and valsIndices, and check that the code lengths
		// describe a prefix code (a corrupt table could otherwise overflow the look-up
		// table below).
		var c, index int32
		for i, n := range nCodes {
			if n == 0 {
				h.minCodes[i], h.maxCodes[i], h.valsIndices[i] = -1, -1, -1
			} else {
				h.minCodes[i] = c
				h.maxCodes[i] = c + n - 1
				h.valsIndices[i] = index
				c += n
				index += n
			}
			if c > 1<<(i+1) {
				return FormatError("bad Huffman code lengths")
			}
			c <<= 1
		}

		// Derive the look-up tables.
		clear(h.lut[:])
		clear(h.fastAC[:])
		var x, code uint32
		for i := uint32(0); i < lutBits; i++ {
			length := i + 1
			for j := int32(0); j < nCodes[i]; j++ {
				sym := h.vals[x]
				base := code << (lutBits - length)
				for k := uint32(0); k < 1<<(lutBits-length); k++ {
					p := base | k
					h.lut[p] = uint16(sym)<<8 | uint16(length)
					if tc != acTable {
						continue
					}
					run, size := uint32(sym>>4), uint32(sym&0x0f)
					if size == 0 || length+size > lutBits {
						continue
					}
					v := int32(p>>(lutBits-length-size)) & (1<<size - 1)
					if v < 1<<(size-1) {
						v += -1<<size + 1
					}
					h.fastAC[p] = v<<16 | int32(run)<<8 | int32(length+size)
				}
				code++
				x++
			}
			code <<= 1
		}
	}
	return nil
}

// bitReader reads the entropy-coded data of a scan, MSB first, undoing byte stuffing.
// acc holds n valid bits left-aligned; the bits below them are either zero or the
// next bits of the stream. At a marker or the end of the data it feeds zero bits, as
// libjpeg does, counting them in padded: a scan that consumes them is truncated.
type bitReader struct {
	data   []byte
	pos    int // next byte of data to load
	acc    uint64
	n      uint
	padded uint
	marker bool // pos is at a marker: feed zeros
}

// fill loads bytes until at least 57 bits are valid. The fast path loads 8 bytes at once
// when none of them is 0xFF.
func (br *bitReader) fill(acc uint64, n uint) (uint64, uint) {
	if br.pos+8 <= len(br.data) {
		w := binary.BigEndian.Uint64(br.data[br.pos:])
		if (^w-0x0101010101010101)&w&0x8080808080808080 == 0 { // no 0xFF byte in w
			br.pos += int((63 - n) >> 3)
			return acc | w>>n, n | 56
		}
	}
	return br.fillSlow(acc, n)
}

// fillSlow loads one byte at a time, undoing stuffing and stopping at markers.
func (br *bitReader) fillSlow(acc uint64, n uint) (uint64, uint) {
	for n <= 56 {
		if br.marker || br.pos >= len(br.data) {
			br.marker = true
			br.padded += 8
			n += 8
			continue
		}
		b := br.data[br.pos]
		if b == 0xff {
			// 0xFF, any fill bytes 0xFF, then 0x00 is a stuffed 0xFF; anything else is
			// a marker (libjpeg's jpeg_fill_bit_buffer).
			p := br.pos + 1
			for p < len(br.data) && br.data[p] == 0xff {
				p++
			}
			if p >= len(br.data) || br.data[p] != 0 {
				br.marker = true
				continue
			}
			br.pos = p + 1
		} else {
			br.pos++
		}
		acc |= uint64(b) << (56 - n)
		n += 8
	}
	return acc, n
}
