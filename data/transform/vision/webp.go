package vision

import (
	"github.com/sluicedata/sluice/data/transform/vision/internal/webpdec"
)

// decodeWebP decodes the first frame of a WebP file with webpdec, which gives libwebp's
// pixels (as PIL reads them), or with libwebp itself in a -tags libwebp build, then
// converts to opts.Mode and resizes when asked. Native mode is RGBA when the file declares
// alpha and RGB otherwise, as in PIL.
func decodeWebP(data []byte, opts DecodeOptions) (Image, error) {
	cfg, err := webpdec.DecodeConfig(data)
	if err != nil {
		return Image{}, err
	}
	if err := checkSize(cfg.W, cfg.H, opts.MaxPixels); err != nil {
		return Image{}, err
	}
	c := 3
	if cfg.Alpha {
		c = 4
	}
	mode := opts.Mode
	if mode == ModeNative {
		mode = ModeOf(c)
	}
	// decode writes the file's c channels into buf: libwebp in a -tags libwebp build for
	// still images (animations need the canvas logic of webpdec), webpdec otherwise.
	decode := func(buf []uint8) error {
		if libwebpAvailable && !opts.PureGo && !cfg.Animated {
			return decodeLibwebp(data, cfg.W, cfg.H, c, buf)
		}
		_, err := webpdec.Decode(data, buf, 0)
		return err
	}
	if mode.Channels() == c {
		return decodeThenResize(opts.Dst, cfg.H, cfg.W, c, opts.H, opts.W, decode)
	}
	scratch := getScratch(cfg.W * cfg.H * c)
	defer putScratch(scratch)
	if err := decode(scratch); err != nil {
		return Image{}, err
	}
	m := Image{H: cfg.H, W: cfg.W, C: c, Pix: scratch[:cfg.W*cfg.H*c]}
	src := m
	return decodeThenResize(opts.Dst, m.H, m.W, mode.Channels(), opts.H, opts.W, func(buf []uint8) error {
		convertChannels(Image{H: m.H, W: m.W, C: mode.Channels(), Pix: buf}, src)
		return nil
	})
}

// convertChannels converts between 8-bit L, LA, RGB and RGBA as PIL's Image.convert does
// for those modes: RGB to L with PIL's luma weights, alpha dropped or made opaque, gray
// replicated.
func convertChannels(dst, src Image) {
	n := dst.H * dst.W
	sc, dc := src.C, dst.C
	for i := range n {
		s := src.Pix[i*sc : i*sc+sc]
		d := dst.Pix[i*dc : i*dc+dc]
		var r, g, b, a uint8
		switch sc {
		case 1:
			r, g, b, a = s[0], s[0], s[0], 255
		case 2:
			r, g, b, a = s[0], s[0], s[0], s[1]
		case 3:
			r, g, b, a = s[0], s[1], s[2], 255
		default:
			r, g, b, a = s[0], s[1], s[2], s[3]
		}
		switch dc {
		case 1:
			if sc <= 2 {
				d[0] = r
			} else {
				d[0] = luma(r, g, b)
			}
		case 2:
			if sc <= 2 {
				d[0] = r
			} else {
				d[0] = luma(r, g, b)
			}
			d[1] = a
		case 3:
			d[0], d[1], d[2] = r, g, b
		default:
			d[0], d[1], d[2], d[3] = r, g, b, a
		}
	}
}
