// Package webpdec decodes the first frame of a WebP file to the pixels libwebp gives
// through WebPAnimDecoder, which is how PIL (and so Ray Data's read_images) reads WebP.
//
// Lossy frames are decoded by golang.org/x/image/vp8 (VP8 reconstruction is exact by
// specification, so its Y, U and V planes are libwebp's) and converted to RGB here with
// libwebp's defaults: "fancy" chroma upsampling (src/dsp/upsampling.c, UpsampleRgbLinePair)
// and its 14-bit fixed-point BT.601 conversion (src/dsp/yuv.h, VP8YUVToR/G/B), where Go's
// image.YCbCr would repeat each chroma sample and round differently. Lossless frames are
// golang.org/x/image/vp8l's, exact by construction. Alpha (VP8X + ALPH: raw or VP8L
// compressed, with its prediction filters) is decoded as libwebp does without dithering,
// and an animation's first frame is placed on a transparent canvas of the animation's size,
// as WebPAnimDecoder does for its key frame.
//
// Nothing here panics on malformed input that the x/image decoders do not panic on; the
// caller (package vision) contains panics at its decode boundary anyway.
package webpdec
