package vision

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// pngHeader reads the IHDR chunk: size, bit depth and colour type (0 gray, 2 RGB, 3
// palette, 4 gray+alpha, 6 RGBA).
func pngHeader(data []byte) (w, h, depth, ctype int, err error) {
	if len(data) < 29 || string(data[1:4]) != "PNG" || string(data[12:16]) != "IHDR" {
		return 0, 0, 0, 0, errors.New("no IHDR chunk")
	}
	return int(binary.BigEndian.Uint32(data[16:])), int(binary.BigEndian.Uint32(data[20:])), int(data[24]), int(data[25]), nil
}

// decodePNG decodes a PNG with image/png and converts it as PIL does. 8-bit modes of most
// files take the generic path; a 16-bit grayscale file is PIL's mode I;16, which PIL's
// convert clamps to 255 (it does not scale), and ModeNative keeps what the file holds:
// channels by colour type (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; a palette expands to RGB,
// or RGBA with a tRNS chunk) at 8 or 16 bits.
func decodePNG(data []byte, opts DecodeOptions) (Image, error) {
	w, h, depth, ctype, err := pngHeader(data)
	if err != nil {
		return Image{}, err
	}
	if err := checkSize(w, h, opts.MaxPixels); err != nil {
		return Image{}, err
	}
	gray16 := depth == 16 && ctype == 0
	if opts.Mode != ModeNative && !gray16 {
		return decodeGo(data, opts, "png")
	}
	src, err := decodeImage(data)
	if err != nil {
		return Image{}, err
	}
	if b := src.Bounds(); b.Dx() != w || b.Dy() != h {
		return Image{}, fmt.Errorf("decoded %v, header says %dx%d", b, w, h)
	}
	c := map[int]int{0: 1, 2: 3, 4: 2, 6: 4}[ctype]
	if ctype == 3 {
		c = ModeRGB.Channels()
		if nativeMode(src) == ModeRGBA {
			c = 4
		}
	}
	if depth == 16 && ctype != 3 {
		if opts.Mode == ModeNative {
			if opts.H > 0 {
				return Image{}, errors.New("resizing 16-bit images is not supported: decode at native size or in an 8-bit mode")
			}
			return samples16(opts.Dst, src, c), nil
		}
		// PIL's I;16 to L, RGB and RGBA: min(v, 255), alpha from tRNS.
		s := samples16(nil, src, 2)
		gray := Image{H: h, W: w, C: 2, Pix: make([]uint8, w*h*2)}
		for i := range w * h {
			gray.Pix[2*i] = uint8(min(binary.LittleEndian.Uint16(s.Pix[4*i:]), 255))
			gray.Pix[2*i+1] = uint8(binary.LittleEndian.Uint16(s.Pix[4*i+2:]) >> 8)
		}
		return convertResize(gray, opts)
	}
	full := Image{H: h, W: w, C: 4, Pix: make([]uint8, w*h*4)}
	convert(full, src)
	return convertResizeTo(full, c, opts)
}

// samples16 returns src's 16-bit samples with c channels (1 gray, 2 gray+alpha, 3 RGB,
// 4 RGBA; gray is taken from red, which image/png replicates), little-endian, not
// premultiplied, in dst when it is large enough.
func samples16(dst []uint8, src image.Image, c int) Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := Image{H: h, W: w, C: c, Depth: 16, Pix: buffer(dst, w*h*c*2)}
	put := func(i int, v uint16) { binary.LittleEndian.PutUint16(out.Pix[2*i:], v) }
	for y := range h {
		for x := range w {
			var r, g, bl, a uint16
			switch s := src.(type) {
			case *image.Gray16:
				v := s.Gray16At(b.Min.X+x, b.Min.Y+y).Y
				r, g, bl, a = v, v, v, 0xffff
			case *image.NRGBA64:
				p := s.NRGBA64At(b.Min.X+x, b.Min.Y+y)
				r, g, bl, a = p.R, p.G, p.B, p.A
			case *image.RGBA64:
				p := s.RGBA64At(b.Min.X+x, b.Min.Y+y) // image/png uses it for opaque files only
				r, g, bl, a = p.R, p.G, p.B, p.A
			default:
				cr, cg, cb, ca := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
				r, g, bl, a = uint16(cr), uint16(cg), uint16(cb), uint16(ca)
			}
			i := (y*w + x) * c
			switch c {
			case 1:
				put(i, r)
			case 2:
				put(i, r)
				put(i+1, a)
			case 3:
				put(i, r)
				put(i+1, g)
				put(i+2, bl)
			default:
				put(i, r)
				put(i+1, g)
				put(i+2, bl)
				put(i+3, a)
			}
		}
	}
	return out
}
