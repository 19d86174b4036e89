// Package bmpdec decodes Windows and OS/2 bitmaps as PIL's BmpImagePlugin reads them: every
// header PIL knows (OS/2 1.x of 12 bytes, BITMAPINFOHEADER of 40, its 52- and 56-byte
// extensions, OS/2 2.x of 64, V4 of 108 and V5 of 124), top-down and bottom-up rows, 1-, 4-
// and 8-bit palettes (3- or 4-byte entries, a palette of gray ramps read as gray), 16-bit
// 5-5-5 and 5-6-5, 24- and 32-bit, the bitfield layouts PIL supports, and RLE4/RLE8 with
// PIL's handling of deltas, row overflows and early ends.
//
// Where PIL is lenient (wrong file size, planes, densities, a pixel offset pointing into
// the palette) so is bmpdec; where PIL refuses (unknown headers, depths, compressions and
// bitfield layouts, truncated pixel data) bmpdec returns an error saying which.
package bmpdec

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrFormat is wrapped by every error about malformed or unsupported input.
var ErrFormat = errors.New("bmp: invalid or unsupported")

// Mode is the PIL mode a file opens in.
type Mode int

const (
	// ModeP holds palette indices in Pix; Palette gives their colours.
	ModeP Mode = iota
	// ModeL holds gray levels (PIL's "1" files hold 0 and 255).
	ModeL
	// ModeRGB holds 3 bytes per pixel.
	ModeRGB
	// ModeRGBA holds 4 bytes per pixel, alpha not premultiplied.
	ModeRGBA
)

// Channels is the number of bytes per pixel of Pix in mode m.
func (m Mode) Channels() int {
	switch m {
	case ModeRGB:
		return 3
	case ModeRGBA:
		return 4
	}
	return 1
}

// Image is a decoded bitmap, rows top-down without padding.
type Image struct {
	W, H int
	Mode Mode
	// Bilevel is set for PIL's mode "1" (a black and white palette): Pix holds 0 or 255.
	Bilevel bool
	Pix     []uint8
	// Palette holds the colours of ModeP; indices past its end are black, as in PIL.
	Palette [][3]uint8
}

// Header is what the headers say, read without decoding pixels.
type Header struct {
	W, H        int
	Mode        Mode
	Bilevel     bool
	bits        int
	compression uint32
	topDown     bool
	offset      int
	palette     [][3]uint8
	masks       [4]uint32 // R, G, B, A for BITFIELDS
	layout      string
}

const (
	compRaw       = 0
	compRLE8      = 1
	compRLE4      = 2
	compBitfields = 3
)

// DecodeHeader parses the file and info headers and the palette.
func DecodeHeader(data []byte) (Header, error) {
	var h Header
	if len(data) < 18 || data[0] != 'B' || data[1] != 'M' {
		return h, fmt.Errorf("%w: no BM signature", ErrFormat)
	}
	offset := int(binary.LittleEndian.Uint32(data[10:]))
	size := int(binary.LittleEndian.Uint32(data[14:]))
	if size < 12 || 14+size > len(data) {
		return h, fmt.Errorf("%w: header of %d bytes in a %d-byte file", ErrFormat, size, len(data))
	}
	hd := data[18 : 14+size]
	pos := 14 + size // where the palette (or a 40-byte header's masks) starts
	padding := 4
	var colors int
	switch size {
	case 12:
		h.W = int(binary.LittleEndian.Uint16(hd[0:]))
		h.H = int(binary.LittleEndian.Uint16(hd[2:]))
		h.bits = int(binary.LittleEndian.Uint16(hd[6:]))
		padding = 3
	case 40, 52, 56, 64, 108, 124:
		h.W = int(binary.LittleEndian.Uint32(hd[0:]))
		rawH := binary.LittleEndian.Uint32(hd[4:])
		h.topDown = hd[7] == 0xff
		if h.topDown {
			rawH = -rawH
		}
		h.H = int(rawH)
		h.bits = int(binary.LittleEndian.Uint16(hd[10:]))
		h.compression = binary.LittleEndian.Uint32(hd[12:])
		colors = int(binary.LittleEndian.Uint32(hd[28:]))
		if h.compression == compBitfields {
			switch {
			case len(hd) >= 52:
				for i := range 4 {
					h.masks[i] = binary.LittleEndian.Uint32(hd[36+4*i:])
				}
			case len(hd) >= 48:
				for i := range 3 {
					h.masks[i] = binary.LittleEndian.Uint32(hd[36+4*i:])
				}
			default:
				// A 40-byte header is followed by the three masks.
				if pos+12 > len(data) {
					return h, fmt.Errorf("%w: bitfield masks past the end of the file", ErrFormat)
				}
				for i := range 3 {
					h.masks[i] = binary.LittleEndian.Uint32(data[pos+4*i:])
				}
				pos += 12
			}
		}
	default:
		return h, fmt.Errorf("%w: header type of %d bytes", ErrFormat, size)
	}
	if h.W <= 0 || h.H <= 0 {
		return h, fmt.Errorf("%w: size %dx%d", ErrFormat, h.W, h.H)
	}
	if colors == 0 && h.bits < 32 {
		colors = 1 << h.bits
	}
	if offset == 14+size && h.bits <= 8 {
		offset += padding * colors // the offset points at the palette: skip it, as PIL does
	}
	h.offset = offset
	switch h.bits {
	case 1, 4, 8:
		h.Mode = ModeP
	case 16:
		h.Mode, h.layout = ModeRGB, "BGR;15"
	case 24:
		h.Mode, h.layout = ModeRGB, "BGR"
	case 32:
		h.Mode, h.layout = ModeRGB, "BGRX"
	default:
		return h, fmt.Errorf("%w: pixel depth %d", ErrFormat, h.bits)
	}
	switch h.compression {
	case compBitfields:
		layout, ok := bitfieldLayouts[bitfieldKey{h.bits, h.masks}]
		if !ok {
			return h, fmt.Errorf("%w: %d-bit bitfields layout R %#x G %#x B %#x A %#x", ErrFormat, h.bits, h.masks[0], h.masks[1], h.masks[2], h.masks[3])
		}
		h.layout = layout
		if h.bits == 32 && (layout == "ABGR" || layout == "RGBA" || layout == "BGRA" || layout == "BGAR") {
			h.Mode = ModeRGBA
		}
	case compRaw:
	case compRLE8, compRLE4:
		if h.Mode != ModeP {
			return h, fmt.Errorf("%w: RLE compression of %d-bit pixels", ErrFormat, h.bits)
		}
	default:
		return h, fmt.Errorf("%w: compression %d", ErrFormat, h.compression)
	}
	if h.Mode != ModeP {
		return h, nil
	}
	if colors <= 0 || colors > 256 {
		return h, fmt.Errorf("%w: palette of %d colours", ErrFormat, colors)
	}
	end := min(pos+padding*colors, len(data))
	pal := data[min(pos, end):end]
	gray := true
	for i := range colors {
		want := uint8(i)
		if colors == 2 {
			want = uint8(255 * i)
		}
		if i*padding+3 > len(pal) {
			gray = false
			break
		}
		e := pal[i*padding:]
		if e[0] != want || e[1] != want || e[2] != want {
			gray = false
		}
		h.palette = append(h.palette, [3]uint8{e[2], e[1], e[0]})
	}
	if gray {
		h.Mode, h.Bilevel = ModeL, colors <= 2
	}
	return h, nil
}

type bitfieldKey struct {
	bits  int
	masks [4]uint32
}

// bitfieldLayouts are the masks PIL supports (BmpImagePlugin's MASK_MODES), named by the
// byte order of a pixel in memory.
var bitfieldLayouts = map[bitfieldKey]string{
	{32, [4]uint32{0xff0000, 0xff00, 0xff, 0}}:          "BGRX",
	{32, [4]uint32{0xff000000, 0xff0000, 0xff00, 0}}:    "XBGR",
	{32, [4]uint32{0xff000000, 0xff00, 0xff, 0}}:        "BGXR",
	{32, [4]uint32{0xff000000, 0xff0000, 0xff00, 0xff}}: "ABGR",
	{32, [4]uint32{0xff, 0xff00, 0xff0000, 0xff000000}}: "RGBA",
	{32, [4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}}: "BGRA",
	{32, [4]uint32{0xff000000, 0xff00, 0xff, 0xff0000}}: "BGAR",
	{32, [4]uint32{0, 0, 0, 0}}:                         "BGRA",
	{24, [4]uint32{0xff0000, 0xff00, 0xff, 0}}:          "BGR",
	{16, [4]uint32{0xf800, 0x7e0, 0x1f, 0}}:             "BGR;16",
	{16, [4]uint32{0x7c00, 0x3e0, 0x1f, 0}}:             "BGR;15",
}

// Decode decodes data; maxPixels > 0 refuses larger images before allocating.
func Decode(data []byte, maxPixels int) (Image, error) {
	h, err := DecodeHeader(data)
	if err != nil {
		return Image{}, err
	}
	if maxPixels > 0 && (h.W > maxPixels || h.H > maxPixels || h.W*h.H > maxPixels) {
		return Image{}, fmt.Errorf("%w: %dx%d over the %d pixel limit", ErrFormat, h.W, h.H, maxPixels)
	}
	img := Image{W: h.W, H: h.H, Mode: h.Mode, Bilevel: h.Bilevel, Palette: h.palette}
	img.Pix = make([]uint8, h.W*h.H*h.Mode.Channels())
	if h.offset > len(data) {
		return Image{}, fmt.Errorf("%w: pixel data at offset %d past the end of the %d-byte file", ErrFormat, h.offset, len(data))
	}
	if h.compression == compRLE8 || h.compression == compRLE4 {
		decodeRLE(img, data, h.offset, h.compression == compRLE4, h.topDown)
		return img, nil
	}
	stride := ((h.W*h.bits + 31) >> 3) &^ 3
	px := data[h.offset:]
	// PIL's raw decoder reads each row's pixels and skips its padding: the last row's
	// padding may be missing.
	rowBytes := (h.W*h.bits + 7) / 8
	if need := stride*(h.H-1) + rowBytes; len(px) < need {
		return Image{}, fmt.Errorf("%w: truncated: %d bytes of pixel data at offset %d, %d needed", ErrFormat, len(px), h.offset, need)
	}
	c := h.Mode.Channels()
	for r := range h.H {
		y := h.H - 1 - r
		if h.topDown {
			y = r
		}
		unpackRow(img.Pix[y*h.W*c:(y+1)*h.W*c], px[r*stride:r*stride+rowBytes], h)
	}
	return img, nil
}

// scale5 and scale6 widen 5- and 6-bit fields as PIL's unpackers do: v*255/max, truncated.
func scale5(v uint16) uint8 { return uint8(uint32(v&31) * 255 / 31) }
func scale6(v uint16) uint8 { return uint8(uint32(v&63) * 255 / 63) }

func unpackRow(dst, src []uint8, h Header) {
	w := h.W
	switch {
	case h.Mode == ModeP || h.Mode == ModeL:
		switch h.bits {
		case 1:
			for x := range w {
				v := src[x>>3] >> (7 - uint(x&7)) & 1
				if h.Bilevel {
					v *= 255
				}
				dst[x] = v
			}
		case 4:
			for x := range w {
				dst[x] = src[x>>1] >> (4 * uint(1-x&1)) & 15
			}
		default:
			copy(dst, src[:w])
		}
	case h.layout == "BGR;15" || h.layout == "BGR;16":
		for x := range w {
			p := binary.LittleEndian.Uint16(src[2*x:])
			d := dst[3*x : 3*x+3]
			if h.layout == "BGR;15" {
				d[0], d[1], d[2] = scale5(p>>10), scale5(p>>5), scale5(p)
			} else {
				d[0], d[1], d[2] = scale5(p>>11), scale6(p>>5), scale5(p)
			}
		}
	case h.layout == "BGR":
		for x := range w {
			s := src[3*x : 3*x+3]
			dst[3*x], dst[3*x+1], dst[3*x+2] = s[2], s[1], s[0]
		}
	default: // 32-bit: the layout names the bytes in memory order
		r, g, b, a := strings4(h.layout)
		c := h.Mode.Channels()
		for x := range w {
			s := src[4*x : 4*x+4]
			d := dst[c*x : c*x+c]
			d[0], d[1], d[2] = s[r], s[g], s[b]
			if c == 4 {
				d[3] = s[a]
			}
		}
	}
}

// strings4 returns the byte positions of R, G, B and A in a 4-letter layout.
func strings4(layout string) (r, g, b, a int) {
	for i := range 4 {
		switch layout[i] {
		case 'R':
			r = i
		case 'G':
			g = i
		case 'B':
			b = i
		case 'A':
			a = i
		}
	}
	return r, g, b, a
}

// decodeRLE is PIL's BmpRleDecoder: it fills a linear buffer of W*H indices (zero where
// the stream skips or ends early) and lays its rows out bottom-up unless topDown.
func decodeRLE(img Image, data []byte, pos int, rle4, topDown bool) {
	w, total := img.W, img.W*img.H
	buf := make([]uint8, 0, total)
	x := 0
	for len(buf) < total && pos+2 <= len(data) {
		n, b := int(data[pos]), data[pos+1]
		pos += 2
		if n > 0 { // encoded run
			if x+n > w {
				n = max(0, w-x)
			}
			for i := range n {
				v := b
				if rle4 {
					v = b >> 4
					if i%2 == 1 {
						v = b & 15
					}
				}
				buf = append(buf, v)
			}
			x += n
			continue
		}
		switch b {
		case 0: // end of line
			for len(buf)%w != 0 {
				buf = append(buf, 0)
			}
			x = 0
		case 1: // end of bitmap
			pos = len(data)
		case 2: // delta
			if pos+2 > len(data) {
				pos = len(data)
				break
			}
			right, up := int(data[pos]), int(data[pos+1])
			pos += 2
			for range min(total-len(buf), right+up*w) {
				buf = append(buf, 0)
			}
			x = len(buf) % w
		default: // absolute run of b pixels
			count := min(total-len(buf), int(b))
			byteCount := count
			if rle4 {
				byteCount = (count + 1) / 2
			}
			got := data[pos:min(pos+byteCount, len(data))]
			pos += len(got)
			if rle4 {
				for i, v := range got {
					buf = append(buf, v>>4)
					if i*2+1 < count {
						buf = append(buf, v&15)
					}
				}
			} else {
				buf = append(buf, got...)
			}
			if len(got) < byteCount || len(buf) == total {
				pos = len(data)
				break
			}
			x += int(b)
			if pos%2 != 0 { // runs are padded to 16 bits, counted from the file's start
				pos++
			}
		}
	}
	buf = buf[:min(len(buf), total)]
	for i := 0; i*w < len(buf); i++ {
		row := buf[i*w : min((i+1)*w, len(buf))]
		y := img.H - 1 - i
		if topDown {
			y = i
		}
		copy(img.Pix[y*w:], row)
	}
}
