//go:build !libjpeg || !cgo

package vision

import (
	"errors"
	"image"
)

// libjpegAvailable reports whether this build decodes JPEG with libjpeg-turbo (build tag
// libjpeg); without it every format uses the pure-Go decoders.
const libjpegAvailable = false

func decodeLibjpeg([]byte, image.Config, DecodeOptions) (Image, error) {
	return Image{}, errors.New("built without libjpeg")
}
