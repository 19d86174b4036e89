package webpdec

import "image"

// libwebp's YUV to RGB (src/dsp/yuv.h): 14-bit fixed point after a mulhi by coefficients
// scaled by 2^14, clipped to 8 bits. The three constant offsets fold in the -16 and -128 of
// BT.601's limited range.
const (
	yuvFix2  = 6
	yuvMask2 = 256<<yuvFix2 - 1
)

func mulHi(v, coeff int32) int32 { return v * coeff >> 8 }

func clip8(v int32) uint8 {
	if v&^yuvMask2 == 0 {
		return uint8(v >> yuvFix2)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// The products of yuvToRGB by look-up, offsets folded in: the same integers, about a third
// faster than multiplying per pixel.
var yTab, vR, uG, vG, uB [256]int32

func init() {
	for i := range int32(256) {
		yTab[i] = mulHi(i, 19077)
		vR[i] = mulHi(i, 26149) - 14234
		uG[i] = -mulHi(i, 6419) + 8708
		vG[i] = mulHi(i, 13320)
		uB[i] = mulHi(i, 33050) - 17685
	}
}

// clipTab[(v>>6)+clipOff] is clip8(v) for every sum yuvToRGB forms: VP8Clip8 is the
// clamp of v>>6 to 0..255.
const clipOff = 320 // sums run from -17685 (>>6: -277) to 34237 (534)

var clipTab [1024]uint8

func init() {
	for i := range clipTab {
		clipTab[i] = uint8(min(max(i-clipOff, 0), 255))
	}
}

// yuvToRGB is libwebp's VP8YuvToRgb, by look-up (small enough to be inlined).
func yuvToRGB(y, u, v uint8, p []uint8) {
	_ = p[2]
	yy := yTab[y]
	// The masks are identities on every sum formed here (see clipOff); they let the
	// compiler drop the bounds checks.
	p[2] = clipTab[((yy+uB[u])>>yuvFix2+clipOff)&int32(len(clipTab)-1)]
	p[0] = clipTab[((yy+vR[v])>>yuvFix2+clipOff)&int32(len(clipTab)-1)]
	p[1] = clipTab[((yy+uG[u]-vG[v])>>yuvFix2+clipOff)&int32(len(clipTab)-1)]
}

// upsamplePair is libwebp's UPSAMPLE_FUNC (UpsampleRgbLinePair_C) for one pair of output
// rows: topY lies between chroma rows topU/topV (above) and curU/curV, botY (nil for a
// lone row) below it. Each output pixel's chroma is the 9:3:3:1 bilinear blend of its four
// nearest chroma samples, computed by libwebp's diagonal trick with its exact rounding.
// step is the bytes per output pixel (3 or 4; the 4th byte is left alone).
func upsamplePair(topY, botY, topU, topV, curU, curV []uint8, topDst, botDst []uint8, n, step int) {
	last := (n - 1) >> 1
	tlU, tlV := uint32(topU[0]), uint32(topV[0])
	lU, lV := uint32(curU[0]), uint32(curV[0])
	{
		u0, v0 := (3*tlU+lU+2)>>2, (3*tlV+lV+2)>>2
		yuvToRGB(topY[0], uint8(u0), uint8(v0), topDst)
	}
	if botY != nil {
		u0, v0 := (3*lU+tlU+2)>>2, (3*lV+tlV+2)>>2
		yuvToRGB(botY[0], uint8(u0), uint8(v0), botDst)
	}
	for x := 1; x <= last; x++ {
		tU, tV := uint32(topU[x]), uint32(topV[x])
		cU, cV := uint32(curU[x]), uint32(curV[x])
		avgU := tlU + tU + lU + cU + 8
		avgV := tlV + tV + lV + cV + 8
		d12U, d12V := (avgU+2*(tU+lU))>>3, (avgV+2*(tV+lV))>>3
		d03U, d03V := (avgU+2*(tlU+cU))>>3, (avgV+2*(tlV+cV))>>3
		i0 := (2*x - 1) * step
		ty, td := topY[2*x-1:2*x+1:2*x+1], topDst[i0:i0+2*step:i0+2*step]
		yuvToRGB(ty[0], uint8((d12U+tlU)>>1), uint8((d12V+tlV)>>1), td)
		yuvToRGB(ty[1], uint8((d03U+tU)>>1), uint8((d03V+tV)>>1), td[step:])
		if botY != nil {
			by, bd := botY[2*x-1:2*x+1:2*x+1], botDst[i0:i0+2*step:i0+2*step]
			yuvToRGB(by[0], uint8((d03U+lU)>>1), uint8((d03V+lV)>>1), bd)
			yuvToRGB(by[1], uint8((d12U+cU)>>1), uint8((d12V+cV)>>1), bd[step:])
		}
		tlU, tlV, lU, lV = tU, tV, cU, cV
	}
	if n&1 == 0 {
		i := (n - 1) * step
		yuvToRGB(topY[n-1], uint8((3*tlU+lU+2)>>2), uint8((3*tlV+lV+2)>>2), topDst[i:])
		if botY != nil {
			yuvToRGB(botY[n-1], uint8((3*lU+tlU+2)>>2), uint8((3*lV+tlV+2)>>2), botDst[i:])
		}
	}
}

// fancyRGB converts the 4:2:0 frame m (w x h) into dst (rows stride bytes apart, step
// bytes per pixel) in libwebp's order (src/dec/io_dec.c, EmitFancyRGB): row 0 alone with
// its chroma row mirrored above, then rows 2k-1 and 2k between chroma rows k-1 and k, and
// the last row of an even height alone again.
func fancyRGB(dst []uint8, stride, step int, m *image.YCbCr, w, h int) {
	yRow := func(y int) []uint8 { return m.Y[y*m.YStride : y*m.YStride+w] }
	cw := (w + 1) / 2
	uRow := func(r int) []uint8 { return m.Cb[r*m.CStride : r*m.CStride+cw] }
	vRow := func(r int) []uint8 { return m.Cr[r*m.CStride : r*m.CStride+cw] }
	out := func(y int) []uint8 { return dst[y*stride : y*stride+w*step] }
	upsamplePair(yRow(0), nil, uRow(0), vRow(0), uRow(0), vRow(0), out(0), nil, w, step)
	y := 0
	for ; y+2 < h; y += 2 {
		k := y/2 + 1
		upsamplePair(yRow(y+1), yRow(y+2), uRow(k-1), vRow(k-1), uRow(k), vRow(k), out(y+1), out(y+2), w, step)
	}
	if h&1 == 0 {
		k := (h - 1) / 2
		upsamplePair(yRow(h-1), nil, uRow(k), vRow(k), uRow(k), vRow(k), out(h-1), nil, w, step)
	}
}
