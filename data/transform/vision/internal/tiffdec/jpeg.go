package tiffdec

import (
	"bytes"
	"fmt"
)

// decodeJPEG decodes JPEG compression: new-style (7), each strip or tile a JPEG stream
// that takes its quantisation and Huffman tables from JPEGTables, or old-style (6) with
// the whole image in the stream at JPEGInterchangeFormat. Photometric YCbCr is converted
// to RGB (libtiff's JPEGCOLORMODE_RGB, which PIL sets); RGB and CMYK come out as stored.
func decodeJPEG(data []byte, l layout, decode JPEGFunc) (Image, error) {
	if decode == nil {
		return Image{}, fmt.Errorf("%w: JPEG compression without a JPEG decoder", ErrFormat)
	}
	if l.Bits != 8 || l.planar != 1 {
		return Image{}, fmt.Errorf("%w: JPEG compression of %d-bit samples, planar configuration %d", ErrFormat, l.Bits, l.planar)
	}
	mode := JPEGToRGB
	if l.Photometric != 6 {
		mode = JPEGRaw
	}
	c := 3
	switch l.Photometric {
	case 6, 2:
	case 5:
		c = 4
	case 1:
		c = 1
	default:
		return Image{}, fmt.Errorf("%w: JPEG compression of photometric %d", ErrFormat, l.Photometric)
	}
	if l.SamplesPerPixel != c {
		return Image{}, fmt.Errorf("%w: JPEG compression of %d samples for photometric %d", ErrFormat, l.SamplesPerPixel, l.Photometric)
	}
	m := l.Image
	m.Pix = make([]byte, l.W*l.H*c)
	put := func(pix []byte, w, h, pc, x0, y0 int) error {
		if pc != c {
			return fmt.Errorf("%w: JPEG stream of %d components for %d samples", ErrFormat, pc, c)
		}
		for y := range min(h, l.H-y0) {
			n := min(w, l.W-x0) * c
			copy(m.Pix[((y0+y)*l.W+x0)*c:][:n], pix[y*w*c:][:n])
		}
		return nil
	}
	if l.compression == 6 && l.jpegIF[0] != 0 {
		off, n := l.jpegIF[0], l.jpegIF[1]
		if off >= uint64(len(data)) {
			return Image{}, fmt.Errorf("%w: JPEGInterchangeFormat at %d past the end of the file", ErrFormat, off)
		}
		if n == 0 || off+n > uint64(len(data)) {
			n = uint64(len(data)) - off
		}
		w, h, pc, pix, err := decode(data[off:off+n], JPEGReplicate)
		if err != nil {
			return Image{}, err
		}
		return m, put(pix, w, h, pc, 0, 0)
	}
	if l.compression == 6 {
		return Image{}, fmt.Errorf("%w: old-style JPEG without JPEGInterchangeFormat", ErrFormat)
	}
	across := (l.W + l.chunkW - 1) / l.chunkW
	down := (l.H + l.chunkH - 1) / l.chunkH
	for cy := range down {
		for cx := range across {
			i := cy*across + cx
			off, n := l.offsets[i], l.counts[i]
			if off > uint64(len(data)) || n > uint64(len(data))-off {
				return Image{}, fmt.Errorf("%w: chunk %d of %d bytes at offset %d past the end of the file", ErrFormat, i, n, off)
			}
			w, h, pc, pix, err := decode(joinTables(l.tables, data[off:off+n]), mode)
			if err != nil {
				return Image{}, fmt.Errorf("chunk %d at offset %d: %w", i, off, err)
			}
			if err := put(pix, w, h, pc, cx*l.chunkW, cy*l.chunkH); err != nil {
				return Image{}, err
			}
		}
	}
	return m, nil
}

// joinTables splices the JPEGTables stream (SOI, tables, EOI) in front of a strip's
// stream (SOI, frame...): one stream that a plain JPEG decoder reads.
func joinTables(tables, strip []byte) []byte {
	if len(tables) < 4 || len(strip) < 2 || !bytes.HasPrefix(tables, []byte{0xff, 0xd8}) || !bytes.HasPrefix(strip, []byte{0xff, 0xd8}) {
		return strip
	}
	t := tables
	if bytes.HasSuffix(t, []byte{0xff, 0xd9}) {
		t = t[:len(t)-2]
	}
	out := make([]byte, 0, len(t)+len(strip))
	return append(append(out, t...), strip[2:]...)
}
