package transformimage

import (
	"testing"

	"github.com/sluicedata/sluice/data/transform/vision"
)

// photo returns an h x w x c image with a pattern that every augment op changes.
func photo(t *testing.T, h, w, c int) vision.Image {
	t.Helper()
	img, err := vision.New(h, w, c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7 + i/(w*c)*13)
	}
	return img
}

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name          string
		h, w, c       int
		before, after Size
	}{
		{"bundled photo size", 400, 640, 3, Size{640, 400}, Size{64, 40}},
		{"portrait", 500, 375, 3, Size{375, 500}, Size{48, 64}},
		{"grayscale", 224, 300, 1, Size{300, 224}, Size{64, 48}},
		{"exactly the crop", 224, 224, 3, Size{224, 224}, Size{64, 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := photo(t, tc.h, tc.w, tc.c)
			orig := img.Clone()
			res, err := Apply(img, Rand(7, "a.jpg"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Before != tc.before || res.After != tc.after {
				t.Errorf("sizes %v -> %v, want %v -> %v", res.Before, res.After, tc.before, tc.after)
			}
			for i, c := range res.Crops {
				if c != (Size{CropSize, CropSize}) {
					t.Errorf("crop %d is %v", i, c)
				}
			}
			// pow(3).sum() may be 0: after Posterize to 5 bits or fewer every value is a
			// multiple of 8, whose cube wraps to 0 in uint8.
			if res.Pow3Sum != res.Pow3SumT || res.Pow3Sum < 0 || res.MulSum <= 0 {
				t.Errorf("pow(3).sum() %d, transposed %d, products %d: want equal sums and positive products", res.Pow3Sum, res.Pow3SumT, res.MulSum)
			}
			if res.GrayMean <= 0 || res.GrayMean >= 255 {
				t.Errorf("grayscale mean %v", res.GrayMean)
			}
			if string(img.Pix) != string(orig.Pix) {
				t.Error("Apply modified its input")
			}
			again, err := Apply(img, Rand(7, "a.jpg"))
			if err != nil || again != res {
				t.Errorf("same seed and name: %+v then %+v, %v", res, again, err)
			}
		})
	}
}

func TestApplyBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  vision.Image
	}{
		{"smaller than the crop", photo(t, 100, 300, 3)},
		{"pixels missing", vision.Image{H: 300, W: 300, C: 3, Pix: make([]uint8, 10)}},
		{"two channels", vision.Image{H: 300, W: 300, C: 2, Pix: make([]uint8, 300*300*2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Apply(tc.img, Rand(1, "x")); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestTensorMath checks the uint8 arithmetic against values worked by hand (torch wraps
// uint8 products modulo 256).
func TestTensorMath(t *testing.T) {
	// [H=1, W=2, C=1] = [2, 7]: cubes 8 and 343 % 256 = 87.
	img := vision.Image{H: 1, W: 2, C: 1, Pix: []uint8{2, 7}}
	dst := make([]uint8, 2)
	for _, tc := range []struct {
		name string
		got  int64
		want int64
	}{
		{"pow3", pow3Sum(img), 95},
		{"pow3 transposed", pow3SumTransposed(img), 95},
		{"mul 40", mulScalar(dst, img, 40), 80 + 280%256},
		{"mul 40 transposed", mulScalarTransposed(dst, img, 40), 80 + 280%256},
		{"square", square(dst, img), 4 + 49},
		{"square transposed", squareTransposed(dst, img), 4 + 49},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %d, want %d", tc.got, tc.want)
			}
		})
	}
	// [H=2, W=3, C=1] = [[1 2 3] [4 5 6]] transposed is [[1 4] [2 5] [3 6]] with strides
	// (1, 3): torch keeps an elementwise result in the input's memory order.
	img23 := vision.Image{H: 2, W: 3, C: 1, Pix: []uint8{1, 2, 3, 4, 5, 6}}
	dst6 := make([]uint8, 6)
	if s := mulScalarTransposed(dst6, img23, 3); s != 63 || string(dst6) != string([]uint8{3, 6, 9, 12, 15, 18}) {
		t.Errorf("transposed mul wrote %v (sum %d), want [3 6 9 12 15 18] (63)", dst6, s)
	}
	if s := squareTransposed(dst6, img23); s != 91 || string(dst6) != string([]uint8{1, 4, 9, 16, 25, 36}) {
		t.Errorf("transposed square wrote %v (sum %d), want [1 4 9 16 25 36] (91)", dst6, s)
	}
	if Rand(1, "a.jpg").Uint64() == Rand(1, "b.jpg").Uint64() {
		t.Error("two names, one generator")
	}
}

// stridedPow3Sum is t_tensor.pow(3).sum() walked in the transposed view's [W, H, C] order, as
// this package did before following torch's memory order; BenchmarkPow3SumOrder measures what
// that order costs.
func stridedPow3Sum(img vision.Image) int64 {
	var s int64
	row := img.W * img.C
	for x := range img.W {
		for i := x * img.C; i < len(img.Pix); i += row {
			for _, v := range img.Pix[i : i+img.C] {
				s += int64(v * v * v)
			}
		}
	}
	return s
}

var benchSum int64

// BenchmarkPow3SumOrder sums the cubes of a 4000x3000 RGB image (the seed's photo size) in
// memory order and in the transposed view's order:
//
//	go test ./examples/images/transformimage -run '^$' -bench Pow3SumOrder
func BenchmarkPow3SumOrder(b *testing.B) {
	img := vision.Image{H: 3000, W: 4000, C: 3, Pix: make([]uint8, 3000*4000*3)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	if pow3Sum(img) != stridedPow3Sum(img) {
		b.Fatal("the two orders disagree")
	}
	for _, tc := range []struct {
		name string
		fn   func(vision.Image) int64
	}{{"memory", pow3Sum}, {"strided", stridedPow3Sum}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				benchSum += tc.fn(img)
			}
		})
	}
}
