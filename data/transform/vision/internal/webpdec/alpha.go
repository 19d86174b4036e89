package webpdec

import (
	"bytes"
	"fmt"
	"image"

	"golang.org/x/image/vp8l"
)

// decodeAlpha decodes an ALPH chunk (WebP container spec, "Alpha"): a header byte with the
// compression (0 raw, 1 VP8L without its header, the values in the green channel), the
// prediction filter and pre-processing bits, then the w x h alpha plane. Pre-processing
// (level reduction) needs nothing at decode time unless dithering is asked for, which PIL
// does not do.
func decodeAlpha(b []byte, w, h int) ([]uint8, error) {
	if len(b) < 1 {
		return nil, fmt.Errorf("%w: empty ALPH chunk", ErrFormat)
	}
	compression, filter := b[0]&3, b[0]>>2&3
	var alpha []uint8
	switch compression {
	case 0:
		if len(b)-1 < w*h {
			return nil, fmt.Errorf("%w: ALPH holds %d bytes for %dx%d", ErrFormat, len(b)-1, w, h)
		}
		alpha = append([]uint8(nil), b[1:1+w*h]...)
	case 1:
		if w > 1<<14 || h > 1<<14 {
			return nil, fmt.Errorf("%w: alpha plane %dx%d", ErrFormat, w, h)
		}
		// A VP8L stream whose 5-byte header (signature, 14-bit sizes less one, alpha and
		// version bits) is implied by the frame.
		wm, hm := uint32(w-1), uint32(h-1)
		hdr := []byte{0x2f, uint8(wm), uint8(wm>>8) | uint8(hm<<6), uint8(hm >> 2), uint8(hm >> 10)}
		m, err := vp8l.Decode(bytes.NewReader(append(hdr, b[1:]...)))
		if err != nil {
			return nil, fmt.Errorf("webp: ALPH: %w", err)
		}
		src, ok := m.(*image.NRGBA)
		if !ok || src.Rect.Dx() != w || src.Rect.Dy() != h {
			return nil, fmt.Errorf("%w: ALPH decoded to %v, want %dx%d", ErrFormat, m.Bounds(), w, h)
		}
		alpha = make([]uint8, w*h)
		for y := range h {
			row := src.Pix[y*src.Stride:]
			for x := range w {
				alpha[y*w+x] = row[x*4+1]
			}
		}
	default:
		return nil, fmt.Errorf("%w: ALPH compression %d", ErrFormat, compression)
	}
	unfilter(alpha, w, h, filter)
	return alpha, nil
}

// unfilter undoes the ALPH prediction filter (1 horizontal, 2 vertical, 3 gradient) as
// libwebp's HorizontalUnfilter_C, VerticalUnfilter_C and GradientUnfilter_C do: the first
// row predicts from the left, the first column from above.
func unfilter(a []uint8, w, h int, filter uint8) {
	if filter == 0 {
		return
	}
	for x := 1; x < w; x++ {
		a[x] += a[x-1]
	}
	for y := 1; y < h; y++ {
		row, up := a[y*w:(y+1)*w], a[(y-1)*w:y*w]
		row[0] += up[0]
		switch filter {
		case 1:
			for x := 1; x < w; x++ {
				row[x] += row[x-1]
			}
		case 2:
			for x := 1; x < w; x++ {
				row[x] += up[x]
			}
		case 3:
			for x := 1; x < w; x++ {
				g := int(row[x-1]) + int(up[x]) - int(up[x-1])
				row[x] += uint8(min(max(g, 0), 255))
			}
		}
	}
}
