package vision

// Both JPEG decoders (libjpeg-turbo with the libjpeg tag, and the pure-Go jpegdec) can
// scale down by 1/2, 1/4 or 1/8 inside the inverse DCT, skipping most of the IDCT and
// colour work on large photos; dctScale is the one rule for when they do, and
// decodeThenResize the one way the scaled decode meets the exact resize.

// dctScale returns the largest JPEG DCT scale denominator (8, 4, 2 or 1) whose output
// is still at least gap times h x w (DecodeOptions.ReducingGap; 0 means 1, negative means
// no scaling). Gap 1 is PIL's Image.draft rule; gap 2, PIL's thumbnail default, keeps the
// exact antialiased resize that follows shrinking by 2x or more, closer to a full-size
// decode. On an image with detail at every scale gap 1 measured up to 5 levels off.
func dctScale(srcH, srcW, h, w, gap int) int {
	if h <= 0 || w <= 0 || gap < 0 {
		return 1
	}
	gap = max(gap, 1)
	for _, d := range []int{8, 4, 2} {
		if (srcW+d-1)/d >= gap*w && (srcH+d-1)/d >= gap*h {
			return d
		}
	}
	return 1
}

// decodeThenResize runs decode, a JPEG decode to h x w x c pixels already scaled in the DCT,
// into the buffer it is given, and resizes the result exactly to toH x toW (0 keeps h x w).
// When no resize follows, decode writes straight into dst (or a new buffer when dst is too
// small); otherwise into pooled scratch, and the resize writes into dst.
func decodeThenResize(dst []uint8, h, w, c, toH, toW int, decode func(buf []uint8) error) (Image, error) {
	if toH == 0 || (toH == h && toW == w) {
		img := Image{H: h, W: w, C: c, Pix: buffer(dst, h*w*c)}
		return img, decode(img.Pix)
	}
	scratch := getScratch(h * w * c)
	defer putScratch(scratch)
	if err := decode(scratch); err != nil {
		return Image{}, err
	}
	return ResizeTo(dst, Image{H: h, W: w, C: c, Pix: scratch}, toH, toW, Bilinear)
}
