package vision

// Orient returns img transformed by an EXIF/TIFF orientation (1 to 8), the transform PIL's
// ImageOps.exif_transpose applies: 2 mirrors left to right, 3 rotates by 180 degrees, 4
// mirrors top to bottom, 5 transposes, 6 rotates 90 degrees clockwise, 7 transverses and
// 8 rotates 90 degrees counter-clockwise. Orientation 1 and unknown values return img
// itself. The result is in a new buffer; it works on any channel count and depth.
func Orient(img Image, orientation int) Image {
	if orientation < 2 || orientation > 8 || img.H <= 0 || img.W <= 0 {
		return img
	}
	px := img.C
	if img.Depth == 16 {
		px *= 2
	}
	w, h := img.W, img.H
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := Image{H: oh, W: ow, C: img.C, Depth: img.Depth, Pix: make([]uint8, len(img.Pix))}
	for y := range oh {
		for x := range ow {
			var sx, sy int
			switch orientation {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			copy(out.Pix[(y*ow+x)*px:][:px], img.Pix[(sy*w+sx)*px:][:px])
		}
	}
	return out
}
