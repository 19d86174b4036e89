package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// solidPNG is a 32x32 image in red, green or blue (i = 0, 1, 2).
func solidPNG(i int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	c := color.RGBA{A: 255}
	switch i {
	case 0:
		c.R = 255
	case 1:
		c.G = 255
	default:
		c.B = 255
	}
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
