// Package transformimage is the seed's transform_image (the third case of its Ray Core tasks
// chapter) in Go, shared by examples/images (serial loop against a sluice Dataset) and
// examples/imageproc (serial loop against exec tasks over the object store):
//
//	gray_img = T.Grayscale()(orig_img)
//	crops = [T.RandomCrop(size=(224, 224))(orig_img) for _ in range(4)]
//	augmented_img = T.TrivialAugmentWide(num_magnitude_bins=31)(orig_img)
//	tensor = torch.tensor(np.asarray(augmented_img)); t_tensor = torch.transpose(tensor, 0, 1)
//	for _ in range(3):
//	    tensor.pow(3).sum(); t_tensor.pow(3).sum()
//	    torch.mul(tensor, random.randint(2, 10)); torch.mul(t_tensor, random.randint(2, 10))
//	    torch.mul(tensor, tensor); torch.mul(t_tensor, t_tensor)
//	augmented_img.thumbnail((64, 64))
//	return before_shape, after_shape
//
// The tensor arithmetic is done as torch does it on a uint8 tensor (products wrap modulo 256,
// sums are int64), and its results are kept in Result so that none of the work is dead code.
package transformimage

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/sluicedata/sluice/data/transform/vision"
)

// Sizes from the seed.
const (
	CropSize  = 224 // T.RandomCrop(size=(224, 224))
	NumCrops  = 4
	NumBins   = 31 // T.TrivialAugmentWide(num_magnitude_bins=31)
	ThumbSize = 64 // THUMB_SIZE = (64, 64)
	mathLoops = 3
)

// Size is a PIL image size: width first.
type Size struct{ W, H int }

func (s Size) String() string { return fmt.Sprintf("(%d, %d)", s.W, s.H) }

// Result is what transform_image returns (the sizes before and after), plus the figures the
// seed computes and throws away: the mean of the grayscale image, the crops' sizes and the
// sum of pow(3) over the augmented tensor and its transpose, which must be equal.
type Result struct {
	Before, After Size
	GrayMean      float64
	Crops         [NumCrops]Size
	Pow3Sum       int64 // tensor.pow(3).sum(), uint8 arithmetic as in torch
	Pow3SumT      int64 // t_tensor.pow(3).sum()
	MulSum        int64 // sum of the products, so the multiplications are not dead code
}

// Rand returns the generator for the image named name (its base name is enough): the same in
// a serial loop and in a parallel task, so both runs give the same Results.
func Rand(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return vision.NewRand(seed ^ h.Sum64())
}

// Apply runs transform_image on img (an HWC RGB or L image, at least 224x224; it is not
// modified) with the random draws from rng. The only error is an image too small to crop or
// not valid, named by the caller.
func Apply(img vision.Image, rng *rand.Rand) (Result, error) {
	if err := img.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Before: Size{img.W, img.H}}

	gray, err := vision.ToGray(img, 1)
	if err != nil {
		return Result{}, err
	}
	var total int64
	for _, v := range gray.Pix {
		total += int64(v)
	}
	res.GrayMean = float64(total) / float64(len(gray.Pix))

	cropper := vision.RandomCrop(CropSize, CropSize)
	for i := range res.Crops {
		c, err := cropper(img, rng)
		if err != nil {
			return Result{}, err
		}
		res.Crops[i] = Size{c.W, c.H}
	}

	augmented, err := vision.TrivialAugmentWide(NumBins)(img, rng)
	if err != nil {
		return Result{}, err
	}

	// The seed reseeds Python's random with 42 here; randint(2, 10) draws from it.
	mathRng := rand.New(rand.NewPCG(42, 0))
	scratch := make([]uint8, len(augmented.Pix))
	for range mathLoops {
		res.Pow3Sum = pow3Sum(augmented)
		res.Pow3SumT = pow3SumTransposed(augmented)
		res.MulSum += mulScalar(scratch, augmented, uint8(2+mathRng.IntN(9)))
		res.MulSum += mulScalarTransposed(scratch, augmented, uint8(2+mathRng.IntN(9)))
		res.MulSum += square(scratch, augmented)
		res.MulSum += squareTransposed(scratch, augmented)
	}

	thumb, err := vision.ThumbnailImage(augmented, ThumbSize, ThumbSize)
	if err != nil {
		return Result{}, err
	}
	res.After = Size{thumb.W, thumb.H}
	return res, nil
}

// pow3Sum is tensor.pow(3).sum() on a uint8 [H, W, C] tensor: each cube wraps to uint8, the
// sum is int64.
func pow3Sum(img vision.Image) int64 {
	var s int64
	for _, v := range img.Pix {
		s += int64(v * v * v)
	}
	return s
}

// pow3SumTransposed is t_tensor.pow(3).sum() for t_tensor = transpose(tensor, 0, 1). torch's
// TensorIterator walks a permuted dense tensor in memory order, not in the view's [W, H, C]
// order (on a 4000x3000 RGB image the strided walk takes 2.2x as long: BenchmarkPow3SumOrder),
// and a sum does not depend on the order; so the work is pow3Sum's.
func pow3SumTransposed(img vision.Image) int64 { return pow3Sum(img) }

// mulScalar is torch.mul(tensor, k) into dst; it returns the sum of the (wrapped) products.
func mulScalar(dst []uint8, img vision.Image, k uint8) int64 {
	var s int64
	for i, v := range img.Pix {
		dst[i] = v * k
		s += int64(dst[i])
	}
	return s
}

// mulScalarTransposed is torch.mul(t_tensor, k). Its result has the view's shape [W, H, C]
// but, as torch gives an elementwise result of a permuted dense input the input's memory
// order (strides (C, W*C, 1)), dst holds the same bytes as mulScalar's.
func mulScalarTransposed(dst []uint8, img vision.Image, k uint8) int64 {
	return mulScalar(dst, img, k)
}

// square is torch.mul(tensor, tensor).
func square(dst []uint8, img vision.Image) int64 {
	var s int64
	for i, v := range img.Pix {
		dst[i] = v * v
		s += int64(dst[i])
	}
	return s
}

// squareTransposed is torch.mul(t_tensor, t_tensor), in torch's memory order as for
// mulScalarTransposed.
func squareTransposed(dst []uint8, img vision.Image) int64 { return square(dst, img) }
