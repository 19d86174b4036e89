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

// stdTables are the example tables of the JPEG standard (section K.3; the same as
// image/jpeg's writer's), as DHT payloads for DC 0, AC 0, DC 1 and AC 1. libjpeg's
// std_huff_tables uses them for a table slot 0 or 1 a file leaves undefined, as Motion-JPEG
// frames do, and so does processSOS.
var stdTables = [...][]byte{
	append([]byte{0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
	append([]byte{0x10, 0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125},
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa),
	append([]byte{0x01, 0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
	append([]byte{0x11, 0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119},
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa),
}

// ensureTable installs the standard table for slot (tc, th) when the file has not
// defined it and th is 0 or 1 (libjpeg's std_huff_tables).
func (d *decoder) ensureTable(tc, th uint8) error {
	if d.huff[tc][th].nCodes != 0 || th > 1 {
		return nil
	}
	return d.processDHT(stdTables[2*int(th)+int(tc)])
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
