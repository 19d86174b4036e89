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

// skipBits is the log-2 size of the AC skip tables: the AC symbols of a block whose
// coefficients a 1/8-scaled decode never reads are consumed up to skipBits bits at a time.
const skipBits = 13

// huffman is a Huffman decoder, specified in section C.
type huffman struct {
	// nCodes is the number of codes in the tree; 0 means the table was never defined.
	nCodes int32
	// maxSym is the largest symbol: libjpeg refuses a DC table with one over 15.
	maxSym uint8
	// lut maps the next lutBits bits to the symbol (high 8 bits) and its code length
	// (low 8 bits), or 0 when the code is longer than lutBits.
	lut [1 << lutBits]uint16
	// fastAC, for AC tables, maps the next lutBits bits to a whole coefficient when the
	// code and its value bits fit: the value (sign-extended) in the high 16 bits, the run of
	// zeros before it in bits 8-15 and the number of bits used in bits 0-7; 0 otherwise.
	fastAC [1 << lutBits]int32
	// skip, for AC tables and built on first use (skipReady), maps the next skipBits bits
	// to as many whole AC symbols (code and value bits) as they hold, up to and including
	// an end of block: the bits they use in bits 0-4, how far they move the zig-zag index
	// in bits 5-11, and bit 12 set when the last is an end of block; 0 when not even one
	// symbol fits. See skipAC.
	skip      [1 << skipBits]uint16
	skipReady bool
	// vals are the decoded values, sorted by their encoding.
	vals [maxNCodes]uint8
	// maxCodes[i] is the maximum code of length i+1, or -1 if there are none;
	// valsIndices[i]-minCodes[i] turns a code of that length into an index into vals.
	minCodes    [maxCodeLength]int32
	maxCodes    [maxCodeLength]int32
	valsIndices [maxCodeLength]int32
	// def is the DHT definition (16 counts, then the values) these tables were built
	// from, kept across pooled decodes: most files of a corpus share their tables (every
	// encoder's defaults), and a repeated definition skips the rebuild.
	def    [maxCodeLength + maxNCodes]byte
	defLen int
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
		if len(s) < 17+int(total) {
			return FormatError("DHT has wrong length")
		}
		def := s[1 : 17+total]
		s = s[17+total:]
		if h.defLen == len(def) && string(h.def[:h.defLen]) == string(def) {
			h.nCodes = total // the same table as the pooled decoder's last one
			continue
		}
		if err := h.build(tc, nCodes, def[16:]); err != nil {
			h.defLen = 0
			return err
		}
		h.nCodes = total
		h.defLen = copy(h.def[:], def)
	}
	return nil
}

// build derives the decoding tables from the code counts per length and the values.
func (h *huffman) build(tc uint8, nCodes [maxCodeLength]int32, vals []byte) error {
	copy(h.vals[:], vals)
	h.maxSym = 0
	for _, v := range vals {
		h.maxSym = max(h.maxSym, v)
	}
	h.skipReady = false

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
	return nil
}

// peek decodes the symbol at the top of v, of which the first avail bits are valid, and
// reports its code length; ok is false when no whole code lies within those bits.
func (h *huffman) peek(v uint32, avail uint) (sym uint8, length uint, ok bool) {
	if e := h.lut[v>>(32-lutBits)]; e != 0 {
		length = uint(e & 0xff)
		return uint8(e >> 8), length, length <= avail
	}
	code16 := int32(v >> 16)
	for i := lutBits; i < maxCodeLength && uint(i+1) <= avail; i++ {
		code := code16 >> (maxCodeLength - 1 - i)
		if code <= h.maxCodes[i] {
			return h.vals[h.valsIndices[i]+code-h.minCodes[i]], uint(i + 1), true
		}
	}
	return 0, 0, false
}

// Fields of a skip table entry.
const (
	skipLenMask  = 0x1f
	skipAdvShift = 5
	skipAdvMask  = 0x7f
	skipEOB      = 1 << 12
)

// buildSkip derives h.skip (see there) the first time a scan needs it.
func (h *huffman) buildSkip() {
	if h.skipReady {
		return
	}
	for p := range h.skip {
		v := uint32(p) << (32 - skipBits)
		used, adv := uint(0), 0
		eob := uint16(0)
		for {
			sym, l, ok := h.peek(v<<used, skipBits-used)
			if !ok {
				break
			}
			r, s := int(sym>>4), uint(sym&0x0f)
			if s == 0 && r != 0x0f {
				used += l
				eob = skipEOB
				break
			}
			// A ZRL (r 15, s 0) moves the index by 16, as a coefficient after a run of 15.
			if used+l+s > skipBits || adv+r+1 > blockSize {
				break
			}
			used += l + s
			adv += r + 1
		}
		h.skip[p] = 0
		if used > 0 {
			h.skip[p] = uint16(used) | uint16(adv)<<skipAdvShift | eob
		}
	}
	h.skipReady = true
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
	marker bool // pos is at a marker or the end of the data: feed zeros
	eof    bool // the zeros fed are past the end of the data, not at a marker
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
			br.eof = br.eof || br.pos >= len(br.data)
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
				br.eof = p >= len(br.data)
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
