package vision

import (
	"github.com/sluicedata/sluice/data/transform/vision/internal/gifdec"
)

// decodeGIF decodes a GIF's first frame on its canvas with gifdec (PIL's canvas and
// transparency rules) and converts it as PIL's convert does: RGB looks every index up in
// the palette, the transparent one included; RGBA makes the transparent index's pixels
// alpha 0. Native mode is L for a file without a palette (as PIL), RGBA for one with a
// transparent index (PIL leaves the indices) and RGB otherwise.
func decodeGIF(data []byte, opts DecodeOptions) (Image, error) {
	w, h, err := gifdec.DecodeConfig(data)
	if err != nil {
		return Image{}, err
	}
	if err := checkSize(w, h, opts.MaxPixels); err != nil {
		return Image{}, err
	}
	m, err := gifdec.Decode(data, 0)
	if err != nil {
		return Image{}, err
	}
	mode := opts.Mode
	if mode == ModeNative {
		switch {
		case m.Palette == nil:
			mode = ModeL // PIL's mode L keeps a transparent level in info only
		case m.Transparent >= 0:
			mode = ModeRGBA
		default:
			mode = ModeRGB
		}
	}
	var lut [256][4]uint8
	for i := range lut {
		v := uint8(i)
		if m.Palette == nil {
			lut[i] = [4]uint8{v, v, v, 255}
		} else if i < len(m.Palette) {
			p := m.Palette[i]
			lut[i] = [4]uint8{p[0], p[1], p[2], 255}
		} else {
			lut[i] = [4]uint8{0, 0, 0, 255}
		}
		if mode == ModeL && m.Palette != nil {
			lut[i][0] = luma(lut[i][0], lut[i][1], lut[i][2])
		}
	}
	if m.Transparent >= 0 && m.Transparent < 256 {
		lut[m.Transparent][3] = 0
	}
	c := mode.Channels()
	return decodeThenResize(opts.Dst, m.H, m.W, c, opts.H, opts.W, func(buf []uint8) error {
		for i, v := range m.Pix {
			copy(buf[i*c:i*c+c], lut[v][:c])
		}
		return nil
	})
}
