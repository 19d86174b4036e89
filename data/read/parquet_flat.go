package read

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// flatDecoder decodes the pages of one flat fixed-width column chunk (no repetition levels)
// itself, from arrow-go's decompressed pages: PLAIN values are copied, dictionary-encoded ones
// (RLE_DICTIONARY, PLAIN_DICTIONARY) gathered from the dictionary, and RLE definition levels
// decoded, all straight into the caller's buffers. arrow-go's column reader does the same
// work more slowly on dictionary pages: v18.8.0 materializes the dictionary lazily in small
// appended slices (encoding.dictConverter.ensure), which with GC assist took about half the
// CPU of BenchmarkParquetRead/numeric/dict. Chunks whose metadata lists another encoding
// (DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, deprecated BIT_PACKED levels) keep arrow-go's
// reader; a page that surprises the metadata sends the row group back to it (errPagesFallback).
type flatDecoder struct {
	pr      file.PageReader
	size    int   // bytes per value
	maxDef  int16 // the maximum definition level (1 for an optional flat column)
	maxRep  int16 // 1 for a fixed-size list, 0 for a flat column
	dict    []byte
	dictN   int
	hasDict bool

	// The data page being read.
	left   int    // levels left in it
	defs   hybrid // its definition levels, when maxDef > 0
	reps   hybrid // its repetition levels, when maxRep > 0
	plain  []byte // its PLAIN values not yet read
	idx    hybrid // its dictionary indices, when isDict
	idxRaw []byte // the page's index bytes until the first value is read
	isDict bool
	// Byte arrays (readBytes): the dictionary's values are dictData[dictOffs[i]:dictOffs[i+1]].
	isBytes  bool
	dictData []byte
	dictOffs []int
	isDelta  bool       // the page is DELTA_LENGTH_BYTE_ARRAY or DELTA_BYTE_ARRAY
	delta    deltaBytes // its state
	// Booleans: one byte per value in dst (the caller packs them into a bitmap); PLAIN pages
	// hold them bit-packed (plainBit is the next bit of plain), RLE pages as a hybrid.
	isBool   bool
	plainBit uint
	boolRLE  *hybrid

	lvl []uint32 // level or index scratch
	// pagesRead counts the data pages started, for ParquetOptions.PagesSkipped.
	pagesRead int
}

// flatEncodings reports whether the chunk's metadata lists only encodings flatDecoder reads
// (the DELTA byte-array ones for byte arrays only).
func flatEncodings(md *metadata.ColumnChunkMetaData, bytes bool) bool {
	for _, e := range md.Encodings() {
		switch e {
		case parquet.Encodings.Plain, parquet.Encodings.PlainDict, parquet.Encodings.RLEDict, parquet.Encodings.RLE,
			parquet.Encodings.BitPacked: // parquet-mr lists it for levels it does not write that way; a page that is sends the row group back
		case parquet.Encodings.DeltaLengthByteArray, parquet.Encodings.DeltaByteArray:
			if !bytes {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// flatScratch is how many levels or indices flatDecoder decodes at a time: small enough to
// stay in the L1 cache between decoding and use.
const flatScratch = 4096

// newFlatDecoder reads the pages of pr, values of size bytes (1 for booleans) or byte arrays
// (kind pageBytes, for readBytes).
func newFlatDecoder(pr file.PageReader, size int, maxDef int16, kind pageKind, isBool bool) *flatDecoder {
	return &flatDecoder{pr: pr, size: size, maxDef: maxDef, isBool: isBool, isBytes: kind == pageBytes,
		lvl: make([]uint32, flatScratch)}
}

// readBatch reads up to want levels, as a ColumnChunkReader's ReadBatch does: the non-null
// values packed at the front of dst (size bytes each), the definition levels into def (nil
// for a required column). It stops early only at the end of the chunk.
func (d *flatDecoder) readBatch(want int64, dst []byte, def, rep []int16) (lvls int64, vals int, err error) {
	for lvls < want {
		if d.left == 0 {
			ok, err := d.nextPage()
			if err != nil || !ok {
				return lvls, vals, err
			}
			continue
		}
		n := min(int(want-lvls), d.left, len(d.lvl))
		k := n // values in these levels
		if d.maxRep > 0 {
			got, err := d.reps.next(d.lvl[:n])
			if err != nil {
				return lvls, vals, fmt.Errorf("repetition levels: %w", err)
			}
			if got != n {
				return lvls, vals, errors.New("repetition levels end before the page's values")
			}
			out := rep[lvls : lvls+int64(n)]
			for i, l := range d.lvl[:n] {
				if l > uint32(d.maxRep) {
					return lvls, vals, fmt.Errorf("repetition level %d above the maximum %d", l, d.maxRep)
				}
				out[i] = int16(l)
			}
		}
		if d.maxDef > 0 {
			got, err := d.defs.next(d.lvl[:n])
			if err != nil {
				return lvls, vals, fmt.Errorf("definition levels: %w", err)
			}
			if got != n {
				return lvls, vals, errors.New("definition levels end before the page's values")
			}
			k = 0
			out := def[lvls : lvls+int64(n)]
			for i, l := range d.lvl[:n] {
				out[i] = int16(l)
				if l == uint32(d.maxDef) {
					k++
				} else if l > uint32(d.maxDef) {
					return lvls, vals, fmt.Errorf("definition level %d above the maximum %d", l, d.maxDef)
				}
			}
		}
		if err := d.values(dst[vals*d.size:(vals+k)*d.size], k); err != nil {
			return lvls, vals, err
		}
		d.left -= n
		lvls += int64(n)
		vals += k
	}
	return lvls, vals, nil
}

// readSpaced reads up to want levels of an optional column (maxDef 1) straight into place:
// value i of the call into dst[i*size:], its validity into bit at+i of valid, a null's slot
// zeroed. It returns the levels read and how many are null, stopping early only at the end
// of the chunk. Levels go to the bitmap a run at a time (a bit-packed run of width 1 is
// copied as the validity bits it is); then the chunk's values decode in one call, packed,
// and spread to their slots when there were nulls.
func (d *flatDecoder) readSpaced(want int64, dst, valid []byte, at int64) (lvls int64, nulls int, err error) {
	size := int64(d.size)
	for lvls < want {
		if d.left == 0 {
			ok, err := d.nextPage()
			if err != nil || !ok {
				return lvls, nulls, err
			}
			continue
		}
		n := min(int(want-lvls), d.left, flatScratch)
		bit := int(at + lvls)
		k, err := d.levelBits(valid, bit, n)
		if err != nil {
			return lvls, nulls, err
		}
		region := dst[lvls*size : (lvls+int64(n))*size]
		if k == n {
			err = d.values(region, n)
		} else {
			err = d.valuesSpaced(region, valid, bit, n, k)
		}
		if err != nil {
			return lvls, nulls, err
		}
		nulls += n - k
		d.left -= n
		lvls += int64(n)
	}
	return lvls, nulls, nil
}

// levelBits decodes the page's next n definition levels (maxDef 1) into the validity bits
// of valid from bit at, and returns how many are set.
func (d *flatDecoder) levelBits(valid []byte, at, n int) (int, error) {
	for filled := 0; filled < n; {
		r, err := d.defs.run(n - filled)
		if err != nil {
			return 0, fmt.Errorf("definition levels: %w", err)
		}
		switch {
		case r.bits != nil:
			copyBits(valid, at+filled, r.bits, int(r.bitOff), r.n)
		case r.val <= 1:
			bitutil.SetBitsTo(valid, int64(at+filled), int64(r.n), r.val == 1)
		default:
			return 0, fmt.Errorf("definition level %d above the maximum 1", r.val)
		}
		filled += r.n
	}
	return bitutil.CountSetBits(valid, at, n), nil
}

// byteSink receives the values of a byte-array column in row order.
type byteSink interface {
	add(b []byte) error // the next value
	null()              // the next value is null
	// dict adds n values: where the validity bit (from bit at of valid; valid nil when none
	// is null) is set, the next dictionary value data[offs[i]:offs[i+1]] for i in idx, whose
	// indices the caller checked; data has copyPad bytes past its last value.
	dict(data []byte, offs []int, idx []uint32, valid []byte, at, n int) error
	// plain adds n values as dict does, the non-null ones the next PLAIN byte arrays of page
	// (a 4-byte length and the bytes each), and returns the rest of the page.
	plain(page []byte, valid []byte, at, n int) ([]byte, error)
}

// copyPad is the slack kept past the dictionary's last value and the batch's data, so a
// value of up to copyPad bytes is copied as two fixed 8-byte moves instead of a call.
const copyPad = 16

// readBytes reads up to want values of a byte-array column into out (nulls as out.null()),
// their validity into valid from bit at when the column is optional (valid nil otherwise),
// and returns how many it read and how many are null; it stops early only at the end of the
// chunk.
func (d *flatDecoder) readBytes(want int64, out byteSink, valid []byte, at int64) (lvls int64, nulls int, err error) {
	for lvls < want {
		if d.left == 0 {
			ok, err := d.nextPage()
			if err != nil || !ok {
				return lvls, nulls, err
			}
			continue
		}
		n := min(int(want-lvls), d.left, flatScratch)
		bit := int(at + lvls)
		k := n
		if d.maxDef > 0 {
			if k, err = d.levelBits(valid, bit, n); err != nil {
				return lvls, nulls, err
			}
		}
		var vb []byte // validity bits of these values, nil when none is null
		if k < n {
			vb = valid
		}
		switch {
		case d.isDict:
			if err := d.startIndices(k); err != nil {
				return lvls, nulls, err
			}
			idx := d.lvl[:k]
			got, err := d.idx.next(idx)
			if err != nil {
				return lvls, nulls, fmt.Errorf("dictionary indices: %w", err)
			}
			if got != k {
				return lvls, nulls, errors.New("dictionary indices end before the page's values")
			}
			var hi uint32
			for _, i := range idx {
				hi = max(hi, i)
			}
			if k > 0 && int(hi) >= d.dictN {
				return lvls, nulls, fmt.Errorf("dictionary index %d out of range: the dictionary has %d values", hi, d.dictN)
			}
			if err := out.dict(d.dictData, d.dictOffs, idx, vb, bit, n); err != nil {
				return lvls, nulls, err
			}
		case d.isDelta:
			for i := range n {
				if vb != nil && vb[(bit+i)>>3]&(1<<((bit+i)&7)) == 0 {
					out.null()
					continue
				}
				v, err := d.delta.value()
				if err != nil {
					return lvls, nulls, err
				}
				if err := out.add(v); err != nil {
					return lvls, nulls, err
				}
			}
		default:
			if d.plain, err = out.plain(d.plain, vb, bit, n); err != nil {
				return lvls, nulls, err
			}
		}
		nulls += n - k
		d.left -= n
		lvls += int64(n)
	}
	return lvls, nulls, nil
}

// copyBits copies n bits from bit srcOff of src to bit dstOff of dst, up to 56 at a time.
func copyBits(dst []byte, dstOff int, src []byte, srcOff int, n int) {
	for n > 0 {
		k := min(n, 56)
		sb, sh := srcOff>>3, uint(srcOff&7)
		var w uint64
		if sb+8 <= len(src) {
			w = binary.LittleEndian.Uint64(src[sb:])
		} else {
			for i := 0; sb+i < len(src) && i < 8; i++ {
				w |= uint64(src[sb+i]) << (8 * i)
			}
		}
		w = w >> sh & (1<<uint(k) - 1)
		db, dh := dstOff>>3, uint(dstOff&7)
		nb := (int(dh) + k + 7) >> 3
		var old uint64
		for i := range nb {
			old |= uint64(dst[db+i]) << (8 * i)
		}
		mask := (uint64(1)<<uint(k) - 1) << dh
		old = old&^mask | w<<dh
		for i := range nb {
			dst[db+i] = byte(old >> (8 * i))
		}
		n -= k
		srcOff += k
		dstOff += k
	}
}

// valuesSpaced decodes the page's next k values into the slots of region (n of size bytes)
// whose validity bit (from bit at of valid) is set, a run of valid slots at a time, and zeroes
// the others.
func (d *flatDecoder) valuesSpaced(region, valid []byte, at, n, k int) error {
	var idx []uint32 // dictionary indices of the k values
	if d.isDict && !d.isBool {
		if err := d.startIndices(k); err != nil {
			return err
		}
		idx = d.lvl[:k]
		got, err := d.idx.next(idx)
		if err != nil {
			return fmt.Errorf("dictionary indices: %w", err)
		}
		if got != k {
			return errors.New("dictionary indices end before the page's values")
		}
	}
	size, j, slot := d.size, 0, 0
	for pos := 0; pos < n; pos += 64 {
		w := bits64(valid, at+pos)
		width := min(64, n-pos)
		if width < 64 {
			w &= 1<<uint(width) - 1
		}
		for off := 0; off < width; {
			if w == 0 {
				clear(region[(pos+off)*size : (pos+width)*size])
				break
			}
			start := bits.TrailingZeros64(w)
			run := bits.TrailingZeros64(^(w >> uint(start)))
			if start > 0 {
				clear(region[(pos+off)*size : (pos+off+start)*size])
			}
			slot = pos + off + start
			dst := region[slot*size : (slot+run)*size]
			switch {
			case idx != nil:
				if err := gather(dst, d.dict, d.dictN, size, idx[j:j+run]); err != nil {
					return err
				}
			case d.isBool:
				if err := d.bools(dst); err != nil {
					return err
				}
			default:
				if len(d.plain) < run*size {
					return fmt.Errorf("PLAIN values end before the page's %d", k)
				}
				copy(dst, d.plain[:run*size])
				d.plain = d.plain[run*size:]
			}
			j += run
			shift := uint(start + run)
			if shift >= 64 {
				w = 0
			} else {
				w >>= shift
			}
			off += start + run
		}
	}
	return nil
}

// bits64 returns the 64 bits of b from bit off (zeros past its end).
func bits64(b []byte, off int) uint64 {
	at, sh := off>>3, uint(off&7)
	var w uint64
	if at+9 <= len(b) {
		w = binary.LittleEndian.Uint64(b[at:]) >> sh
		if sh > 0 {
			w |= uint64(b[at+8]) << (64 - sh)
		}
		return w
	}
	for i := 0; at+i < len(b) && i < 9; i++ {
		if i < 8 {
			w |= uint64(b[at+i]) << (8 * i) >> sh
		} else if sh > 0 {
			w |= uint64(b[at+i]) << (64 - sh)
		}
	}
	return w
}

// values decodes the page's next k values into dst.
func (d *flatDecoder) values(dst []byte, k int) error {
	if d.isBool {
		return d.bools(dst[:k])
	}
	if !d.isDict {
		if len(d.plain) < k*d.size {
			return fmt.Errorf("PLAIN values end after %d of %d", len(d.plain)/d.size, k)
		}
		copy(dst, d.plain[:k*d.size])
		d.plain = d.plain[k*d.size:]
		return nil
	}
	if err := d.startIndices(k); err != nil {
		return err
	}
	for done := 0; done < k; {
		idx := d.lvl[:min(k-done, len(d.lvl))]
		got, err := d.idx.next(idx)
		if err != nil {
			return fmt.Errorf("dictionary indices: %w", err)
		}
		if got != len(idx) {
			return errors.New("dictionary indices end before the page's values")
		}
		if err := gather(dst[done*d.size:], d.dict, d.dictN, d.size, idx); err != nil {
			return err
		}
		done += got
	}
	return nil
}

// bools decodes the page's next len(dst) booleans into dst, one byte (0 or 1) each.
func (d *flatDecoder) bools(dst []byte) error {
	if d.boolRLE != nil {
		for done := 0; done < len(dst); {
			v := d.lvl[:min(len(dst)-done, len(d.lvl))]
			got, err := d.boolRLE.next(v)
			if err != nil || got != len(v) {
				return fmt.Errorf("RLE booleans end early (%v)", err)
			}
			for i, x := range v {
				dst[done+i] = byte(x)
			}
			done += got
		}
		return nil
	}
	if uint(len(d.plain))*8 < d.plainBit+uint(len(dst)) {
		return fmt.Errorf("PLAIN booleans end after %d bits", len(d.plain)*8)
	}
	bit := d.plainBit
	for i := range dst {
		dst[i] = d.plain[bit>>3] >> (bit & 7) & 1
		bit++
	}
	d.plainBit = bit
	return nil
}

// startIndices parses the page's index bit width before its first of k values is read.
func (d *flatDecoder) startIndices(k int) error {
	if k > 0 && d.idxRaw != nil {
		if !d.hasDict {
			return errors.New("dictionary-encoded page without a dictionary page")
		}
		if len(d.idxRaw) < 1 || d.idxRaw[0] > 32 {
			return errors.New("dictionary-encoded page without a valid index bit width")
		}
		d.idx, d.idxRaw = hybrid{data: d.idxRaw[1:], width: uint(d.idxRaw[0])}, nil
	}
	return nil
}

// gather copies dict[idx[i]] (values of size bytes) to dst for each i.
func gather(dst, dict []byte, n, size int, idx []uint32) error {
	var hi uint32
	for _, i := range idx {
		hi = max(hi, i)
	}
	if len(idx) > 0 && int(hi) >= n {
		return fmt.Errorf("dictionary index %d out of range: the dictionary has %d values", hi, n)
	}
	switch size {
	case 8:
		d, s := arrow.Uint64Traits.CastFromBytes(dst[:len(idx)*8]), arrow.Uint64Traits.CastFromBytes(dict[:n*8])
		for k, i := range idx {
			d[k] = s[i]
		}
	case 4:
		d, s := arrow.Uint32Traits.CastFromBytes(dst[:len(idx)*4]), arrow.Uint32Traits.CastFromBytes(dict[:n*4])
		for k, i := range idx {
			d[k] = s[i]
		}
	default:
		for k, i := range idx {
			copy(dst[k*size:(k+1)*size], dict[int(i)*size:])
		}
	}
	return nil
}

// nextPage moves to the next data page, decoding a dictionary page on the way. It returns
// false at the end of the chunk.
func (d *flatDecoder) nextPage() (bool, error) {
	for {
		if !d.pr.Next() {
			return false, d.pr.Err()
		}
		ok, err := d.startPage(d.pr.Page())
		if ok || err != nil {
			return ok, err
		}
	}
}

// atPageEnd says whether the decoder has read all of the page it is in (or none yet): its
// next value is the first of a page not started.
func (d *flatDecoder) atPageEnd() bool { return d.left == 0 }

// seek moves to the data page holding row (of the row group), with the chunk's offset index
// (file.PageReader.SeekToPageWithRow), reading the dictionary page first when none was read
// yet. The page must begin rows first and hold rows rows (the offset index's claim, checked
// against the page header so a wrong index is an error, never wrong rows).
func (d *flatDecoder) seek(row, first, rows int64) error {
	if !d.hasDict {
		p, err := d.pr.GetDictionaryPage()
		if err != nil {
			return fmt.Errorf("dictionary page: %w", err)
		}
		if p != nil {
			if _, err := d.startPage(p); err != nil {
				return err
			}
		}
	}
	if err := d.pr.SeekToPageWithRow(row); err != nil {
		return fmt.Errorf("seek to row %d: %w", row, err)
	}
	page := d.pr.Page()
	if page == nil {
		return fmt.Errorf("seek to row %d: no page there", row)
	}
	ok, err := d.startPage(page)
	if err != nil {
		return err
	}
	if !ok || int64(d.left) != rows {
		return fmt.Errorf("the offset index puts %d rows in the page at row %d, which holds %d values", rows, first, d.left)
	}
	return nil
}

// startPage starts reading page p: it returns true for a data page, false for a page that
// holds no values (a dictionary page, decoded on the way, or an index page).
func (d *flatDecoder) startPage(p file.Page) (bool, error) {
	switch p := p.(type) {
	case *file.DictionaryPage:
		if e := parquet.Encoding(p.Encoding()); e != parquet.Encodings.Plain && e != parquet.Encodings.PlainDict {
			return false, errPagesFallback
		}
		n := int(p.NumValues())
		if d.isBytes {
			if err := d.byteDictionary(p.Data(), n); err != nil {
				return false, err
			}
			d.hasDict = true
			return false, nil
		}
		if n < 0 || len(p.Data()) < n*d.size {
			return false, fmt.Errorf("dictionary page of %d bytes for %d values", len(p.Data()), n)
		}
		d.dict = append(d.dict[:0], p.Data()[:n*d.size]...) // the page buffer is reused
		d.dictN, d.hasDict = n, true
		return false, nil
	case *file.DataPageV1:
		data := p.Data()
		// v1 pages: repetition, then definition levels, each a 4-byte length and RLE.
		levels := func(max int16, enc parquet.Encoding, what string) (hybrid, error) {
			if enc != parquet.Encodings.RLE {
				return hybrid{}, errPagesFallback
			}
			if len(data) < 4 {
				return hybrid{}, fmt.Errorf("data page too short for its %s levels", what)
			}
			n := int(binary.LittleEndian.Uint32(data))
			if n < 0 || n > len(data)-4 {
				return hybrid{}, fmt.Errorf("%s levels of %d bytes in a page of %d", what, n, len(data))
			}
			h := hybrid{data: data[4 : 4+n], width: uint(bits.Len16(uint16(max)))}
			data = data[4+n:]
			return h, nil
		}
		var err error
		if d.maxRep > 0 {
			if d.reps, err = levels(d.maxRep, parquet.Encoding(p.RepetitionLevelEncoding()), "repetition"); err != nil {
				return false, err
			}
		}
		if d.maxDef > 0 {
			if d.defs, err = levels(d.maxDef, parquet.Encoding(p.DefinitionLevelEncoding()), "definition"); err != nil {
				return false, err
			}
		}
		return true, d.startValues(parquet.Encoding(p.Encoding()), int(p.NumValues()), data)
	case *file.DataPageV2:
		data := p.Data()
		// A flat column has no repetition levels; some writers store zeros for them anyway.
		rl, dl := int(p.RepetitionLevelByteLen()), int(p.DefinitionLevelByteLen())
		if rl < 0 || dl < 0 || rl+dl > len(data) {
			return false, fmt.Errorf("v2 page levels of %d and %d bytes in a page of %d", rl, dl, len(data))
		}
		if d.maxRep > 0 {
			d.reps = hybrid{data: data[:rl], width: uint(bits.Len16(uint16(d.maxRep)))}
		}
		if d.maxDef > 0 {
			d.defs = hybrid{data: data[rl : rl+dl], width: uint(bits.Len16(uint16(d.maxDef)))}
		}
		return true, d.startValues(parquet.Encoding(p.Encoding()), int(p.NumValues()), data[rl+dl:])
	default:
		return false, nil // index pages carry nothing to read
	}
}

// byteDictionary keeps the n PLAIN byte arrays of a dictionary page (a copy: the page
// buffer is reused), packed: value i is dictData[dictOffs[i]:dictOffs[i+1]].
func (d *flatDecoder) byteDictionary(data []byte, n int) error {
	if n < 0 || n > len(data)/4 {
		return fmt.Errorf("dictionary page of %d bytes for %d byte arrays", len(data), n)
	}
	d.dictData = d.dictData[:0]
	d.dictOffs = append(d.dictOffs[:0], 0)
	for range n {
		if len(data) < 4 {
			return errors.New("dictionary page cut short")
		}
		m := binary.LittleEndian.Uint32(data)
		if uint64(m) > uint64(len(data)-4) {
			return fmt.Errorf("dictionary byte array of %d bytes where %d remain", m, len(data)-4)
		}
		d.dictData = append(d.dictData, data[4:4+m]...)
		d.dictOffs = append(d.dictOffs, len(d.dictData))
		data = data[4+m:]
	}
	d.dictData = append(d.dictData, make([]byte, copyPad)...) // see copyPad
	d.dictN = n
	return nil
}

func (d *flatDecoder) startValues(enc parquet.Encoding, n int, data []byte) error {
	if n < 0 {
		return fmt.Errorf("data page of %d values", n)
	}
	d.left = n
	d.pagesRead++
	d.boolRLE, d.plainBit, d.isDelta = nil, 0, false
	switch enc {
	case parquet.Encodings.DeltaLengthByteArray, parquet.Encodings.DeltaByteArray:
		if !d.isBytes {
			return errPagesFallback
		}
		d.isDict, d.isDelta, d.plain = false, true, nil
		return d.delta.start(data, enc == parquet.Encodings.DeltaByteArray)
	case parquet.Encodings.Plain:
		d.isDict, d.plain = false, data
	case parquet.Encodings.RLE:
		if !d.isBool {
			return errPagesFallback
		}
		// RLE booleans: a 4-byte length, then the hybrid encoding at width 1.
		if len(data) < 4 || int(binary.LittleEndian.Uint32(data)) > len(data)-4 {
			return errors.New("RLE boolean page without a valid length")
		}
		d.isDict, d.boolRLE = false, &hybrid{data: data[4 : 4+int(binary.LittleEndian.Uint32(data))], width: 1}
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		// A page of nulls only may have no dictionary and no index bit width: both are
		// checked when a value is read.
		d.isDict, d.idx, d.idxRaw = true, hybrid{}, data
	default:
		return errPagesFallback
	}
	return nil
}

// hybrid decodes Parquet's RLE/bit-packed hybrid encoding of unsigned values of width bits.
type hybrid struct {
	data  []byte
	width uint
	rle   int    // values left in the current RLE run
	val   uint32 // its value
	bp    []byte // the current bit-packed run's bytes
	bpLen int    // values left in it
	bpPos uint   // bit position of the next one
}

// levelRun is part of one run of the hybrid encoding: n values, all val (an RLE run), or,
// for a bit-packed run of width 1, the n bits from bit bitOff of bits.
type levelRun struct {
	n      int
	val    uint32
	bits   []byte
	bitOff uint
}

// run returns the next at most max values as one run. Bit-packed runs of other widths than 1
// come back value by value (n = 1); flat columns' levels always have width 1.
func (h *hybrid) run(max int) (levelRun, error) {
	for {
		switch {
		case h.rle > 0:
			n := min(h.rle, max)
			h.rle -= n
			return levelRun{n: n, val: h.val}, nil
		case h.bpLen > 0:
			if h.width != 1 {
				var v [1]uint32
				h.unpack(v[:])
				h.bpLen--
				return levelRun{n: 1, val: v[0]}, nil
			}
			n := min(h.bpLen, max)
			r := levelRun{n: n, bits: h.bp, bitOff: h.bpPos}
			if uint(len(h.bp))*8 < h.bpPos+uint(n) {
				return levelRun{}, errors.New("bit-packed run shorter than its header says")
			}
			h.bpPos += uint(n)
			h.bpLen -= n
			return r, nil
		default:
			if len(h.data) == 0 {
				return levelRun{}, errors.New("levels end before the page's values")
			}
			if err := h.header(); err != nil {
				return levelRun{}, err
			}
		}
	}
}

// next decodes up to len(dst) values and returns how many it decoded (fewer at the end of
// the data).
func (h *hybrid) next(dst []uint32) (int, error) {
	n := 0
	for n < len(dst) {
		switch {
		case h.rle > 0:
			k := min(h.rle, len(dst)-n)
			v := h.val
			for i := range dst[n : n+k] {
				dst[n+i] = v
			}
			n += k
			h.rle -= k
		case h.bpLen > 0:
			k := min(h.bpLen, len(dst)-n)
			h.unpack(dst[n : n+k])
			n += k
			h.bpLen -= k
		default:
			if len(h.data) == 0 {
				return n, nil
			}
			if err := h.header(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// header starts the next run.
func (h *hybrid) header() error {
	hdr, k := binary.Uvarint(h.data)
	if k <= 0 {
		return errors.New("bad run header")
	}
	h.data = h.data[k:]
	if hdr&1 == 1 { // bit-packed groups of 8 values
		groups := hdr >> 1
		nbytes := groups * uint64(h.width)
		if groups == 0 || nbytes > uint64(len(h.data)) {
			// A truncated last run: take what the data holds.
			nbytes = uint64(len(h.data))
			groups = nbytes / uint64(max(h.width, 1))
		}
		h.bp, h.bpPos = h.data[:nbytes], 0
		h.bpLen = int(groups * 8)
		if h.width == 0 {
			h.bpLen = int((hdr >> 1) * 8)
		}
		h.data = h.data[nbytes:]
		return nil
	}
	count := hdr >> 1
	vb := int((h.width + 7) / 8)
	if count == 0 || len(h.data) < vb || count > 1<<31 {
		return errors.New("bad RLE run")
	}
	var v uint32
	for i := range vb {
		v |= uint32(h.data[i]) << (8 * i)
	}
	if h.width < 32 && v>>h.width != 0 {
		return fmt.Errorf("RLE value %d wider than %d bits", v, h.width)
	}
	h.data = h.data[vb:]
	h.rle, h.val = int(count), v
	return nil
}

// unpack reads len(dst) values of the current bit-packed run. Whole groups of 8 values
// (width bytes each, so a group starts on a byte) are unpacked from one 64-bit load per
// value with no branch; values before the first whole group and after the last, or too near
// the end of the data for a 64-bit load, one at a time.
func (h *hybrid) unpack(dst []uint32) {
	w := h.width
	if w == 0 {
		clear(dst)
		return
	}
	mask := uint64(1)<<w - 1
	pos := h.bpPos
	buf := h.bp
	i := 0
	// Up to the next group boundary.
	for ; i < len(dst) && pos%(8*w) != 0; i++ {
		dst[i] = h.valueAt(pos, mask)
		pos += w
	}
	// Whole groups, while the group and 8 bytes past its last value's first byte are there.
	for ; i+8 <= len(dst) && int(pos>>3)+int(w)+8 <= len(buf); i += 8 {
		g := buf[pos>>3 : pos>>3+uint(w)+8]
		out := dst[i : i+8 : i+8]
		for j := range uint(8) {
			bit := j * w
			out[j] = uint32(binary.LittleEndian.Uint64(g[bit>>3:]) >> (bit & 7) & mask)
		}
		pos += 8 * w
	}
	for ; i < len(dst); i++ {
		dst[i] = h.valueAt(pos, mask)
		pos += w
	}
	h.bpPos = pos
}

// valueAt returns the value of the bit-packed run at bit pos (zeros past its end).
func (h *hybrid) valueAt(pos uint, mask uint64) uint32 {
	buf := h.bp
	at := int(pos >> 3)
	var word uint64
	if at+8 <= len(buf) {
		word = binary.LittleEndian.Uint64(buf[at:])
	} else {
		for k := 0; at+k < len(buf) && k < 8; k++ {
			word |= uint64(buf[at+k]) << (8 * k)
		}
	}
	return uint32(word >> (pos & 7) & mask)
}
