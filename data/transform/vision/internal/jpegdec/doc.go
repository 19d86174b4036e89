// Package jpegdec is a pure-Go JPEG decoder for the vision package: baseline and
// progressive 8-bit JPEGs, grey or YCbCr with 4:4:4, 4:2:2 or 4:2:0 chroma, decoded straight
// into a caller's interleaved RGB or L buffer, at full size or scaled down by 1/2, 1/4 or
// 1/8 in the DCT domain. Other JPEGs (CMYK, YCCK, RGB, 12-bit, arithmetic-coded, other
// subsamplings) get an error wrapping ErrUnsupported so the caller can use image/jpeg.
//
// It is forked from Go's image/jpeg (reader.go, huffman.go, scan.go; BSD licence, copyright
// headers kept in those files). What changed, and why:
//
//   - Input is a []byte, not an io.Reader: the vision package already holds the whole file,
//     and it lets the bit reader load 8 bytes at once.
//   - The bit buffer is 64 bits wide, kept in locals in the block loop, and refilled 8
//     bytes at a time when none of them is 0xFF (byte-by-byte with unstuffing otherwise).
//     At a marker or the end of the data it feeds zero bits as libjpeg does; consuming
//     them is an error ("short Huffman data"), as running out is in image/jpeg.
//   - Huffman decoding uses a 10-bit look-up table, and for AC tables a second one that
//     decodes run, size and the coefficient value in one step when they fit, like
//     libjpeg-turbo's jdhuff.c fast path (image/jpeg: 8 bits, code only).
//   - Coefficients are dequantized while decoded and the last nonzero zig-zag index is
//     tracked, so the IDCT skips work for DC-only blocks and blocks confined to the
//     top-left 4x4.
//   - The IDCT is libjpeg's jpeg_idct_islow instead of image/jpeg's, so that pixels match
//     libjpeg-turbo (PIL), and the reduced jpeg_idct_4x4/2x2/1x1 give DCT-domain scaling
//     with libjpeg-turbo's choice of chroma block sizes.
//   - Output: libjpeg's fancy chroma upsampling and integer YCbCr to RGB conversion (from
//     the vision package's convertYCbCr) into the caller's buffer, instead of an
//     image.YCbCr. Planes, coefficients and Huffman tables are reused through a sync.Pool.
//   - Hostile input: errors, never panics; a frame larger than Options.MaxPixels, or than
//     its first scan's data could possibly encode, is refused before allocation.
//   - Dropped: CMYK/YCCK/RGB output, 4:4:0/4:1:1/4:1:0 chroma, the io.Reader API.
//   - Fixed on the way: restart intervals in non-interleaved scans count blocks, not frame
//     MCUs (image/jpeg rejects testdata/progrst422_q85.jpg, which libjpeg decodes).
//
// Results: every test file decodes to exactly PIL's (libjpeg-turbo's) pixels, at full size
// and at 1/2, 1/4 and 1/8. BenchmarkJPEGDecode (bench_test.go here: bench/ may not import
// an internal package) runs image/jpeg and this package on the same files, one core, in
// CPU time. On the ImageNet-like corpus (500x375, q90, 4:2:0) this package decodes to RGB
// about 1.7x as many images per CPU second as image/jpeg decodes to YCbCr planes; of its
// time, Huffman decoding is about a third, the fused fancy upsampling and colour conversion
// a third, and the IDCT a quarter. On 4000x3000 photos it is 1.55x at full size, 3.7x at
// 1/4 and 4.8x at 1/8, where Huffman decoding is two thirds of the time. Progressive
// files gain less (1.2x full size, 1.6x at 1/4): successive-approximation refinement
// still reads one bit at a time.
package jpegdec
