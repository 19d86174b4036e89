// Package tiffdec decodes the first image of a TIFF file into its samples, as libtiff does
// for PIL: classic and BigTIFF, either byte order, strips and tiles, contiguous and planar
// layouts, 1- to 32-bit samples (unsigned, signed and float), fill order 2, no compression,
// PackBits, LZW and Deflate with horizontal prediction, CCITT modified Huffman, Group 3 and
// Group 4, and JPEG (new-style with JPEGTables, and old-style files that carry a whole
// JPEG stream) through a JPEG decoder the caller supplies.
//
// It returns samples, not colours: the caller (package vision) maps photometric
// interpretations to PIL's modes and conversions. Tags PIL skips (data past the end of the
// file) are skipped here too; files PIL refuses (no size, unknown layouts, bad strips) get
// an error saying what is wrong.
package tiffdec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrFormat is wrapped by every error about malformed or unsupported input.
var ErrFormat = errors.New("tiff: invalid or unsupported")

// Tag numbers used here (TIFF 6.0 and its technical notes).
const (
	tagWidth            = 256
	tagHeight           = 257
	tagBitsPerSample    = 258
	tagCompression      = 259
	tagPhotometric      = 262
	tagFillOrder        = 266
	tagStripOffsets     = 273
	tagOrientation      = 274
	tagSamplesPerPixel  = 277
	tagRowsPerStrip     = 278
	tagStripByteCounts  = 279
	tagPlanarConfig     = 284
	tagT4Options        = 292
	tagPredictor        = 317
	tagColorMap         = 320
	tagTileWidth        = 322
	tagTileLength       = 323
	tagTileOffsets      = 324
	tagTileByteCounts   = 325
	tagExtraSamples     = 338
	tagSampleFormat     = 339
	tagJPEGTables       = 347
	tagJPEGIFOffset     = 513
	tagJPEGIFByteCount  = 514
	tagYCbCrSubsampling = 530
)

// ifd holds the first IFD's tags as unsigned integers (floats are not needed here) and
// the raw bytes of the UNDEFINED/BYTE tags that carry data (JPEGTables).
type ifd struct {
	vals map[uint16][]uint64
	raw  map[uint16][]byte
}

func (d ifd) first(tag uint16, def uint64) uint64 {
	if v := d.vals[tag]; len(v) > 0 {
		return v[0]
	}
	return def
}

var typeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}

// parseIFD reads the header and the first IFD.
func parseIFD(b []byte) (ifd, binary.ByteOrder, error) {
	d := ifd{vals: map[uint16][]uint64{}, raw: map[uint16][]byte{}}
	if len(b) < 8 {
		return d, nil, fmt.Errorf("%w: %d bytes", ErrFormat, len(b))
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return d, nil, fmt.Errorf("%w: no II or MM byte order mark", ErrFormat)
	}
	big := false
	var off uint64
	switch bo.Uint16(b[2:]) {
	case 42:
		off = uint64(bo.Uint32(b[4:]))
	case 43:
		if len(b) < 16 || bo.Uint16(b[4:]) != 8 {
			return d, nil, fmt.Errorf("%w: BigTIFF header", ErrFormat)
		}
		big = true
		off = bo.Uint64(b[8:])
	default:
		return d, nil, fmt.Errorf("%w: version %d", ErrFormat, bo.Uint16(b[2:]))
	}
	countSize, entrySize, inline := 2, 12, 4
	if big {
		countSize, entrySize, inline = 8, 20, 8
	}
	if off+uint64(countSize) > uint64(len(b)) || off < 8 {
		return d, nil, fmt.Errorf("%w: first IFD at offset %d outside the %d-byte file", ErrFormat, off, len(b))
	}
	var n uint64
	if big {
		n = bo.Uint64(b[off:])
	} else {
		n = uint64(bo.Uint16(b[off:]))
	}
	pos := off + uint64(countSize)
	if pos+n*uint64(entrySize) > uint64(len(b)) {
		return d, nil, fmt.Errorf("%w: IFD of %d entries at offset %d runs past the end of the file", ErrFormat, n, off)
	}
	for i := range n {
		e := b[pos+i*uint64(entrySize):]
		tag, typ := bo.Uint16(e), bo.Uint16(e[2:])
		var count uint64
		var val []byte
		if big {
			count, val = bo.Uint64(e[4:]), e[12:20]
		} else {
			count, val = uint64(bo.Uint32(e[4:])), e[8:12]
		}
		size, ok := typeSize[typ]
		if !ok || count > uint64(len(b)) {
			continue // unknown type or impossible count: PIL skips the tag
		}
		total := count * uint64(size)
		if total > uint64(inline) {
			var at uint64
			if big {
				at = bo.Uint64(val)
			} else {
				at = uint64(bo.Uint32(val))
			}
			if at+total > uint64(len(b)) {
				continue // "Tag data larger than file": PIL skips it
			}
			val = b[at : at+total]
		} else {
			val = val[:total]
		}
		if typ == 1 || typ == 7 || typ == 2 {
			d.raw[tag] = val
		}
		vals := make([]uint64, count)
		for j := range count {
			v := val[j*uint64(size):]
			switch typ {
			case 1, 2, 7:
				vals[j] = uint64(v[0])
			case 6:
				vals[j] = uint64(int64(int8(v[0])))
			case 3:
				vals[j] = uint64(bo.Uint16(v))
			case 8:
				vals[j] = uint64(int64(int16(bo.Uint16(v))))
			case 4, 13:
				vals[j] = uint64(bo.Uint32(v))
			case 9:
				vals[j] = uint64(int64(int32(bo.Uint32(v))))
			case 5, 10:
				if den := bo.Uint32(v[4:]); den != 0 {
					vals[j] = uint64(bo.Uint32(v) / den)
				}
			case 11:
				vals[j] = uint64(math.Float32frombits(bo.Uint32(v)))
			case 12:
				vals[j] = uint64(math.Float64frombits(bo.Uint64(v)))
			default:
				vals[j] = bo.Uint64(v)
			}
		}
		if _, dup := d.vals[tag]; !dup {
			d.vals[tag] = vals
		}
	}
	return d, bo, nil
}
