//go:build libjpeg && cgo

package vision

/*
#cgo LDFLAGS: -ljpeg
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
	int truncated;
} sluice_err;

static void sluice_error_exit(j_common_ptr cinfo) {
	sluice_err *e = (sluice_err *)cinfo->err;
	(*cinfo->err->format_message)(cinfo, e->msg);
	longjmp(e->jump, 1);
}

static void sluice_emit_message(j_common_ptr cinfo, int level) {
	sluice_err *e = (sluice_err *)cinfo->err;
	// A warning about premature end of data means libjpeg filled the rest of the image
	// with grey; treat it as the error it is, like the pure-Go decoder and PIL do.
	if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF && !e->truncated) {
		e->truncated = 1;
		(*cinfo->err->format_message)(cinfo, e->msg);
	}
}

// sluice_jpeg_decode reads the header of the JPEG in data, picks the output colour
// space (channels 0 = native: 1 for grayscale files, else 3) and scale 1/denom, and
// reports the output size and channels. When out is not NULL it then decodes into out,
// which holds out_len bytes. It returns 0 on success, 2 when the colour space needs the
// Go decoder (CMYK or YCCK), 3 when the data ends early and 1 on other errors, with the message
// in msg.
static int sluice_jpeg_decode(const unsigned char *data, unsigned long len, int channels, int denom,
		unsigned char *out, size_t out_len, int *w, int *h, int *c, char *msg, size_t msglen) {
	struct jpeg_decompress_struct cinfo;
	sluice_err jerr;
	memset(&jerr, 0, sizeof(jerr));
	cinfo.err = jpeg_std_error(&jerr.pub);
	jerr.pub.error_exit = sluice_error_exit;
	jerr.pub.emit_message = sluice_emit_message;
	if (setjmp(jerr.jump)) {
		snprintf(msg, msglen, "%s", jerr.msg);
		jpeg_destroy_decompress(&cinfo);
		return 1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, data, len);
	jpeg_read_header(&cinfo, TRUE);
	if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
		jpeg_destroy_decompress(&cinfo);
		return 2;
	}
	if (channels == 0) {
		channels = cinfo.num_components == 1 ? 1 : 3;
	}
	switch (channels) {
	case 1: cinfo.out_color_space = JCS_GRAYSCALE; break;
	case 3: cinfo.out_color_space = JCS_RGB; break;
	default: cinfo.out_color_space = JCS_EXT_RGBA; break;
	}
	cinfo.scale_num = 1;
	cinfo.scale_denom = denom;
	cinfo.dct_method = JDCT_ISLOW;
	jpeg_calc_output_dimensions(&cinfo);
	*w = cinfo.output_width;
	*h = cinfo.output_height;
	*c = channels;
	if (out == NULL) {
		jpeg_destroy_decompress(&cinfo);
		return 0;
	}
	size_t stride = (size_t)cinfo.output_width * channels;
	if (out_len < stride * cinfo.output_height) {
		snprintf(msg, msglen, "output buffer too small");
		jpeg_destroy_decompress(&cinfo);
		return 1;
	}
	jpeg_start_decompress(&cinfo);
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = out + stride * cinfo.output_scanline;
		jpeg_read_scanlines(&cinfo, &row, 1);
		if (jerr.truncated) {
			break;
		}
	}
	if (!jerr.truncated) {
		jpeg_finish_decompress(&cinfo);
	}
	jpeg_destroy_decompress(&cinfo);
	if (jerr.truncated) {
		snprintf(msg, msglen, "%s", jerr.msg);
		return 3;
	}
	return 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"unsafe"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
)

// libjpegAvailable reports whether this build decodes JPEG with libjpeg-turbo (build tag
// libjpeg); without it every format uses the pure-Go decoders.
const libjpegAvailable = true

// errUseGo says libjpeg declined the file (CMYK) and the Go decoder should take it.
var errUseGo = errors.New("libjpeg: use the Go decoder")

func libjpegCall(data []byte, channels, denom int, out []uint8) (h, w, c int, err error) {
	var cw, ch, cc C.int
	var msg [256]C.char
	var outPtr *C.uchar
	if len(out) > 0 {
		outPtr = (*C.uchar)(unsafe.Pointer(&out[0]))
	}
	rc := C.sluice_jpeg_decode((*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)), C.int(channels), C.int(denom),
		outPtr, C.size_t(len(out)), &cw, &ch, &cc, &msg[0], C.size_t(len(msg)))
	switch rc {
	case 0:
		return int(ch), int(cw), int(cc), nil
	case 2:
		return 0, 0, 0, errUseGo
	case 3:
		return 0, 0, 0, fmt.Errorf("%w (libjpeg: %s)", io.ErrUnexpectedEOF, C.GoString(&msg[0]))
	}
	return 0, 0, 0, errors.New("libjpeg: " + C.GoString(&msg[0]))
}

// decodeLibjpeg decodes a JPEG with libjpeg-turbo, DCT-scaled by 1/2, 1/4 or 1/8 as
// opts.ReducingGap allows (dctScale), then resized exactly with ResizeTo.
func decodeLibjpeg(data []byte, cfg image.Config, opts DecodeOptions) (Image, error) {
	denom := dctScale(cfg.Height, cfg.Width, opts.H, opts.W, opts.ReducingGap)
	h, w, c, err := libjpegCall(data, opts.Mode.Channels(), denom, nil)
	if errors.Is(err, errUseGo) {
		// CMYK and YCCK: jpegdec converts them as PIL does (libjpeg's CMYK, then PIL's
		// cmyk2rgb), which libjpeg alone cannot.
		img, err := decodeJPEGGo(data, cfg, opts)
		if errors.Is(err, jpegdec.ErrUnsupported) {
			return decodeGo(data, opts, "jpeg")
		}
		return img, err
	}
	if err != nil {
		return Image{}, err
	}
	if opts.Mode == ModeL && cfg.ColorModel != color.GrayModel {
		// PIL's L of a colour JPEG is rgb2l of its RGB, not libjpeg's grayscale output
		// (the Y plane), which is up to 14 levels off where the RGB clamps.
		return decodeLibjpegL(data, h, w, denom, opts)
	}
	return decodeThenResize(opts.Dst, h, w, c, opts.H, opts.W, func(buf []uint8) error {
		_, _, _, err := libjpegCall(data, c, denom, buf)
		return err
	})
}

// decodeLibjpegL decodes an h x w (at 1/denom) colour JPEG to RGB with libjpeg and
// converts it to L as PIL's convert("L") does (luma), then resizes.
func decodeLibjpegL(data []byte, h, w, denom int, opts DecodeOptions) (Image, error) {
	return decodeThenResize(opts.Dst, h, w, 1, opts.H, opts.W, func(buf []uint8) error {
		rgb := getScratch(h * w * 3)
		defer putScratch(rgb)
		if _, _, _, err := libjpegCall(data, 3, denom, rgb); err != nil {
			return err
		}
		for i := range buf[:h*w] {
			buf[i] = luma(rgb[3*i], rgb[3*i+1], rgb[3*i+2])
		}
		return nil
	})
}
