package vision

// Both JPEG decoders (libjpeg-turbo with the libjpeg tag, and the pure-Go jpegdec) can
// scale down by 1/2, 1/4 or 1/8 inside the inverse DCT, skipping most of the IDCT and
// colour work on large photos; dctScale is the one rule for when they do.

// dctScale returns the largest JPEG DCT scale denominator (8, 4, 2 or 1) whose
// output is still at least gap times h x w. With gap 2 (the default) the exact
// antialiased resize that follows shrinks by 2x or more, which keeps the result within a
// level or two of a full-size decode (PIL's thumbnail drafts with the same gap); gap 1
// is PIL's Image.draft, measured up to 5 levels off on a noisy image.
func dctScale(srcH, srcW, h, w, gap int) int {
	if h <= 0 || w <= 0 {
		return 1
	}
	for _, d := range []int{8, 4, 2} {
		if (srcW+d-1)/d >= gap*w && (srcH+d-1)/d >= gap*h {
			return d
		}
	}
	return 1
}
