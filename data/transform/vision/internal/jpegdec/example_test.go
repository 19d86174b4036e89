package jpegdec_test

import (
	"fmt"
	"os"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
)

// A 157x103 JPEG decoded at a quarter of its size in the DCT domain, into a reused buffer.
func ExampleDecodeScaled() {
	data, err := os.ReadFile("testdata/b420_q90.jpg")
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf []uint8 // grows to the largest image, then is reused
	img, err := jpegdec.DecodeScaled(data, 4, jpegdec.Options{Dst: buf})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.W, img.H, img.C, len(img.Pix))
	// Output: 40 26 3 3120
}
