package vision

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// blurPasses is the number of box blurs PIL's GaussianBlur chains.
const blurPasses = 3

// Blur returns src blurred as PIL's ImageFilter.GaussianBlur(radius) does it: three
// extended box blurs per axis (Gwosdek et al.) approximating a Gaussian of standard
// deviation radius, with PIL's fixed-point rounding and edge replication, so the output
// matches Pillow bit for bit. radius 0 returns a copy.
func Blur(src Image, radius float64) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: gaussian blur: %w", err)
	}
	if radius < 0 || math.IsNaN(radius) || math.IsInf(radius, 0) {
		return Image{}, fmt.Errorf("sluice: vision: gaussian blur: radius %v must be finite and >= 0", radius)
	}
	out := src.Clone()
	if radius == 0 {
		return out, nil
	}
	r := gaussianBoxRadius(float32(radius), blurPasses)
	c := src.C
	n := max(src.W, src.H) * c
	line, tmp := make([]uint8, n), make([]uint8, n)
	// Rows: blur in place, one line at a time.
	bw := newBoxBlur(r, src.W)
	for y := range src.H {
		row := out.Pix[y*src.W*c : (y+1)*src.W*c]
		for range blurPasses {
			bw.line(tmp[:len(row)], row, c)
			copy(row, tmp[:len(row)])
		}
	}
	// Columns: gather each column (Pillow transposes; the arithmetic is the same).
	bh := newBoxBlur(r, src.H)
	stride := src.W * c
	col := line[:src.H*c]
	for x := range src.W {
		for y := range src.H {
			copy(col[y*c:y*c+c], out.Pix[y*stride+x*c:y*stride+x*c+c])
		}
		for range blurPasses {
			bh.line(tmp[:len(col)], col, c)
			copy(col, tmp[:len(col)])
		}
		for y := range src.H {
			copy(out.Pix[y*stride+x*c:y*stride+x*c+c], col[y*c:y*c+c])
		}
	}
	return out, nil
}

// GaussianBlur returns a Transform that applies Blur with the given radius.
func GaussianBlur(radius float64) Transform {
	return func(img Image, _ *rand.Rand) (Image, error) { return Blur(img, radius) }
}

// gaussianBoxRadius is Pillow's _gaussian_blur_radius, in C float precision.
func gaussianBoxRadius(radius float32, passes int) float32 {
	sigma2 := radius * radius / float32(passes)
	L := float32(math.Sqrt(12.0*float64(sigma2) + 1.0))
	l := float32(math.Floor((float64(L) - 1.0) / 2.0))
	a := (2*l + 1) * (l*(l+1) - 3*sigma2)
	a /= 6 * (sigma2 - (l+1)*(l+1))
	return l + a
}

// boxBlur is one extended box blur of a fractional radius over lines of n pixels.
type boxBlur struct {
	radius, edgeA, edgeB, last int
	ww, fw                     uint32
}

func newBoxBlur(r float32, n int) boxBlur {
	radius := int(r)
	ww := uint32(float32(1<<24) / (r*2 + 1))
	fw := (uint32(1<<24) - uint32(radius*2+1)*ww) / 2
	return boxBlur{radius: radius, edgeA: min(radius+1, n), edgeB: max(n-radius-1, 0), last: n - 1, ww: ww, fw: fw}
}

// line blurs one line of c-channel pixels from in to out (Pillow's ImagingLineBoxBlur),
// in uint32 arithmetic that wraps exactly as Pillow's does.
func (b boxBlur) line(out, in []uint8, c int) {
	r, last := b.radius, b.last
	at := func(x, ch int) uint32 { return uint32(in[x*c+ch]) }
	for ch := range c {
		acc := at(0, ch) * uint32(r+1)
		for x := 0; x < b.edgeA-1; x++ {
			acc += at(x, ch)
		}
		acc += at(last, ch) * uint32(r-b.edgeA+1)
		step := func(x, sub, add, left, right int) {
			acc += at(add, ch) - at(sub, ch)
			bulk := acc*b.ww + (at(left, ch)+at(right, ch))*b.fw
			out[x*c+ch] = uint8((bulk + 1<<23) >> 24)
		}
		if b.edgeA <= b.edgeB {
			for x := 0; x < b.edgeA; x++ {
				step(x, 0, x+r, 0, x+r+1)
			}
			for x := b.edgeA; x < b.edgeB; x++ {
				step(x, x-r-1, x+r, x-r-1, x+r+1)
			}
			for x := b.edgeB; x <= last; x++ {
				step(x, x-r-1, last, x-r-1, last)
			}
		} else {
			for x := 0; x < b.edgeB; x++ {
				step(x, 0, x+r, 0, x+r+1)
			}
			for x := b.edgeB; x < b.edgeA; x++ {
				step(x, 0, last, 0, last)
			}
			for x := b.edgeA; x <= last; x++ {
				step(x, x-r-1, last, x-r-1, last)
			}
		}
	}
}
