//go:build libwebp && cgo

package vision

/*
#cgo LDFLAGS: -lwebp
#include <stdlib.h>
#include <webp/decode.h>

// sluice_webp_decode decodes a still WebP into out (w*h*channels bytes, rows packed),
// RGB for channels 3 and non-premultiplied RGBA for 4, with libwebp's defaults (fancy
// upsampling, no dithering): what PIL's WebPAnimDecoder gives for a still image. It
// returns 0 on success.
static int sluice_webp_decode(const uint8_t *data, size_t len, uint8_t *out, size_t out_len, int w, int channels) {
	uint8_t *r;
	if (channels == 4) {
		r = WebPDecodeRGBAInto(data, len, out, out_len, w * 4);
	} else {
		r = WebPDecodeRGBInto(data, len, out, out_len, w * 3);
	}
	return r == NULL;
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// libwebpAvailable reports whether this build decodes still WebP images with libwebp
// (build tag libwebp); animations always take the pure-Go decoder's first-frame path.
const libwebpAvailable = true

// decodeLibwebp decodes a still WebP of w x h into pix (w*h*c bytes, c 3 or 4).
func decodeLibwebp(data []byte, w, h, c int, pix []uint8) error {
	if len(data) == 0 || len(pix) < w*h*c {
		return errors.New("libwebp: no data or a short buffer")
	}
	// cgo may not be handed Go memory that holds Go pointers; data and pix hold none.
	if C.sluice_webp_decode((*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)),
		(*C.uint8_t)(unsafe.Pointer(&pix[0])), C.size_t(len(pix)), C.int(w), C.int(c)) != 0 {
		return errors.New("libwebp: cannot decode the image")
	}
	return nil
}
