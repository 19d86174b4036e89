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
