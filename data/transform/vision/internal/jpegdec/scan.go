// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// This file is forked from Go's image/jpeg scan.go; see doc.go for what changed.

package jpegdec

import (
	"bytes"
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
		usesDC := zigStart == 0 && ah == 0
		usesAC := zigEnd > 0 && (ah == 0 || zigStart > 0)
		if usesDC {
			if err := d.ensureTable(dcTable, sc.td); err != nil {
				return err
			}
		}
		if usesAC {
			if err := d.ensureTable(acTable, sc.ta); err != nil {
				return err
			}
		}
		if (usesDC && d.huff[dcTable][sc.td].nCodes == 0) ||
			(zigEnd > 0 && (ah == 0 || zigStart > 0) && d.huff[acTable][sc.ta].nCodes == 0) {
			return FormatError("uninitialized Huffman table")
		}
		// libjpeg's jpeg_make_d_derived_tbl refuses a DC table with a symbol over 15.
		if usesDC && d.huff[dcTable][sc.td].maxSym > 15 {
			return FormatError("bad DC Huffman table (a symbol over 15)")
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
		blocks, hmax, vmax := 0, 1, 1
		for _, c := range d.comp[:d.nComp] {
			hmax, vmax = max(hmax, c.h), max(vmax, c.v)
		}
		for _, sc := range scan[:nComp] {
			c := d.comp[sc.ci]
			blocks += (d.width*c.h + 8*hmax - 1) / (8 * hmax) * ((d.height*c.v + 8*vmax - 1) / (8 * vmax))
		}
		if avail := 8 * (len(d.data) - d.pos); blocks > avail/bitsPerBlock {
			return FormatError(fmt.Sprintf("%d bytes of scan data cannot hold %d blocks", len(d.data)-d.pos, blocks))
		}
		d.setup()
	}

	if d.progressive && zigStart > 0 && d.bs[scan[0].ci] == 1 {
		// An AC scan of a component decoded at 1/8, whose 1x1 IDCT reads only DC.
		d.skipScan()
		return nil
	}
	d.startScan()
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

// mcuWalk calls block for every block of a progressive scan, MCU by MCU, handling restart
// intervals and running out of data as libjpeg does (see restart and endMCU). In an
// interleaved scan an MCU holds h*v blocks of each component; in a non-interleaved one it
// is a single block, and only blocks inside the component's bounds are coded (section A.2).
func (d *decoder) mcuWalk(scan []scanComp, block func(sc *scanComp, bx, by int) error) error {
	if len(scan) == 1 {
		sc := &scan[0]
		bw, bh := d.bw[sc.ci], d.bh[sc.ci]
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				if err := d.startMCU(by*bw + bx); err != nil {
					return err
				}
				if d.insufficient {
					continue
				}
				if err := block(sc, bx, by); err != nil {
					return err
				}
				if err := d.endMCU(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for my := 0; my < d.myy; my++ {
		for mx := 0; mx < d.mxx; mx++ {
			if err := d.startMCU(my*d.mxx + mx); err != nil {
				return err
			}
			if d.insufficient {
				continue
			}
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
			if err := d.endMCU(); err != nil {
				return err
			}
		}
	}
	return nil
}

// startScan resets the entropy decoder's state for a new scan.
func (d *decoder) startScan() {
	d.br = bitReader{data: d.data, pos: d.pos}
	d.eobRun = 0
	d.dcPred = [maxComponents]int32{}
	d.nextRestart = 0
	d.insufficient = false
}

// startMCU processes the restart marker due before MCU number mcu of the scan, if any.
func (d *decoder) startMCU(mcu int) error {
	if d.ri == 0 || mcu == 0 || mcu%d.ri != 0 {
		return nil
	}
	return d.restart()
}

// endMCU is called after each decoded MCU. An MCU that used the zero bits fed past a
// marker leaves the rest of the restart interval undecoded (mid-grey in a sequential
// scan, the earlier scans' coefficients in a progressive one), as libjpeg does after its
// "premature end of data segment" warning, which PIL ignores; one that ran past the end
// of the data is a truncated file, the error libjpeg and PIL give.
func (e *entropy) endMCU() error {
	if e.br.n >= e.br.padded {
		return nil
	}
	if e.br.eof {
		return errShortData
	}
	e.insufficient = true
	return nil
}

// restart is libjpeg's process_restart with read_restart_marker and
// jpeg_resync_to_restart (jdhuff.c, jdmarker.c): drop the bits left in the buffer, find
// the next marker, and take it when it is the restart marker due. Otherwise, by libjpeg's
// rules: a marker that is not a restart, or one of the next two restarts, is left for
// later and this interval reads as empty; an earlier restart or an invalid marker is
// skipped and the search goes on; any other restart is taken. An interval after a taken
// marker is decoded afresh, with the DC predictions and the EOB run reset.
func (d *decoder) restart() error {
	want := d.nextRestart
	d.nextRestart = (d.nextRestart + 1) & 7
	d.dcPred = [maxComponents]int32{}
	d.eobRun = 0
	start, end, m, ok := d.nextMarker(d.br.pos)
	for {
		if !ok {
			return errShortData
		}
		action := 1 // take it
		switch {
		case m == rst0Marker+byte(want):
		case m < 0xc0:
			action = 2
		case m < rst0Marker || m > rst7Marker:
			action = 3
		case m == rst0Marker+byte((want+1)&7) || m == rst0Marker+byte((want+2)&7):
			action = 3
		case m == rst0Marker+byte((want-1)&7) || m == rst0Marker+byte((want-2)&7):
			action = 2
		}
		switch action {
		case 1:
			d.br = bitReader{data: d.data, pos: end}
			d.insufficient = false
			return nil
		case 2:
			start, end, m, ok = d.nextMarker(end)
		default:
			// Leave the marker unread: the bit reader feeds zero bits in front of it.
			d.br = bitReader{data: d.data, pos: start, marker: true}
			return nil
		}
	}
}

// nextMarker is libjpeg's next_marker from data[p:]: it skips bytes up to an 0xFF, any
// fill 0xFF bytes, and a stuffed 0xFF 0x00, and returns where the marker's 0xFF run
// starts, the offset just past the marker, and its code; ok is false at the end of data.
func (d *decoder) nextMarker(p int) (start, end int, marker byte, ok bool) {
	data := d.data
	for {
		i := bytes.IndexByte(data[min(p, len(data)):], 0xff)
		if i < 0 {
			return 0, 0, 0, false
		}
		start = p + i
		q := start + 1
		for q < len(data) && data[q] == 0xff {
			q++
		}
		if q >= len(data) {
			return 0, 0, 0, false
		}
		if data[q] != 0 {
			return start, q + 1, data[q], true
		}
		p = q + 1
	}
}

// skipScan moves d.pos past the entropy-coded data of a scan whose coefficients the
// output does not need (the AC scans of components decoded at 1/8, which only read DC),
// to the first marker other than a restart marker.
func (d *decoder) skipScan() {
	p := d.pos
	for {
		start, end, m, ok := d.nextMarker(p)
		if !ok {
			d.pos = len(d.data)
			return
		}
		if m < rst0Marker || m > rst7Marker {
			d.pos = start
			return
		}
		p = end
	}
}

// seqBlock is one block of a sequential scan's MCU: its component, tables, output block
// size and offset in the MCU (in blocks), resolved once per scan.
type seqBlock struct {
	ci     int
	h, v   int // the component's blocks per MCU across and down (1, 1 in a single-component scan)
	dx, dy int
	bs     int
	dc, ac *huffman
	q      *block
	plane  []byte
	stride int
}

// decodeSequential decodes a baseline or extended sequential scan, putting each block
// straight through the inverse DCT into its component plane, MCU by MCU with libjpeg's
// restart and out-of-data handling (see mcuWalk). A component output at 1x1 per block
// (1/8 scaling) needs only its DC coefficients: its AC symbols are consumed unstored.
// With Options.Workers above 1 and restart markers, intervals decode in parallel
// (decodeParallel).
func (d *decoder) decodeSequential(scan []scanComp) error {
	var blocks [maxComponents * 16]seqBlock
	nb := 0
	cols, rows := d.mxx, d.myy
	for _, sc := range scan {
		ci := sc.ci
		d.decoded[ci] = true
		h, v := d.comp[ci].h, d.comp[ci].v
		if len(scan) == 1 {
			h, v = 1, 1
			cols, rows = d.bw[ci], d.bh[ci]
		}
		ac := &d.huff[acTable][sc.ta]
		if d.bs[ci] == 1 {
			ac.buildSkip()
		}
		for y := 0; y < v; y++ {
			for x := 0; x < h; x++ {
				blocks[nb] = seqBlock{ci: ci, h: h, v: v, dx: x, dy: y, bs: d.bs[ci],
					dc: &d.huff[dcTable][sc.td], ac: ac, q: &d.quant[d.comp[ci].tq],
					plane: d.planes[ci], stride: d.strides[ci]}
				nb++
			}
		}
	}
	mcus := cols * rows
	if d.workers > 1 && d.ri > 0 && mcus/d.ri >= 2*d.workers && mcus >= minParallelMCUs {
		if starts, end := d.restartOffsets(mcus); starts != nil {
			d.br = bitReader{data: d.data, pos: end}
			return d.decodeParallel(blocks[:nb], cols, mcus, starts)
		}
	}
	return d.decodeMCUs(&d.entropy, blocks[:nb], cols, 0, mcus, true)
}

// decodeMCUs decodes MCUs from to to-1 of a sequential scan with the entropy state e.
// With serial it processes the restart markers due (d.startMCU, on d's own entropy
// state); otherwise the caller has placed e at the start of an interval.
func (d *decoder) decodeMCUs(e *entropy, blocks []seqBlock, cols, from, to int, serial bool) error {
	for mcu := from; mcu < to; mcu++ {
		if serial {
			if err := d.startMCU(mcu); err != nil {
				return err
			}
		}
		mx, my := mcu%cols, mcu/cols
		if e.insufficient {
			// libjpeg leaves the blocks of an MCU it no longer decodes zero.
			clear(e.blk[:blockSize])
			for i := range blocks {
				b := &blocks[i]
				d.storeBlock(b.ci, mx*b.h+b.dx, my*b.v+b.dy, &e.blk, 0)
			}
			continue
		}
		for i := range blocks {
			b := &blocks[i]
			bx, by := mx*b.h+b.dx, my*b.v+b.dy
			if b.bs == 1 {
				dc := e.decodeDCOnly(&e.dcPred[b.ci], b.dc, b.ac)
				b.plane[by*b.stride+bx] = rangeLimit[((int32(int16(dc))*b.q[0]+4)>>3)&rangeMask]
				continue
			}
			mask := e.decodeBlock(&e.blk, &e.dcPred[b.ci], b.dc, b.ac, b.q)
			d.storeBlock(b.ci, bx, by, &e.blk, mask)
			clear(e.blk[:blockSize])
		}
		if err := e.endMCU(); err != nil {
			return err
		}
	}
	return nil
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
		if mask&^bigBlock == 0 {
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

// refill is the bit reader's fast path (fill's), small enough to inline: with fewer
// than 32 bits left it loads 8 bytes at once when none is 0xFF; ok false means the caller
// must call fillSlow.
func refill(data []byte, pos int, acc uint64, n uint) (int, uint64, uint, bool) {
	if pos+8 > len(data) {
		return pos, acc, n, false
	}
	w := binary.BigEndian.Uint64(data[pos:])
	if (^w-0x0101010101010101)&w&0x8080808080808080 != 0 { // an 0xFF byte in w
		return pos, acc, n, false
	}
	return pos + int((63-n)>>3), acc | w>>n, n | 56, true
}

// decodeDC decodes a block's DC difference and adds it to *pred, with the bit buffer in
// the caller's locals. It needs n >= 32.
func (br *bitReader) decodeDC(acc uint64, n uint, pos int, dch *huffman, pred *int32) (uint64, uint, int) {
	var s uint
	if v := dch.lut[acc>>(64-lutBits)]; v != 0 {
		l := uint(v & 0xff)
		acc <<= l
		n -= l
		s = uint(v >> 8)
	} else {
		br.acc, br.n, br.pos = acc, n, pos
		s = uint(br.decodeHuffmanSlow(dch))
		acc, n, pos = br.acc, br.n, br.pos
	}
	if s != 0 {
		// processSOS has checked that DC symbols are at most 15, so the bits are there.
		*pred += extend(uint32(acc>>(64-s)), s)
		acc <<= s
		n -= s
	}
	return acc, n, pos
}

// decodeBlock decodes one sequential block's coefficients into blk, dequantized and in
// natural order, and returns zinfo OR-ed over the AC coefficients it set (0 for a block
// with only a DC coefficient). This is the hot loop: the bit buffer lives in locals, and an
// AC coefficient whose code and value fit in lutBits bits decodes with one table look-up.
// Like libjpeg, it stores a run past the 64th coefficient (corrupt data) in the last one.
func (e *entropy) decodeBlock(blk *block, pred *int32, dch, ach *huffman, q *block) uint32 {
	br := &e.br
	acc, n := br.acc, br.n
	data, pos := br.data, br.pos
	if n < 32 {
		var ok bool
		if pos, acc, n, ok = refill(data, pos, acc, n); !ok {
			br.pos = pos
			acc, n = br.fillSlow(acc, n)
			pos = br.pos
		}
	}
	acc, n, pos = br.decodeDC(acc, n, pos, dch, pred)
	blk[0] = int32(int16(*pred)) * q[0]
	mask := uint32(0)
	if uint32(blk[0]+smallDC) > 2*smallDC {
		mask = bigBlock
	}
	for k := 1; k < blockSize; {
		// A one-step coefficient needs lutBits valid bits, a symbol with its value 31
		// (as in decodeDCOnly).
		if n < lutBits {
			var ok bool
			if pos, acc, n, ok = refill(data, pos, acc, n); !ok {
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
			v := (f >> 16) * q[k&127]
			blk[z&127] = v
			mask |= z
			if uint32(v+smallAC) > 2*smallAC {
				mask |= bigBlock
			}
			k++
			continue
		}
		if n < 32 {
			var ok bool
			if pos, acc, n, ok = refill(data, pos, acc, n); !ok {
				br.pos = pos
				acc, n = br.fillSlow(acc, n)
				pos = br.pos
			}
			p = acc >> (64 - lutBits)
		}
		var rs uint
		if v := ach.lut[p]; v != 0 {
			l := uint(v & 0xff)
			acc <<= l
			n -= l
			rs = uint(v >> 8)
		} else {
			br.acc, br.n, br.pos = acc, n, pos
			rs = uint(br.decodeHuffmanSlow(ach))
			acc, n, pos = br.acc, br.n, br.pos
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
		v := extend(uint32(acc>>(64-s)), s) * q[k&127]
		blk[z&127] = v
		mask |= z
		if uint32(v+smallAC) > 2*smallAC {
			mask |= bigBlock
		}
		acc <<= s
		n -= s
		k++
	}
	br.acc, br.n, br.pos = acc, n, pos
	return mask &^ 0xff
}

// decodeDCOnly decodes one sequential block of a component output at 1x1 per block,
// which reads only the DC coefficient: it updates *pred and consumes the AC symbols
// without storing them, several at a time through ach.skip (libjpeg-turbo decodes and
// drops them one by one). An entry is used only when it cannot run past the block's end:
// k+adv <= 64, or < 64 when it ends in an end of block, which is read only below 64.
// Near the end of a block, and for long codes, symbols are taken one at a time.
func (e *entropy) decodeDCOnly(pred *int32, dch, ach *huffman) int32 {
	br := &e.br
	acc, n := br.acc, br.n
	data, pos := br.data, br.pos
	if n < 32 {
		var ok bool
		if pos, acc, n, ok = refill(data, pos, acc, n); !ok {
			br.pos = pos
			acc, n = br.fillSlow(acc, n)
			pos = br.pos
		}
	}
	acc, n, pos = br.decodeDC(acc, n, pos, dch, pred)
	for k := 1; k < blockSize; {
		// A skip entry needs skipBits valid bits, a single symbol with its value 31:
		// refilling only for what the next step needs halves the refills.
		if n < skipBits {
			var ok bool
			if pos, acc, n, ok = refill(data, pos, acc, n); !ok {
				br.pos = pos
				acc, n = br.fillSlow(acc, n)
				pos = br.pos
			}
		}
		e := ach.skip[acc>>(64-skipBits)]
		if adv := int(e>>skipAdvShift) & skipAdvMask; e != 0 && k+adv+int(e>>12) <= blockSize {
			l := uint(e & skipLenMask)
			acc <<= l
			n -= l
			k += adv
			if e&skipEOB != 0 {
				break
			}
			continue
		}
		if n < 32 {
			var ok bool
			if pos, acc, n, ok = refill(data, pos, acc, n); !ok {
				br.pos = pos
				acc, n = br.fillSlow(acc, n)
				pos = br.pos
			}
		}
		var rs uint
		if v := ach.lut[acc>>(64-lutBits)]; v != 0 {
			l := uint(v & 0xff)
			acc <<= l
			n -= l
			rs = uint(v >> 8)
		} else {
			br.acc, br.n, br.pos = acc, n, pos
			rs = uint(br.decodeHuffmanSlow(ach))
			acc, n, pos = br.acc, br.n, br.pos
		}
		r, s := int(rs>>4), rs&0x0f
		if s == 0 {
			if r != 0x0f {
				break
			}
			k += 16
			continue
		}
		k += r + 1
		acc <<= s
		n -= s
	}
	br.acc, br.n, br.pos = acc, n, pos
	return *pred
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
func (br *bitReader) decodeHuffman(h *huffman) uint8 { return br.decodeHuffmanSlow(h) }

// decodeHuffmanSlow decodes a symbol the look-up table does not hold: a code longer than
// lutBits bits, or none at all in a corrupt stream. For no code libjpeg's
// jpeg_huff_decode warns "bad Huffman code", consumes 17 bits and returns symbol 0 (a
// zero DC difference, an AC end of block); PIL ignores the warning, and so does this.
func (br *bitReader) decodeHuffmanSlow(h *huffman) uint8 {
	if br.n < 17 {
		br.acc, br.n = br.fill(br.acc, br.n)
	}
	if v := h.lut[br.acc>>(64-lutBits)]; v != 0 {
		l := uint(v & 0xff)
		br.acc <<= l
		br.n -= l
		return uint8(v >> 8)
	}
	code16 := int32(br.acc >> 48)
	for i := lutBits; i < maxCodeLength; i++ {
		code := code16 >> (maxCodeLength - 1 - i)
		if code <= h.maxCodes[i] {
			br.acc <<= uint(i + 1)
			br.n -= uint(i + 1)
			return h.vals[h.valsIndices[i]+code-h.minCodes[i]]
		}
	}
	br.acc <<= maxCodeLength + 1
	br.n -= maxCodeLength + 1
	return 0
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
