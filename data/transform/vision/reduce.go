package vision

import "fmt"

// Reduce shrinks src by integer factors fx (width) and fy (height), each output pixel the
// rounded mean of an fx x fy block, as PIL's Image.reduce((fx, fy)): the output is
// ceil(W/fx) x ceil(H/fy), and the blocks cut off at the right and bottom edges average
// the pixels they have. The arithmetic (a 24-bit reciprocal, rounded) is Pillow's, so the
// result matches it exactly.
func Reduce(src Image, fy, fx int) (Image, error) {
	if err := src.Validate(); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: reduce: %w", err)
	}
	if fx < 1 || fy < 1 {
		return Image{}, fmt.Errorf("sluice: vision: reduce: factors %dx%d must be >= 1", fy, fx)
	}
	if fx == 1 && fy == 1 {
		return src.Clone(), nil
	}
	c := src.C
	oh, ow := (src.H+fy-1)/fy, (src.W+fx-1)/fx
	out := Image{H: oh, W: ow, C: c, Pix: make([]uint8, oh*ow*c)}
	rowLen := src.W * c
	cols := make([]uint32, rowLen) // per-column sums over the block's rows
	for y := range oh {
		y0, y1 := y*fy, min(y*fy+fy, src.H)
		clear(cols)
		for yy := y0; yy < y1; yy++ {
			row := src.Pix[yy*rowLen : (yy+1)*rowLen]
			row = row[:len(cols)]
			for i, v := range row {
				cols[i] += uint32(v)
			}
		}
		dst := out.Pix[y*ow*c : (y+1)*ow*c]
		for x := range ow {
			x0, x1 := x*fx, min(x*fx+fx, src.W)
			n := uint32((x1 - x0) * (y1 - y0))
			mul, amend := reduceMultiplier(n), n/2
			for ch := range c {
				s := amend
				for xx := x0; xx < x1; xx++ {
					s += cols[xx*c+ch]
				}
				dst[x*c+ch] = uint8((s * mul) >> 24)
			}
		}
	}
	return out, nil
}

// reduceMultiplier is Pillow's division_UINT32(n, 8): 2^32 / (256 n) in C float.
func reduceMultiplier(n uint32) uint32 {
	return uint32(float32(4294967296.0) / float32(uint32(1<<8)*n))
}
