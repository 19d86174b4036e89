package jpegdec

// Upsampling and colour conversion, copied from the vision package's convertYCbCr (which
// works on image.YCbCr planes) and adapted to the decoder's planes: libjpeg-turbo's
// h2v1/h2v2 "fancy" upsampling (jdsample.c) and its ycc_rgb_convert (jdcolor.c) integer
// arithmetic.

// writeOutput converts the decoded planes into img.Pix, cropping the block padding.
func (d *decoder) writeOutput(img Image) {
	w, h, c := img.W, img.H, img.C
	cs := d.colorSpace()
	y0, ys := d.planes[0], d.strides[0]
	if cs == colorGray || (c == 1 && d.firstComponent) {
		for y := 0; y < h; y++ {
			src := y0[y*ys : y*ys+w]
			row := img.Pix[y*w*c : (y+1)*w*c]
			if c == 1 {
				copy(row, src)
				continue
			}
			row = row[:len(src)*3]
			for x, v := range src {
				p := row[x*3 : x*3+3 : x*3+3]
				p[0], p[1], p[2] = v, v, v
			}
		}
		return
	}
	yc, cb, cr := d.comp[0], d.comp[1], d.comp[2]
	if cs != colorYCbCr || cb.h != 1 || cb.v != 1 || cr.h != 1 || cr.v != 1 || yc.v > yc.h || yc.h > 2 {
		d.writeGeneric(img, cs)
		return
	}
	// YCbCr with 4:4:4, 4:2:2 or 4:2:0 chroma, upsampled and converted in one pass.
	// libjpeg upsamples by the ratio left after IDCT scaling, with the fancy filter unless
	// the IDCT output is 1x1 or the chroma is at most 2 samples wide.
	cstride := d.strides[1]
	uh := d.hmax * d.bs[0] / (d.comp[1].h * d.bs[1])
	uv := d.vmax * d.bs[0] / (d.comp[1].v * d.bs[1])
	cw, ch := d.dw[1], d.dh[1]
	fancy := d.bs[0] > 1 && cw > 2
	d.rowBuf = grow(d.rowBuf, 4*cw+3*w)
	cbRow, crRow, rgbRow := d.rowBuf[:2*cw], d.rowBuf[2*cw:4*cw], d.rowBuf[4*cw:4*cw+3*w]
	chromaRow := func(plane []byte, r int) []byte {
		r = min(max(r, 0), ch-1) // libjpeg replicates the edge rows
		return plane[r*cstride : r*cstride+cw]
	}
	cbP, crP := d.planes[1], d.planes[2]
	for y := 0; y < h; y++ {
		yrow := y0[y*ys : y*ys+w]
		out := rgbRow // L is PIL's convert("L") of the RGB (not the Y plane, which differs by rounding)
		if c == 3 {
			out = img.Pix[y*w*3 : (y+1)*w*3]
		}
		switch {
		case uh == 1 && uv == 1:
			yccRowFast(out, yrow, chromaRow(cbP, y), chromaRow(crP, y))
		case useAVX2 && uh == 2 && uv == 2 && fancy:
			// Upsample each chroma row, then convert with the AVX2 kernel.
			r := y / 2
			nb := r - 1
			if y%2 == 1 {
				nb = r + 1
			}
			fancyH2V2Fast(cbRow, chromaRow(cbP, r), chromaRow(cbP, nb))
			fancyH2V2Fast(crRow, chromaRow(crP, r), chromaRow(crP, nb))
			yccRowFast(out, yrow, cbRow, crRow)
		case useAVX2 && uh == 2 && uv == 1 && fancy:
			fancyH2V1Fast(cbRow, chromaRow(cbP, y))
			fancyH2V1Fast(crRow, chromaRow(crP, y))
			yccRowFast(out, yrow, cbRow, crRow)
		case uh == 2 && uv == 2 && fancy:
			r := y / 2
			nb := r - 1 // the upper output row of a pair blends with the row above
			if y%2 == 1 {
				nb = r + 1
			}
			yccRowH2V2(out, yrow, chromaRow(cbP, r), chromaRow(cbP, nb), chromaRow(crP, r), chromaRow(crP, nb))
		case uh == 2 && uv == 1 && fancy:
			yccRowH2V1(out, yrow, chromaRow(cbP, y), chromaRow(crP, y))
		default: // uh == 2, uv in {1, 2}, no fancy filter: repeat samples
			replicate2(cbRow, chromaRow(cbP, y/uv))
			replicate2(crRow, chromaRow(crP, y/uv))
			yccRow(out, yrow, cbRow, crRow)
		}
		if c == 1 {
			lumaRow(img.Pix[y*w:(y+1)*w], out)
		}
	}
}

// lumaRow is PIL's rgb2l on a row: ITU-R 601-2 weights in 16.16 fixed point, rounded.
func lumaRow(out, rgb []byte) {
	rgb = rgb[:3*len(out)]
	for x := range out {
		p := rgb[3*x : 3*x+3 : 3*x+3]
		out[x] = uint8((uint32(p[0])*19595 + uint32(p[1])*38470 + uint32(p[2])*7471 + 0x8000) >> 16)
	}
}

// writeGeneric is writeOutput for the frames without a fused path: RGB-coded, CMYK and
// YCCK JPEGs, and YCbCr with other subsampling. It upsamples each component's row to the
// full width as libjpeg-turbo does (jdsample.c: fancy h2v1 and h2v2 where libjpeg uses them,
// repeated samples otherwise), converts as libjpeg does to RGB or CMYK (ycck_cmyk_convert
// for YCCK), and then CMYK to RGB as PIL does: PIL reads Adobe CMYK inverted ("CMYK;I")
// and converts with cmyk2rgb (libImaging/Convert.c), R = K - K*(255-C)/255 rounded by
// MULDIV255. L is PIL's rgb2l of that RGB.
func (d *decoder) writeGeneric(img Image, cs int) {
	w, h, c := img.W, img.H, img.C
	minBS := 8 / d.denom
	fancy := minBS > 1
	var rows [maxComponents][]byte
	// An upsampled row is at most 4 (the largest sampling factor) times the component's.
	n := 0
	for i := 0; i < d.nComp; i++ {
		n += 4*d.dw[i] + w
	}
	d.rowBuf = grow(d.rowBuf, n)
	bufs := d.rowBuf
	var buf [maxComponents][]byte
	for i := 0; i < d.nComp; i++ {
		k := 4*d.dw[i] + w
		buf[i], bufs = bufs[:k], bufs[k:]
	}
	for y := 0; y < h; y++ {
		for i := 0; i < d.nComp; i++ {
			rows[i] = d.upsampledRow(i, y, buf[i], fancy)[:w]
		}
		out := img.Pix[y*w*c : (y+1)*w*c]
		for x := 0; x < w; x++ {
			var r, g, b int32
			switch cs {
			case colorRGB:
				r, g, b = int32(rows[0][x]), int32(rows[1][x]), int32(rows[2][x])
			case colorYCbCr:
				r, g, b = yccTerms(rows[0][x], rows[1][x], rows[2][x])
				r, g, b = clamp8(r), clamp8(g), clamp8(b)
			default:
				cc, mm, yy, k := int32(rows[0][x]), int32(rows[1][x]), int32(rows[2][x]), int32(rows[3][x])
				if cs == colorYCCK {
					r, g, b := yccTerms(rows[0][x], rows[1][x], rows[2][x])
					cc, mm, yy = clamp8(255-r), clamp8(255-g), clamp8(255-b)
				}
				r, g, b = k-mulDiv255(255-cc, k), k-mulDiv255(255-mm, k), k-mulDiv255(255-yy, k)
			}
			if c == 1 {
				out[x] = uint8((r*19595 + g*38470 + b*7471 + 0x8000) >> 16)
				continue
			}
			p := out[3*x : 3*x+3 : 3*x+3]
			p[0], p[1], p[2] = uint8(r), uint8(g), uint8(b)
		}
	}
}

// upsampledRow returns output row y of component i at the full width (at least the
// image width), upsampled into buf when the component is subsampled.
func (d *decoder) upsampledRow(i, y int, buf []byte, fancy bool) []byte {
	minBS := 8 / d.denom
	uh := d.hmax * minBS / (d.comp[i].h * d.bs[i])
	uv := d.vmax * minBS / (d.comp[i].v * d.bs[i])
	plane, stride, cw, ch := d.planes[i], d.strides[i], d.dw[i], d.dh[i]
	row := func(r int) []byte {
		r = min(max(r, 0), ch-1) // libjpeg replicates the edge rows
		return plane[r*stride : r*stride+cw]
	}
	switch {
	case uh == 1 && uv == 1:
		return row(y)
	case uh == 2 && uv == 1 && fancy && cw > 2:
		fancyH2V1(buf, row(y))
	case uh == 2 && uv == 2 && fancy && cw > 2:
		r, nb := y/2, y/2-1
		if y%2 == 1 {
			nb = y/2 + 1
		}
		fancyH2V2(buf, row(r), row(nb))
	case uh == 1 && uv == 2 && fancy:
		// h1v2_fancy_upsample (4:4:0, as a lossless rotation of 4:2:2 makes): 3:1
		// vertically, rounding up for the lower row of a pair.
		r, nb, bias := y/2, y/2-1, 1
		if y%2 == 1 {
			nb, bias = y/2+1, 2
		}
		near, far := row(r), row(nb)
		out := buf[:cw]
		for x := range out {
			out[x] = uint8((int(near[x])*3 + int(far[x]) + bias) >> 2)
		}
	case uh == 1:
		return row(y / uv) // int_upsample, vertically only
	default: // int_upsample: each sample uh times, each row uv times
		replicateN(buf, row(y/uv), uh)
	}
	return buf
}

// replicateN is libjpeg's int_upsample across one row: each sample k times.
func replicateN(out, in []byte, k int) {
	if k == 2 {
		replicate2(out, in)
		return
	}
	out = out[:k*len(in)]
	for i, v := range in {
		for j := range k {
			out[i*k+j] = v
		}
	}
}

// The row-at-a-time fancy upsamplers: writeGeneric uses them, and the tests hold the fused
// ones (yccRowH2V1, yccRowH2V2) to them.

// fancyH2V2 is libjpeg's h2v2_fancy_upsample for one output row: near is the chroma row
// this output row falls in, far the adjacent one (weights 3:1 vertically, then 3:1
// horizontally, with libjpeg's alternating rounding). It needs len(near) > 2.
func fancyH2V2(out, near, far []uint8) {
	n := len(near)
	far = far[:n]
	out = out[:2*n]
	this, next := int(near[0])*3+int(far[0]), int(near[1])*3+int(far[1])
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = int(near[i+1])*3 + int(far[i+1])
		out[2*i] = uint8((this*3 + last + 8) >> 4)
		out[2*i+1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}

// fancyH2V1 is libjpeg's h2v1_fancy_upsample (horizontal 3:1 triangle); len(in) > 2.
func fancyH2V1(out, in []uint8) {
	n := len(in)
	out = out[:2*n]
	out[0] = in[0]
	out[1] = uint8((int(in[0])*3 + int(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := int(in[i]) * 3
		out[2*i] = uint8((v + int(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((int(in[n-1])*3 + int(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// fancyH2V2Fast is fancyH2V2 with the AVX2 kernel for the interior samples, in groups of
// 16, where the build and CPU have it; the edges (which repeat the end samples) stay in
// Go. It needs len(near) > 2.
func fancyH2V2Fast(out, near, far []byte) {
	n := len(near)
	m := 0
	if useAVX2 && n >= 18 {
		m = (n - 2) &^ 15 // samples 1..m, which have both neighbours
		_, _ = out[2*m+1], far[m+1]
		upH2V2AVX2(&out[2], &near[1], &far[1], m)
	}
	if m == 0 {
		fancyH2V2(out, near, far)
		return
	}
	t := func(i int) int { return int(near[i])*3 + int(far[i]) }
	pair := func(i int) {
		c := t(i) * 3
		out[2*i] = uint8((c + t(max(i-1, 0)) + 8) >> 4)
		out[2*i+1] = uint8((c + t(min(i+1, n-1)) + 7) >> 4)
	}
	pair(0)
	for i := m + 1; i < n; i++ {
		pair(i)
	}
}

// fancyH2V1Fast is fancyH2V1 with the AVX2 kernel for the interior samples, as
// fancyH2V2Fast. It needs len(in) > 2.
func fancyH2V1Fast(out, in []byte) {
	n := len(in)
	if !useAVX2 || n < 18 {
		fancyH2V1(out, in)
		return
	}
	m := (n - 2) &^ 15
	_ = out[2*m+1]
	upH2V1AVX2(&out[2], &in[1], m)
	pair := func(i int) {
		c := int(in[i]) * 3
		out[2*i] = uint8((c + int(in[max(i-1, 0)]) + 1) >> 2)
		out[2*i+1] = uint8((c + int(in[min(i+1, n-1)]) + 2) >> 2)
	}
	pair(0)
	for i := m + 1; i < n; i++ {
		pair(i)
	}
}

// yccTerms is libjpeg's ycc_rgb_convert before the clamp.
func yccTerms(y, cb, cr uint8) (r, g, b int32) {
	crT, cbT := crTab[cr], cbTab[cb]
	yi := int32(y)
	return yi + int32(uint32(crT)) - tabLowBias, yi + int32((crT+cbT)>>48) - tabHighBias, yi + int32(uint32(cbT)) - tabLowBias
}

func clamp8(v int32) int32 { return min(max(v, 0), 255) }

// mulDiv255 is PIL's MULDIV255: a*b/255 rounded, for a and b in [0, 255].
func mulDiv255(a, b int32) int32 {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

// ycc converts one pixel with libjpeg's ycc_rgb_convert arithmetic, by table: crTab and
// cbTab each give two terms in one load (see their definition).
func ycc(p *[3]byte, y, cb, cr uint8) {
	crT, cbT := crTab[cr], cbTab[cb]
	yi := int32(y) + clampOffset
	p[0] = clampTab[(yi+int32(uint32(crT))-tabLowBias)&1023]
	p[1] = clampTab[(yi+int32((crT+cbT)>>48)-tabHighBias)&1023]
	p[2] = clampTab[(yi+int32(uint32(cbT))-tabLowBias)&1023]
}

// yccRowFast is yccRow with the AVX2 kernel for whole groups of 16 pixels, where the
// build and CPU have it.
func yccRowFast(out, y, cb, cr []byte) {
	m := 0
	if useAVX2 && len(y) >= 16 {
		m = len(y) &^ 15
		_, _, _ = out[3*m-1], cb[m-1], cr[m-1]
		yccRGBAVX2(&out[0], &y[0], &cb[0], &cr[0], m)
	}
	yccRow(out[3*m:], y[m:], cb[m:], cr[m:])
}

// yccRow converts one row of full-resolution YCbCr to RGB.
func yccRow(out, y, cb, cr []byte) {
	cb, cr = cb[:len(y)], cr[:len(y)]
	out = out[:3*len(y)]
	for x, yv := range y {
		ycc((*[3]byte)(out[3*x:]), yv, cb[x], cr[x])
	}
}

// yccRowH2V2 converts one output row of 4:2:0 YCbCr to RGB with libjpeg's
// h2v2_fancy_upsample on the fly: near is the chroma row the output row falls in, far the
// adjacent one. Column sums t = 3*near+far are blended 3:1 with the left neighbour for the
// even pixel ((3t+tl+8)>>4) and with the right one for the odd pixel ((3t+tr+7)>>4),
// repeating the edge columns, which gives libjpeg's edge cases exactly. It needs the
// chroma rows at least 2 samples long and len(y) in (2*len(near)-2, 2*len(near)].
func yccRowH2V2(out, y, cbNear, cbFar, crNear, crFar []byte) {
	n := len(cbNear)
	cbFar, crNear, crFar = cbFar[:n], crNear[:n], crFar[:n]
	out = out[:3*len(y)]
	cbPrev := int32(cbNear[0])*3 + int32(cbFar[0])
	crPrev := int32(crNear[0])*3 + int32(crFar[0])
	cbCur, crCur := cbPrev, crPrev
	for i := 1; i < n; i++ {
		cbNext := int32(cbNear[i])*3 + int32(cbFar[i])
		crNext := int32(crNear[i])*3 + int32(crFar[i])
		cb3, cr3 := cbCur*3, crCur*3
		j := 2 * (i - 1)
		yy := y[j : j+2 : j+2]
		p := out[3*j : 3*j+6 : 3*j+6]
		ycc((*[3]byte)(p[0:3]), yy[0], uint8((cb3+cbPrev+8)>>4), uint8((cr3+crPrev+8)>>4))
		ycc((*[3]byte)(p[3:6]), yy[1], uint8((cb3+cbNext+7)>>4), uint8((cr3+crNext+7)>>4))
		cbPrev, cbCur, crPrev, crCur = cbCur, cbNext, crCur, crNext
	}
	j := 2 * (n - 1)
	cb3, cr3 := cbCur*3, crCur*3
	ycc((*[3]byte)(out[3*j:]), y[j], uint8((cb3+cbPrev+8)>>4), uint8((cr3+crPrev+8)>>4))
	if j+1 < len(y) {
		ycc((*[3]byte)(out[3*j+3:]), y[j+1], uint8((cb3+cbCur+7)>>4), uint8((cr3+crCur+7)>>4))
	}
}

// yccRowH2V1 is yccRowH2V2 for 4:2:2, with libjpeg's h2v1_fancy_upsample:
// (3c+cl+1)>>2 for the even pixel and (3c+cr+2)>>2 for the odd one.
func yccRowH2V1(out, y, cb, cr []byte) {
	n := len(cb)
	cr = cr[:n]
	out = out[:3*len(y)]
	cbPrev, crPrev := int32(cb[0]), int32(cr[0])
	cbCur, crCur := cbPrev, crPrev
	for i := 1; i < n; i++ {
		cbNext, crNext := int32(cb[i]), int32(cr[i])
		cb3, cr3 := cbCur*3, crCur*3
		j := 2 * (i - 1)
		yy := y[j : j+2 : j+2]
		p := out[3*j : 3*j+6 : 3*j+6]
		ycc((*[3]byte)(p[0:3]), yy[0], uint8((cb3+cbPrev+1)>>2), uint8((cr3+crPrev+1)>>2))
		ycc((*[3]byte)(p[3:6]), yy[1], uint8((cb3+cbNext+2)>>2), uint8((cr3+crNext+2)>>2))
		cbPrev, cbCur, crPrev, crCur = cbCur, cbNext, crCur, crNext
	}
	j := 2 * (n - 1)
	cb3, cr3 := cbCur*3, crCur*3
	ycc((*[3]byte)(out[3*j:]), y[j], uint8((cb3+cbPrev+1)>>2), uint8((cr3+crPrev+1)>>2))
	if j+1 < len(y) {
		ycc((*[3]byte)(out[3*j+3:]), y[j+1], uint8((cb3+cbCur+2)>>2), uint8((cr3+crCur+2)>>2))
	}
}

// replicate2 is libjpeg's h2v1_upsample/h2v2_upsample for one row: each sample twice.
func replicate2(out, in []byte) {
	out = out[:2*len(in)]
	for i, v := range in {
		out[2*i], out[2*i+1] = v, v
	}
}

// libjpeg's colour conversion (jdcolor.c build_ycc_rgb_table) packed two terms a table
// entry. The low 32 bits of crTab[cr] hold R's term and those of cbTab[cb] B's, plus
// tabLowBias; the high 32 bits hold G's two 16.16 fixed-point terms plus biases that are
// multiples of 2^16 and keep them positive, so (crTab[cr]+cbTab[cb])>>48 is libjpeg's
// rounded G term plus tabHighBias (the low halves, under 2^11, cannot carry into it).
// clampTab[v+clampOffset] is v clamped to [0, 255] (libjpeg's range_limit).
var (
	crTab, cbTab [256]uint64
	clampTab     [1024]uint8
)

const (
	clampOffset = 384
	tabLowBias  = 512
	tabHighBias = (128<<16 + 64<<16) >> 16
)

func init() {
	for i := range 256 {
		x := int64(i) - 128
		crToR := (91881*x + 1<<15) >> 16
		cbToB := (116130*x + 1<<15) >> 16
		crToG := -46802*x + 128<<16
		cbToG := -22554*x + 1<<15 + 64<<16
		crTab[i] = uint64(crToG)<<32 | uint64(crToR+tabLowBias)
		cbTab[i] = uint64(cbToG)<<32 | uint64(cbToB+tabLowBias)
	}
	for i := range clampTab {
		clampTab[i] = uint8(min(max(i-clampOffset, 0), 255))
	}
}
