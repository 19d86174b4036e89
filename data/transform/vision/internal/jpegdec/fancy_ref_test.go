package jpegdec

// The vision package's row-at-a-time fancy upsamplers, kept as the tests' reference for
// the fused ones in color.go.

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
