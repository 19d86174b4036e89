package vision

import (
	"image"
	"image/color"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
)

// decodeJPEGGo decodes a JPEG with the pure-Go decoder of package jpegdec (about 1.7x
// image/jpeg's speed, with libjpeg's IDCT, upsampling and colour rounding, so its pixels
// are libjpeg-turbo's), DCT-scaled by 1/2, 1/4 or 1/8 as opts.ReducingGap allows, as
// decodeLibjpeg is, then resized exactly with ResizeTo. It returns an error wrapping
// jpegdec.ErrUnsupported for the JPEGs that package leaves to image/jpeg (CMYK, RGB-coded,
// 12-bit, arithmetic-coded, 4:4:0 and 4:1:1 subsampling).
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
	last := opts.H == 0 || (opts.H == h && opts.W == w) // the decode is the result
	jo := jpegdec.Options{Channels: channels, MaxPixels: opts.MaxPixels}
	if last && mode != ModeRGBA {
		jo.Dst = opts.Dst
	} else {
		jo.Dst = getScratch(h * w * channels)
		defer putScratch(jo.Dst)
	}
	dec, err := jpegdec.DecodeScaled(data, denom, jo)
	if err != nil {
		return Image{}, err
	}
	img := Image{H: dec.H, W: dec.W, C: dec.C, Pix: dec.Pix}
	if !last {
		dst := opts.Dst
		if mode == ModeRGBA {
			dst = getScratch(opts.H * opts.W * 3)
			defer putScratch(dst)
		}
		if img, err = ResizeTo(dst, img, opts.H, opts.W, Bilinear); err != nil {
			return Image{}, err
		}
	}
	if mode == ModeRGBA {
		out := Image{H: img.H, W: img.W, C: 4, Pix: buffer(opts.Dst, img.H*img.W*4)}
		for i := range img.H * img.W {
			out.Pix[i*4], out.Pix[i*4+1], out.Pix[i*4+2], out.Pix[i*4+3] = img.Pix[i*3], img.Pix[i*3+1], img.Pix[i*3+2], 255
		}
		return out, nil
	}
	return img, nil
}
