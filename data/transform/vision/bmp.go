package vision

import (
	"errors"

	"github.com/sluicedata/sluice/data/transform/vision/internal/bmpdec"
)

// decodeBMP decodes a BMP with bmpdec (PIL's reading of every header and compression
// variant), converts to opts.Mode as PIL's convert does and resizes when asked. Native mode
// is L for gray and black-and-white files, RGBA for the 32-bit layouts PIL reads with alpha,
// and RGB otherwise (palette files expanded).
func decodeBMP(data []byte, opts DecodeOptions) (Image, error) {
	hdr, err := bmpdec.DecodeHeader(data)
	if err != nil {
		return Image{}, err
	}
	if err := checkSize(hdr.W, hdr.H, opts.MaxPixels); err != nil {
		return Image{}, err
	}
	m, err := bmpdec.Decode(data, 0)
	if err != nil {
		return Image{}, err
	}
	var src Image
	switch m.Mode {
	case bmpdec.ModeP:
		src = expandPalette(m.Pix, m.W, m.H, m.Palette)
	default:
		src = Image{H: m.H, W: m.W, C: m.Mode.Channels(), Pix: m.Pix}
	}
	return convertResize(src, opts)
}

// expandPalette maps palette indices to RGB; indices past the palette are black, as in PIL.
func expandPalette(idx []uint8, w, h int, pal [][3]uint8) Image {
	var lut [256][3]uint8
	copy(lut[:], pal)
	out := Image{H: h, W: w, C: 3, Pix: make([]uint8, w*h*3)}
	for i, v := range idx {
		copy(out.Pix[i*3:i*3+3], lut[v][:])
	}
	return out
}

// convertResize converts a decoded 8-bit image (1 to 4 channels) to opts.Mode (native keeps
// it) and resizes it to opts.H x opts.W when asked, into opts.Dst when it is large enough.
func convertResize(src Image, opts DecodeOptions) (Image, error) {
	c := opts.Mode.Channels()
	if opts.Mode == ModeNative {
		c = src.C
	}
	return convertResizeTo(src, c, opts)
}

// convertResizeTo is convertResize to c channels.
func convertResizeTo(src Image, c int, opts DecodeOptions) (Image, error) {
	if c == 2 && opts.H > 0 {
		return Image{}, errors.New("resizing gray+alpha images is not supported: decode at native size or in L, RGB or RGBA")
	}
	return decodeThenResize(opts.Dst, src.H, src.W, c, opts.H, opts.W, func(buf []uint8) error {
		if c == src.C {
			copy(buf, src.Pix)
			return nil
		}
		convertChannels(Image{H: src.H, W: src.W, C: c, Pix: buf}, src)
		return nil
	})
}
