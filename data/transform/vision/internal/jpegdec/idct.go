package jpegdec

// The inverse DCTs here are libjpeg's "accurate integer" ones, which libjpeg-turbo (and so
// PIL) uses by default: jpeg_idct_islow (jidctint.c) for 8x8 output and the reduced-size
// jpeg_idct_4x4, jpeg_idct_2x2 and jpeg_idct_1x1 (jidctred.c) for DCT-domain scaling by
// 1/2, 1/4 and 1/8. They are written from the formulas of the Independent JPEG Group's
// software, with the same constants, rounding and order of operations, so they give the same
// integers. Inputs are dequantized coefficients in natural order; outputs are level-shifted
// and clamped samples written with a row stride.

const (
	constBits = 13
	pass1Bits = 2

	fix0_211164243 = 1730
	fix0_298631336 = 2446
	fix0_390180644 = 3196
	fix0_509795579 = 4176
	fix0_541196100 = 4433
	fix0_601344887 = 4926
	fix0_720959822 = 5906
	fix0_765366865 = 6270
	fix0_850430095 = 6967
	fix0_899976223 = 7373
	fix1_061594337 = 8697
	fix1_175875602 = 9633
	fix1_272758580 = 10426
	fix1_451774981 = 11893
	fix1_501321110 = 12299
	fix1_847759065 = 15137
	fix1_961570560 = 16069
	fix2_053119869 = 16819
	fix2_172734803 = 17799
	fix2_562915447 = 20995
	fix3_072711026 = 25172
	fix3_624509785 = 29692
)

// rangeMask and rangeLimit are libjpeg's post-IDCT range limit table
// (prepare_range_limit_table): rangeLimit[x&rangeMask] is x+128 clamped to [0, 255] for
// any x in [-512, 511], and wraps like libjpeg's for wilder values from corrupt data.
const rangeMask = 1023

var rangeLimit = func() (t [rangeMask + 1]uint8) {
	for i := range t {
		switch {
		case i < 128:
			t[i] = uint8(i + 128)
		case i < 512:
			t[i] = 255
		case i < 896:
			t[i] = 0
		default:
			t[i] = uint8(i - 896)
		}
	}
	return t
}()

// natural is unzig extended to 128 entries the way libjpeg extends jpeg_natural_order:
// a zig-zag index past 63, which only a corrupt run reaches, maps to the last coefficient.
var natural = func() (t [2 * blockSize]uint8) {
	for z := range t {
		t[z] = unzig[min(z, blockSize-1)]
	}
	return t
}()

// zinfo[z] describes zig-zag position z for the block decoder: the natural-order index in
// the low byte, the bit of its column in bits 8-15 (a column with any nonzero coefficient)
// and, unless it is in row 0, again in bits 16-23 (a column with a nonzero AC coefficient
// below the DC row). OR-ing zinfo over a block's nonzero coefficients gives the masks
// idct8 uses to skip zero columns and rows. Entries 64 and up are entry 63 (natural).
var zinfo = func() (t [2 * blockSize]uint32) {
	for z := range t {
		u := uint32(natural[z])
		col := uint32(1) << (u % 8)
		t[z] = u | col<<8
		if u >= 8 {
			t[z] |= col << 16
		}
	}
	return t
}()

// descale is libjpeg's DESCALE: x / 2^n rounded half up.
func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// The 8x8 IDCT follows libjpeg-turbo's SIMD jsimd_idct_islow_avx2 (and _sse2), which PIL
// runs on x86-64, rather than its C jpeg_idct_islow: the same formulas, but dequantized
// coefficients, the pass 1 output and some sums are 16-bit (vpmullw and vpaddw wrap,
// vpackssdw saturates), and the output saturates to [0, 255] where C wraps through its
// range-limit table. On valid data the two agree (libjpeg-turbo's own tests hold them to
// that); they differ on coefficients that overflow 16 bits, which only corrupt data has,
// and there this gives PIL's pixels.

// clampWide[x&clampWideMask] is x+128 saturated to [0, 255] for x in [-4096, 4095], which
// covers idct8Small's outputs (under (2^14 * 7.47) / 32 = 3824 in magnitude): out8 by one
// look-up.
const clampWideMask = 8191

var clampWide = func() (t [clampWideMask + 1]uint8) {
	for i := range t {
		x := int32(i)
		if i > clampWideMask/2 {
			x -= clampWideMask + 1
		}
		t[i] = out8(x)
	}
	return t
}()

// bigBlock is set in a block's mask (see zinfo) when a dequantized coefficient is over
// smallDC (the DC) or smallAC (the others) in magnitude; see idct8Small.
const (
	bigBlock = 1 << 24
	smallDC  = 2048
	smallAC  = 300
)

// wrap16 is x truncated to 16 bits (vpmullw, vpaddw, vpsllw).
func wrap16(x int32) int32 { return int32(int16(x)) }

// sat16 is x saturated to 16 bits (vpackssdw).
func sat16(x int32) int32 { return min(max(x, -32768), 32767) }

// out8 is a pass 2 result level-shifted and saturated to a sample (vpacksswb, vpaddb).
func out8(x int32) uint8 { return uint8(min(max(x, -128), 127) + 128) }

// idctDC8 is the 8x8 IDCT of a block whose AC coefficients are all zero: pass 1 shifts
// the 16-bit DC up (the SIMD code's "AC terms all zero" path) and pass 2 reduces to one
// rounded value.
func idctDC8(dc int32, out []byte, stride int) {
	v := out8((wrap16(wrap16(dc)<<pass1Bits) + 16) >> 5)
	for y := 0; y < 8; y++ {
		row := out[y*stride : y*stride+8 : y*stride+8]
		for x := range row {
			row[x] = v
		}
	}
}

// idct8 is jpeg_idct_islow with the SIMD code's arithmetic (see above). mask is zinfo
// OR-ed over the block's nonzero coefficients: columns without AC coefficients below row
// 0 take pass 1's short cut, and when columns 4-7 (or 1-7) are all zero pass 2 drops
// their terms. Dropped terms are zero, so this is exact.
func idct8(in *block, out []byte, stride int, mask uint32) {
	if useAVX2 {
		_ = out[7*stride+7]
		idct8AVX2(&in[0], &out[0], stride, mask>>16&0xff == 0)
		return
	}
	idct8Go(in, out, stride, mask)
}

// idct8Go is idct8 in Go: idct8Small for small coefficients, the SIMD arithmetic below
// for the others.
func idct8Go(in *block, out []byte, stride int, mask uint32) {
	if mask&bigBlock == 0 {
		idct8Small(in, out, stride, mask)
		return
	}
	var ws [blockSize]int32
	acCols := mask >> 16 & 0xff
	// Pass 1: columns from input into the work array, scaled up by 2^pass1Bits.
	for c := 0; c < 8; c++ {
		if acCols&(1<<c) == 0 {
			// The full formula gives the DC times 4, saturated; the SIMD code's short
			// cut, taken when no column has AC coefficients below row 0, wraps instead.
			dc := sat16(wrap16(in[c]) << pass1Bits)
			if acCols == 0 {
				dc = wrap16(wrap16(in[c]) << pass1Bits)
			}
			ws[c], ws[8+c], ws[16+c], ws[24+c], ws[32+c], ws[40+c], ws[48+c], ws[56+c] = dc, dc, dc, dc, dc, dc, dc, dc
			continue
		}
		col := in[c : c+57 : c+57]
		i0, i1, i2, i3 := wrap16(col[0]), wrap16(col[8]), wrap16(col[16]), wrap16(col[24])
		i4, i5, i6, i7 := wrap16(col[32]), wrap16(col[40]), wrap16(col[48]), wrap16(col[56])
		tmp3 := i2*(fix0_541196100+fix0_765366865) + i6*fix0_541196100
		tmp2 := i2*fix0_541196100 + i6*(fix0_541196100-fix1_847759065)
		tmp0 := wrap16(i0+i4) << constBits
		tmp1 := wrap16(i0-i4) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		z3, z4 := wrap16(i7+i3), wrap16(i5+i1)
		z3, z4 = z3*(fix1_175875602-fix1_961570560)+z4*fix1_175875602, z3*fix1_175875602+z4*(fix1_175875602-fix0_390180644)
		t0 := i7*(fix0_298631336-fix0_899976223) + i1*-fix0_899976223 + z3
		t1 := i5*(fix2_053119869-fix2_562915447) + i3*-fix2_562915447 + z4
		t2 := i5*-fix2_562915447 + i3*(fix3_072711026-fix2_562915447) + z3
		t3 := i7*-fix0_899976223 + i1*(fix1_501321110-fix0_899976223) + z4
		const n, r = constBits - pass1Bits, 1 << (constBits - pass1Bits - 1)
		w := ws[c : c+57 : c+57]
		w[0] = sat16((tmp10 + t3 + r) >> n)
		w[56] = sat16((tmp10 - t3 + r) >> n)
		w[8] = sat16((tmp11 + t2 + r) >> n)
		w[48] = sat16((tmp11 - t2 + r) >> n)
		w[16] = sat16((tmp12 + t1 + r) >> n)
		w[40] = sat16((tmp12 - t1 + r) >> n)
		w[24] = sat16((tmp13 + t0 + r) >> n)
		w[32] = sat16((tmp13 - t0 + r) >> n)
	}
	anyCols := mask >> 8 & 0xff
	switch {
	case anyCols&0xfe == 0:
		// Only column 0: every row of the work array is constant.
		for r := 0; r < 8; r++ {
			v := out8((ws[r*8] + 16) >> 5)
			o := out[r*stride : r*stride+8 : r*stride+8]
			for x := range o {
				o[x] = v
			}
		}
	case anyCols&0xf0 == 0:
		idct8RowsLeft(&ws, out, stride)
	default:
		idct8Rows(&ws, out, stride)
	}
}

// idct8RowsLeft is pass 2 when columns 4-7 are zero.
func idct8RowsLeft(ws *[blockSize]int32, out []byte, stride int) {
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+4 : r*8+4]
		o := out[r*stride : r*stride+8 : r*stride+8]
		// Even part.
		z2 := w[2]
		z1 := z2 * fix0_541196100
		tmp2 := z1
		tmp3 := z1 + z2*fix0_765366865
		tmp0 := w[0] << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp0+tmp2, tmp0-tmp2
		// Odd part, with inputs 7 and 5 zero.
		i1, i3 := w[1], w[3]
		z5 := (i3 + i1) * fix1_175875602
		zz1 := i1 * -fix0_899976223
		zz2 := i3 * -fix2_562915447
		zz3 := i3*-fix1_961570560 + z5
		zz4 := i1*-fix0_390180644 + z5
		t0 := zz1 + zz3
		t1 := zz2 + zz4
		t2 := i3*fix3_072711026 + zz2 + zz3
		t3 := i1*fix1_501321110 + zz1 + zz4
		const n, rd = constBits + pass1Bits + 3, 1 << (constBits + pass1Bits + 3 - 1)
		o[0] = out8((tmp10 + t3 + rd) >> n)
		o[7] = out8((tmp10 - t3 + rd) >> n)
		o[1] = out8((tmp11 + t2 + rd) >> n)
		o[6] = out8((tmp11 - t2 + rd) >> n)
		o[2] = out8((tmp12 + t1 + rd) >> n)
		o[5] = out8((tmp12 - t1 + rd) >> n)
		o[3] = out8((tmp13 + t0 + rd) >> n)
		o[4] = out8((tmp13 - t0 + rd) >> n)
	}
}

// idct8Rows is pass 2: rows of the work array to output samples.
func idct8Rows(ws *[blockSize]int32, out []byte, stride int) {
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := out[r*stride : r*stride+8 : r*stride+8]
		i0, i1, i2, i3, i4, i5, i6, i7 := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]
		// out8 saturates, so the pass needs no sat16 before it.
		tmp3 := i2*(fix0_541196100+fix0_765366865) + i6*fix0_541196100
		tmp2 := i2*fix0_541196100 + i6*(fix0_541196100-fix1_847759065)
		tmp0 := wrap16(i0+i4) << constBits
		tmp1 := wrap16(i0-i4) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		z3, z4 := wrap16(i7+i3), wrap16(i5+i1)
		z3, z4 = z3*(fix1_175875602-fix1_961570560)+z4*fix1_175875602, z3*fix1_175875602+z4*(fix1_175875602-fix0_390180644)
		t0 := i7*(fix0_298631336-fix0_899976223) + i1*-fix0_899976223 + z3
		t1 := i5*(fix2_053119869-fix2_562915447) + i3*-fix2_562915447 + z4
		t2 := i5*-fix2_562915447 + i3*(fix3_072711026-fix2_562915447) + z3
		t3 := i7*-fix0_899976223 + i1*(fix1_501321110-fix0_899976223) + z4
		const n, rd = constBits + pass1Bits + 3, 1 << (constBits + pass1Bits + 3 - 1)
		o[0] = out8((tmp10 + t3 + rd) >> n)
		o[7] = out8((tmp10 - t3 + rd) >> n)
		o[1] = out8((tmp11 + t2 + rd) >> n)
		o[6] = out8((tmp11 - t2 + rd) >> n)
		o[2] = out8((tmp12 + t1 + rd) >> n)
		o[5] = out8((tmp12 - t1 + rd) >> n)
		o[3] = out8((tmp13 + t0 + rd) >> n)
		o[4] = out8((tmp13 - t0 + rd) >> n)
	}
}

// idct8Small is idct8 for a block whose coefficients are small (smallAC and smallDC,
// which decodeBlock checks): then no 16-bit sum wraps or saturates, and the SIMD code's
// arithmetic is plain int32 arithmetic, done here as jpeg_idct_islow's C does, with the
// output saturated (clampWide). Pass 1's outputs stay within 4*(smallDC + 6.47*smallAC) < 2^14, so
// pass 2's 16-bit sums of two cannot wrap either.
func idct8Small(in *block, out []byte, stride int, mask uint32) {
	var ws [blockSize]int32
	acCols := mask >> 16 & 0xff
	// Pass 1: columns from input into the work array, scaled up by 2^pass1Bits.
	for c := 0; c < 8; c++ {
		if acCols&(1<<c) == 0 {
			dc := in[c] << pass1Bits
			ws[c], ws[8+c], ws[16+c], ws[24+c], ws[32+c], ws[40+c], ws[48+c], ws[56+c] = dc, dc, dc, dc, dc, dc, dc, dc
			continue
		}
		col := in[c : c+57 : c+57]
		// Even part.
		z2, z3 := col[16], col[48]
		z1 := (z2 + z3) * fix0_541196100
		tmp2 := z1 + z3*-fix1_847759065
		tmp3 := z1 + z2*fix0_765366865
		z2, z3 = col[0], col[32]
		tmp0 := (z2 + z3) << constBits
		tmp1 := (z2 - z3) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		// Odd part.
		t0, t1, t2, t3 := col[56], col[40], col[24], col[8]
		z1, z2, z3 = t0+t3, t1+t2, t0+t2
		z4 := t1 + t3
		z5 := (z3 + z4) * fix1_175875602
		t0 *= fix0_298631336
		t1 *= fix2_053119869
		t2 *= fix3_072711026
		t3 *= fix1_501321110
		z1 *= -fix0_899976223
		z2 *= -fix2_562915447
		z3 = z3*-fix1_961570560 + z5
		z4 = z4*-fix0_390180644 + z5
		t0 += z1 + z3
		t1 += z2 + z4
		t2 += z2 + z3
		t3 += z1 + z4
		const n, r = constBits - pass1Bits, 1 << (constBits - pass1Bits - 1)
		w := ws[c : c+57 : c+57]
		w[0] = (tmp10 + t3 + r) >> n
		w[56] = (tmp10 - t3 + r) >> n
		w[8] = (tmp11 + t2 + r) >> n
		w[48] = (tmp11 - t2 + r) >> n
		w[16] = (tmp12 + t1 + r) >> n
		w[40] = (tmp12 - t1 + r) >> n
		w[24] = (tmp13 + t0 + r) >> n
		w[32] = (tmp13 - t0 + r) >> n
	}
	anyCols := mask >> 8 & 0xff
	switch {
	case anyCols&0xfe == 0:
		// Only column 0: every row of the work array is constant (libjpeg's zero-row
		// short cut).
		for r := 0; r < 8; r++ {
			v := clampWide[(descale(ws[r*8], pass1Bits+3))&clampWideMask]
			o := out[r*stride : r*stride+8 : r*stride+8]
			for x := range o {
				o[x] = v
			}
		}
	case anyCols&0xf0 == 0:
		idct8SmallRowsLeft(&ws, out, stride)
	default:
		idct8SmallRows(&ws, out, stride)
	}
}

// idct8RowsLeft is pass 2 of jpeg_idct_islow when columns 4-7 are zero.
func idct8SmallRowsLeft(ws *[blockSize]int32, out []byte, stride int) {
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+4 : r*8+4]
		o := out[r*stride : r*stride+8 : r*stride+8]
		// Even part.
		z2 := w[2]
		z1 := z2 * fix0_541196100
		tmp2 := z1
		tmp3 := z1 + z2*fix0_765366865
		tmp0 := w[0] << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp0+tmp2, tmp0-tmp2
		// Odd part, with inputs 7 and 5 zero.
		i1, i3 := w[1], w[3]
		z5 := (i3 + i1) * fix1_175875602
		zz1 := i1 * -fix0_899976223
		zz2 := i3 * -fix2_562915447
		zz3 := i3*-fix1_961570560 + z5
		zz4 := i1*-fix0_390180644 + z5
		t0 := zz1 + zz3
		t1 := zz2 + zz4
		t2 := i3*fix3_072711026 + zz2 + zz3
		t3 := i1*fix1_501321110 + zz1 + zz4
		const n, rd = constBits + pass1Bits + 3, 1 << (constBits + pass1Bits + 3 - 1)
		o[0] = clampWide[((tmp10+t3+rd)>>n)&clampWideMask]
		o[7] = clampWide[((tmp10-t3+rd)>>n)&clampWideMask]
		o[1] = clampWide[((tmp11+t2+rd)>>n)&clampWideMask]
		o[6] = clampWide[((tmp11-t2+rd)>>n)&clampWideMask]
		o[2] = clampWide[((tmp12+t1+rd)>>n)&clampWideMask]
		o[5] = clampWide[((tmp12-t1+rd)>>n)&clampWideMask]
		o[3] = clampWide[((tmp13+t0+rd)>>n)&clampWideMask]
		o[4] = clampWide[((tmp13-t0+rd)>>n)&clampWideMask]
	}
}

// idct8Rows is pass 2 of jpeg_idct_islow: rows of the work array to output samples.
func idct8SmallRows(ws *[blockSize]int32, out []byte, stride int) {
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := out[r*stride : r*stride+8 : r*stride+8]
		// Even part.
		z2, z3 := w[2], w[6]
		z1 := (z2 + z3) * fix0_541196100
		tmp2 := z1 + z3*-fix1_847759065
		tmp3 := z1 + z2*fix0_765366865
		tmp0 := (w[0] + w[4]) << constBits
		tmp1 := (w[0] - w[4]) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		// Odd part.
		t0, t1, t2, t3 := w[7], w[5], w[3], w[1]
		z1, z2, z3 = t0+t3, t1+t2, t0+t2
		z4 := t1 + t3
		z5 := (z3 + z4) * fix1_175875602
		t0 *= fix0_298631336
		t1 *= fix2_053119869
		t2 *= fix3_072711026
		t3 *= fix1_501321110
		z1 *= -fix0_899976223
		z2 *= -fix2_562915447
		z3 = z3*-fix1_961570560 + z5
		z4 = z4*-fix0_390180644 + z5
		t0 += z1 + z3
		t1 += z2 + z4
		t2 += z2 + z3
		t3 += z1 + z4
		const n, rd = constBits + pass1Bits + 3, 1 << (constBits + pass1Bits + 3 - 1)
		o[0] = clampWide[((tmp10+t3+rd)>>n)&clampWideMask]
		o[7] = clampWide[((tmp10-t3+rd)>>n)&clampWideMask]
		o[1] = clampWide[((tmp11+t2+rd)>>n)&clampWideMask]
		o[6] = clampWide[((tmp11-t2+rd)>>n)&clampWideMask]
		o[2] = clampWide[((tmp12+t1+rd)>>n)&clampWideMask]
		o[5] = clampWide[((tmp12-t1+rd)>>n)&clampWideMask]
		o[3] = clampWide[((tmp13+t0+rd)>>n)&clampWideMask]
		o[4] = clampWide[((tmp13-t0+rd)>>n)&clampWideMask]
	}
}

// idct4 is jpeg_idct_4x4 (jidctred.c): 4x4 output from an 8x8 block, for 1/2 scaling,
// with the arithmetic of libjpeg-turbo's jsimd_idct_4x4_sse2, which PIL runs: for a small
// block (see idct8Small; pass 1 then stays under 2^15) that is the C arithmetic with the
// output saturated, done here with the C code's short cuts; a block with large
// coefficients takes idct4SIMD. mask (see idct8) lets columns without AC coefficients take
// the short cut unread.
func idct4(in *block, out []byte, stride int, mask uint32) {
	if mask&bigBlock != 0 {
		idct4SIMD(in, out, stride)
		return
	}
	var ws [8 * 4]int32
	acCols := mask >> 16 & 0xff
	// Pass 1: columns (all but 4, which pass 2 does not use) into the work array.
	for c := 0; c < 8; c++ {
		if c == 4 {
			continue
		}
		col := in[c : c+57 : c+57]
		if acCols&(1<<c) == 0 || col[8] == 0 && col[16] == 0 && col[24] == 0 && col[40] == 0 && col[48] == 0 && col[56] == 0 {
			dc := col[0] << pass1Bits
			ws[0*8+c], ws[1*8+c], ws[2*8+c], ws[3*8+c] = dc, dc, dc, dc
			continue
		}
		tmp0 := col[0] << (constBits + 1)
		tmp2 := col[16]*fix1_847759065 + col[48]*-fix0_765366865
		tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
		o0, o2 := idct4Odd(col[56], col[40], col[24], col[8])
		const n = constBits - pass1Bits + 1
		ws[0*8+c] = descale(tmp10+o2, n)
		ws[3*8+c] = descale(tmp10-o2, n)
		ws[1*8+c] = descale(tmp12+o0, n)
		ws[2*8+c] = descale(tmp12-o0, n)
	}
	// Pass 2: 4 rows from the work array.
	for r := 0; r < 4; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := out[r*stride : r*stride+4 : r*stride+4]
		if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
			v := out8(descale(w[0], pass1Bits+3))
			o[0], o[1], o[2], o[3] = v, v, v, v
			continue
		}
		tmp0 := w[0] << (constBits + 1)
		tmp2 := w[2]*fix1_847759065 + w[6]*-fix0_765366865
		tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
		o0, o2 := idct4Odd(w[7], w[5], w[3], w[1])
		const n = constBits + pass1Bits + 3 + 1
		o[0] = out8(descale(tmp10+o2, n))
		o[3] = out8(descale(tmp10-o2, n))
		o[1] = out8(descale(tmp12+o0, n))
		o[2] = out8(descale(tmp12-o0, n))
	}
}

// idct4Odd is the odd part of jpeg_idct_4x4 from inputs 7, 5, 3 and 1.
func idct4Odd(z1, z2, z3, z4 int32) (tmp0, tmp2 int32) {
	tmp0 = z1*-fix0_211164243 + z2*fix1_451774981 + z3*-fix2_172734803 + z4*fix1_061594337
	tmp2 = z1*-fix0_509795579 + z2*-fix0_601344887 + z3*fix0_899976223 + z4*fix2_562915447
	return tmp0, tmp2
}

// idct2 is jpeg_idct_2x2 (jidctred.c): 2x2 output from an 8x8 block, for 1/4 scaling,
// with the arithmetic of jsimd_idct_2x2_sse2 as idct4 has that of the 4x4 (idct2SIMD for
// large coefficients). mask is as for idct4.
func idct2(in *block, out []byte, stride int, mask uint32) {
	if mask&bigBlock != 0 {
		idct2SIMD(in, out, stride)
		return
	}
	var ws [8 * 2]int32
	acCols := mask >> 16 & 0xff
	// Pass 1: columns 0, 1, 3, 5 and 7 (pass 2 does not use 2, 4 and 6).
	for _, c := range [...]int{0, 1, 3, 5, 7} {
		col := in[c : c+57 : c+57]
		if acCols&(1<<c) == 0 || col[8] == 0 && col[24] == 0 && col[40] == 0 && col[56] == 0 {
			dc := col[0] << pass1Bits
			ws[c], ws[8+c] = dc, dc
			continue
		}
		tmp10 := col[0] << (constBits + 2)
		tmp0 := idct2Odd(col[56], col[40], col[24], col[8])
		const n = constBits - pass1Bits + 2
		ws[c] = descale(tmp10+tmp0, n)
		ws[8+c] = descale(tmp10-tmp0, n)
	}
	// Pass 2: 2 rows from the work array.
	for r := 0; r < 2; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := out[r*stride : r*stride+2 : r*stride+2]
		if w[1] == 0 && w[3] == 0 && w[5] == 0 && w[7] == 0 {
			v := out8(descale(w[0], pass1Bits+3))
			o[0], o[1] = v, v
			continue
		}
		tmp10 := w[0] << (constBits + 2)
		tmp0 := idct2Odd(w[7], w[5], w[3], w[1])
		const n = constBits + pass1Bits + 3 + 2
		o[0] = out8(descale(tmp10+tmp0, n))
		o[1] = out8(descale(tmp10-tmp0, n))
	}
}

// idct2Odd is the odd part of jpeg_idct_2x2 from inputs 7, 5, 3 and 1.
func idct2Odd(i7, i5, i3, i1 int32) int32 {
	return i7*-fix0_720959822 + i5*fix0_850430095 + i3*-fix1_272758580 + i1*fix3_624509785
}

// idct4SIMD is jsimd_idct_4x4_sse2's arithmetic: 16-bit dequantized inputs, 32-bit sums
// (which may wrap), pass 1 saturated to 16 bits, the output saturated; when rows 1-3 and
// 5-7 are all zero, pass 1 is row 0 shifted up by 2 in 16 bits, wrapping.
func idct4SIMD(in *block, out []byte, stride int) {
	var ws [8 * 4]int32
	rowsZero := true
	for i := 8; i < blockSize; i++ {
		if i/8 != 4 && in[i] != 0 {
			rowsZero = false
			break
		}
	}
	for c := 0; c < 8; c++ {
		if rowsZero {
			dc := wrap16(wrap16(in[c]) << pass1Bits)
			ws[0*8+c], ws[1*8+c], ws[2*8+c], ws[3*8+c] = dc, dc, dc, dc
			continue
		}
		col := in[c : c+57 : c+57]
		tmp0 := wrap16(col[0]) << (constBits + 1)
		tmp2 := wrap16(col[16])*fix1_847759065 + wrap16(col[48])*-fix0_765366865
		tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
		o0, o2 := idct4Odd(wrap16(col[56]), wrap16(col[40]), wrap16(col[24]), wrap16(col[8]))
		const n = constBits - pass1Bits + 1
		ws[0*8+c] = sat16(descale(tmp10+o2, n))
		ws[3*8+c] = sat16(descale(tmp10-o2, n))
		ws[1*8+c] = sat16(descale(tmp12+o0, n))
		ws[2*8+c] = sat16(descale(tmp12-o0, n))
	}
	for r := 0; r < 4; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := out[r*stride : r*stride+4 : r*stride+4]
		tmp0 := w[0] << (constBits + 1)
		tmp2 := w[2]*fix1_847759065 + w[6]*-fix0_765366865
		tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
		o0, o2 := idct4Odd(w[7], w[5], w[3], w[1])
		const n = constBits + pass1Bits + 3 + 1
		o[0] = out8(descale(tmp10+o2, n))
		o[3] = out8(descale(tmp10-o2, n))
		o[1] = out8(descale(tmp12+o0, n))
		o[2] = out8(descale(tmp12-o0, n))
	}
}

// idct2SIMD is jsimd_idct_2x2_sse2's arithmetic: 16-bit dequantized inputs, 32-bit sums
// (which may wrap), no short cut; pass 2 saturates pass 1's odd columns to 16 bits but
// shifts column 0 up in 32 bits, and the output saturates.
func idct2SIMD(in *block, out []byte, stride int) {
	var ws [8 * 2]int32
	for _, c := range [...]int{0, 1, 3, 5, 7} {
		col := in[c : c+57 : c+57]
		tmp10 := wrap16(col[0]) << (constBits + 2)
		tmp0 := idct2Odd(wrap16(col[56]), wrap16(col[40]), wrap16(col[24]), wrap16(col[8]))
		const n = constBits - pass1Bits + 2
		ws[c] = descale(tmp10+tmp0, n)
		ws[8+c] = descale(tmp10-tmp0, n)
	}
	for r := 0; r < 2; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := out[r*stride : r*stride+2 : r*stride+2]
		tmp10 := w[0] << (constBits + 2)
		tmp0 := idct2Odd(sat16(w[7]), sat16(w[5]), sat16(w[3]), sat16(w[1]))
		const n = constBits + pass1Bits + 3 + 2
		o[0] = out8(descale(tmp10+tmp0, n))
		o[1] = out8(descale(tmp10-tmp0, n))
	}
}
