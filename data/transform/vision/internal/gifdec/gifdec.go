// Package gifdec decodes the first frame of a GIF onto its canvas as PIL's GifImagePlugin
// does, which is what Ray Data's read_images returns for a GIF:
//
//   - the canvas is the logical screen, grown to hold a first frame that extends past it;
//   - it starts filled with the frame's transparent index when the frame has one (0
//     otherwise), and the frame is drawn into its rectangle with every index it holds, the
//     transparent one included;
//   - a colour table that is the identity gray ramp is no palette: the image is gray
//     levels (PIL's mode "L"), as it is when there is no colour table at all;
//   - indices past the end of the palette are black.
//
// The LZW decoder takes PIL's code sizes (up to 12 bits, where image/gif stops at 8) and,
// like PIL, keeps what was decoded when the data ends early.
package gifdec

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrFormat is wrapped by every error about malformed or unsupported input.
var ErrFormat = errors.New("gif: invalid or unsupported")

// Image is the first frame on its canvas: one index (or gray level) per pixel, row-major.
type Image struct {
	W, H int
	Pix  []uint8
	// Palette is nil for a gray image (PIL's mode "L"), otherwise the frame's colours.
	Palette [][3]uint8
	// Transparent is the transparent index, or -1.
	Transparent int
}

// frame is what the headers say about the first frame.
type frame struct {
	canvasW, canvasH int
	x, y, w, h       int
	interlaced       bool
	palette          []byte // raw RGB triples, nil when not needed
	transparent      int
	litWidth         int
	data             int // offset of the first data sub-block
}

func paletteNeeded(p []byte) bool {
	for i := 0; i+2 < len(p); i += 3 {
		if !(p[i] == uint8(i/3) && p[i+1] == p[i] && p[i+2] == p[i]) || i/3 > 255 {
			return true
		}
	}
	return false
}

func parse(b []byte) (frame, error) {
	f := frame{transparent: -1}
	if len(b) < 13 || string(b[:3]) != "GIF" {
		return f, fmt.Errorf("%w: no GIF signature", ErrFormat)
	}
	f.canvasW, f.canvasH = int(binary.LittleEndian.Uint16(b[6:])), int(binary.LittleEndian.Uint16(b[8:]))
	pos := 13
	var global []byte
	if flags := b[10]; flags&0x80 != 0 {
		n := 3 << (flags&7 + 1)
		if pos+n > len(b) {
			return f, fmt.Errorf("%w: global colour table past the end of the file", ErrFormat)
		}
		if p := b[pos : pos+n]; paletteNeeded(p) {
			global = p
		}
		pos += n
	}
	// skip walks the data sub-blocks at pos and returns the offset after the terminator.
	skip := func(pos int) int {
		for pos < len(b) {
			n := int(b[pos])
			pos += 1 + n
			if n == 0 {
				break
			}
		}
		return pos
	}
	for pos < len(b) {
		switch b[pos] {
		case '!':
			if pos+2 > len(b) {
				return f, fmt.Errorf("%w: truncated extension at offset %d", ErrFormat, pos)
			}
			label := b[pos+1]
			pos += 2
			if label == 0xf9 && pos < len(b) && b[pos] >= 4 && pos+5 <= len(b) {
				// Graphic control: flags, delay, transparent index.
				if b[pos+1]&1 != 0 {
					f.transparent = int(b[pos+4])
				}
			}
			pos = skip(pos)
		case ',':
			if pos+10 > len(b) {
				return f, fmt.Errorf("%w: truncated image descriptor at offset %d", ErrFormat, pos)
			}
			d := b[pos+1 : pos+10]
			f.x, f.y = int(binary.LittleEndian.Uint16(d[0:])), int(binary.LittleEndian.Uint16(d[2:]))
			f.w, f.h = int(binary.LittleEndian.Uint16(d[4:])), int(binary.LittleEndian.Uint16(d[6:]))
			flags := d[8]
			f.interlaced = flags&0x40 != 0
			pos += 10
			f.palette = global
			if flags&0x80 != 0 {
				n := 3 << (flags&7 + 1)
				if pos+n > len(b) {
					return f, fmt.Errorf("%w: local colour table past the end of the file", ErrFormat)
				}
				f.palette = nil
				if p := b[pos : pos+n]; paletteNeeded(p) {
					f.palette = p
				}
				pos += n
			}
			if pos >= len(b) {
				return f, fmt.Errorf("%w: no image data", ErrFormat)
			}
			f.litWidth = int(b[pos])
			f.data = pos + 1
			f.canvasW, f.canvasH = max(f.canvasW, f.x+f.w), max(f.canvasH, f.y+f.h)
			if f.canvasW == 0 || f.canvasH == 0 {
				return f, fmt.Errorf("%w: empty canvas %dx%d", ErrFormat, f.canvasW, f.canvasH)
			}
			return f, nil
		case ';':
			return f, fmt.Errorf("%w: no image before the trailer", ErrFormat)
		default:
			return f, fmt.Errorf("%w: unknown block %#x at offset %d", ErrFormat, b[pos], pos)
		}
	}
	return f, fmt.Errorf("%w: no image in the file", ErrFormat)
}

// DecodeConfig returns the canvas size of the first frame.
func DecodeConfig(data []byte) (w, h int, err error) {
	f, err := parse(data)
	return f.canvasW, f.canvasH, err
}

// Decode decodes the first frame; maxPixels > 0 refuses larger canvases.
func Decode(data []byte, maxPixels int) (Image, error) {
	f, err := parse(data)
	if err != nil {
		return Image{}, err
	}
	if maxPixels > 0 && f.canvasW*f.canvasH > maxPixels {
		return Image{}, fmt.Errorf("%w: canvas %dx%d over the %d pixel limit", ErrFormat, f.canvasW, f.canvasH, maxPixels)
	}
	if f.litWidth > 12 {
		return Image{}, fmt.Errorf("%w: LZW code size %d", ErrFormat, f.litWidth)
	}
	img := Image{W: f.canvasW, H: f.canvasH, Pix: make([]uint8, f.canvasW*f.canvasH), Transparent: f.transparent}
	if f.transparent >= 0 {
		for i := range img.Pix {
			img.Pix[i] = uint8(f.transparent)
		}
	}
	for i := 0; i+2 < len(f.palette) && i/3 < 256; i += 3 {
		img.Palette = append(img.Palette, [3]uint8{f.palette[i], f.palette[i+1], f.palette[i+2]})
	}
	if f.w == 0 || f.h == 0 {
		return img, nil
	}
	pix := make([]uint8, 0, f.w*f.h)
	pix = decodeLZW(pix, subBlocks(data, f.data), f.litWidth, f.w*f.h)
	rows := rowOrder(f.h, f.interlaced)
	for i := 0; i*f.w < len(pix); i++ {
		row := pix[i*f.w : min((i+1)*f.w, len(pix))]
		y := f.y + rows[i]
		copy(img.Pix[y*img.W+f.x:], row)
	}
	return img, nil
}

// rowOrder maps the i-th decoded row to its frame row: in order, or in GIF's four
// interlace passes (every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd
// from 1).
func rowOrder(h int, interlaced bool) []int {
	rows := make([]int, 0, h)
	if !interlaced {
		for y := range h {
			rows = append(rows, y)
		}
		return rows
	}
	for _, p := range [][2]int{{0, 8}, {4, 8}, {2, 4}, {1, 2}} {
		for y := p[0]; y < h; y += p[1] {
			rows = append(rows, y)
		}
	}
	return rows
}

// subBlocks joins the data sub-blocks starting at pos, stopping at the terminator or the
// end of the file.
func subBlocks(b []byte, pos int) []byte {
	var out []byte
	for pos < len(b) {
		n := int(b[pos])
		if n == 0 {
			break
		}
		end := min(pos+1+n, len(b))
		out = append(out, b[pos+1:end]...)
		pos = end
	}
	return out
}
