//go:build !libwebp || !cgo

package vision

import "errors"

// libwebpAvailable reports whether this build decodes still WebP images with libwebp
// (build tag libwebp); without it WebP uses the pure-Go webpdec.
const libwebpAvailable = false

func decodeLibwebp([]byte, int, int, int, []uint8) error {
	return errors.New("built without libwebp")
}
