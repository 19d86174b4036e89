package vision

// Both JPEG decoders (libjpeg-turbo with the libjpeg tag, and the pure-Go jpegdec) can
// scale down by 1/2, 1/4 or 1/8 inside the inverse DCT, skipping most of the IDCT and
// colour work on large photos; dctScale is the one rule for when they do.

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
