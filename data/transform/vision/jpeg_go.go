package vision

import (
	"fmt"
	"image"
	"image/color"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
)

// decodeJPEGGo decodes a JPEG with the pure-Go decoder of package jpegdec (with libjpeg's
// IDCT, upsampling and colour rounding and PIL's CMYK conversion, so its pixels are PIL's),
// DCT-scaled by 1/2, 1/4 or 1/8 as opts.ReducingGap allows, as decodeLibjpeg is, then
// resized exactly with ResizeTo. It returns an error wrapping jpegdec.ErrUnsupported for
// the JPEGs that package leaves to image/jpeg (12-bit, arithmetic-coded, lossless, or
// sampled at non-integral fractions).
func decodeJPEGGo(data []byte, cfg image.Config, opts DecodeOptions) (Image, error) {
	mode := opts.Mode
	if mode == ModeNative {
		mode = ModeRGB
		if cfg.ColorModel == color.GrayModel {
			mode = ModeL
		}
	}
	channels := 3 // RGBA is decoded as RGB and given an opaque alpha channel at the end
	if mode == ModeL {
		channels = 1
	}
	denom := dctScale(cfg.Height, cfg.Width, opts.H, opts.W, opts.ReducingGap)
	w, h := jpegdec.ScaledSize(cfg.Width, cfg.Height, denom)
	dst := opts.Dst
	if mode == ModeRGBA {
		oh, ow := h, w
		if opts.H > 0 {
			oh, ow = opts.H, opts.W
		}
		dst = getScratch(oh * ow * 3)
		defer putScratch(dst)
	}
	img, err := decodeThenResize(dst, h, w, channels, opts.H, opts.W, func(buf []uint8) error {
		dec, err := jpegdec.DecodeScaled(data, denom, jpegdec.Options{Channels: channels, MaxPixels: opts.MaxPixels, Dst: buf})
		if err == nil && (dec.H != h || dec.W != w) {
			err = fmt.Errorf("frame header says %dx%d at 1/%d, the decoder gave %dx%d", w, h, denom, dec.W, dec.H)
		}
		return err
	})
	if err != nil || mode != ModeRGBA {
		return img, err
	}
	out := Image{H: img.H, W: img.W, C: 4, Pix: buffer(opts.Dst, img.H*img.W*4)}
	for i := range img.H * img.W {
		out.Pix[i*4], out.Pix[i*4+1], out.Pix[i*4+2], out.Pix[i*4+3] = img.Pix[i*3], img.Pix[i*3+1], img.Pix[i*3+2], 255
	}
	return out, nil
}
