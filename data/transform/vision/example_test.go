package vision_test

import (
	"fmt"
	"os"

	"github.com/sluicedata/sluice/data/transform/vision"
)

// Decode a file at 64x64, augment it reproducibly and turn it into a CHW float32 tensor,
// as a batch function would for each row.
func Example() {
	f, err := os.Open("testdata/small.jpg")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	img, err := vision.Decode(f, vision.DecodeOptions{Mode: vision.ModeRGB, H: 64, W: 64})
	if err != nil {
		fmt.Println(err)
		return
	}
	augment := vision.Compose(
		vision.RandomResizedCrop(48, 48, vision.RandomResizedCropOptions{}),
		vision.RandomHorizontalFlip(0.5),
		vision.TrivialAugmentWide(31),
	)
	img, err = augment(img, vision.NewRand(42))
	if err != nil {
		fmt.Println(err)
		return
	}
	chw, err := vision.Normalize(nil, img, []float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("image %dx%dx%d, tensor of %d float32 [3, 48, 48]\n", img.H, img.W, img.C, len(chw))
	// Output: image 48x48x3, tensor of 6912 float32 [3, 48, 48]
}

func ExampleThumbnailSize() {
	h, w := vision.ThumbnailSize(3000, 4000, 64, 64)
	fmt.Println(h, w)
	// Output: 48 64
}

// A 16-bit grayscale TIFF (from Pillow's test images) in ModeNative keeps its uint16
// samples and one channel, as np.asarray(Image.open(f)) does; in RGB it is what PIL's
// convert("RGB") gives: the samples clamped to 255.
func ExampleDecodeBytes_native() {
	data, err := os.ReadFile("../../../testdata/conformance/images/16bit.cropped.tif")
	if err != nil {
		fmt.Println(err)
		return
	}
	native, err := vision.DecodeBytes(data, vision.DecodeOptions{Mode: vision.ModeNative})
	if err != nil {
		fmt.Println(err)
		return
	}
	first := uint16(native.Pix[0]) | uint16(native.Pix[1])<<8 // little-endian samples
	rgb, _ := vision.DecodeBytes(data, vision.DecodeOptions{Mode: vision.ModeRGB})
	fmt.Printf("native %dx%dx%d at %d bits, first sample %d; RGB first pixel %v\n", native.H, native.W, native.C, native.Depth, first, rgb.Pix[:3])
	// Output: native 64x64x1 at 16 bits, first sample 480; RGB first pixel [255 255 255]
}

// Orient turns an image by its EXIF orientation; 6 is a photo taken with the camera turned
// a quarter clockwise, shown upright by a quarter turn clockwise.
func ExampleOrient() {
	img := vision.Image{H: 2, W: 3, C: 1, Pix: []uint8("abcdef")}
	up := vision.Orient(img, 6)
	fmt.Printf("%dx%d %s\n", up.H, up.W, up.Pix)
	// Output: 3x2 daebfc
}
