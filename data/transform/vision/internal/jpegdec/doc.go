// Package jpegdec is a pure-Go JPEG decoder for the vision package: baseline and
// progressive 8-bit JPEGs in grey, YCbCr, RGB, CMYK or YCCK, with any integral chroma
// sampling (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, ...), decoded straight into a caller's
// interleaved RGB or L buffer, at full size or scaled down by 1/2, 1/4 or 1/8 in the DCT
// domain, with PIL's pixels. Other JPEGs (12-bit, arithmetic-coded, lossless or
// hierarchical) get an error wrapping ErrUnsupported so the caller can use image/jpeg.
//
// It is forked from Go's image/jpeg (reader.go, huffman.go, scan.go; BSD licence, copyright
// headers kept in those files). What changed, and why:
//
//   - Input is a []byte, not an io.Reader: the vision package already holds the whole file,
//     and it lets the bit reader load 8 bytes at once.
//   - The bit buffer is 64 bits wide, kept in locals in the block loops, and refilled 8
//     bytes at a time when none of them is 0xFF (byte-by-byte with unstuffing otherwise),
//     only when the next step needs the bits.
//   - Huffman decoding uses a 10-bit look-up table, and for AC tables a second one that
//     decodes run, size and the coefficient value in one step when they fit, like
//     libjpeg-turbo's jdhuff.c fast path. A component decoded at 1/8 reads only DC: its AC
//     symbols are consumed several at a time through a 13-bit table of whole symbols
//     (code and value bits) and never stored (libjpeg-turbo decodes and drops them one by
//     one), and a progressive file's AC scans of such a component are skipped unread.
//     Tables are rebuilt only when a DHT differs from the pooled decoder's last one.
//   - Coefficients are dequantized while decoded and the last nonzero zig-zag index is
//     tracked, so the IDCT skips work for DC-only blocks and zero columns.
//   - The IDCT is libjpeg-turbo's islow with the arithmetic of its SIMD code, which PIL runs
//     on x86-64 (16-bit dequantization and sums, saturation; identical to its C on valid
//     data, and PIL's pixels on corrupt data too), in AVX2 (idct_amd64.s) or Go; the reduced
//     jpeg_idct_4x4/2x2/1x1 (C arithmetic) give DCT-domain scaling with libjpeg-turbo's
//     choice of chroma block sizes.
//   - Output: libjpeg's fancy chroma upsampling (h2v1, h2v2, h1v2; repeated samples for
//     other ratios) and integer YCbCr to RGB conversion, in AVX2 where the CPU has it
//     (color_amd64.s), into the caller's buffer; CMYK and YCCK as
//     libjpeg outputs them, then PIL's cmyk2rgb; L is PIL's convert("L") of the RGB.
//     Planes, coefficients and Huffman tables are reused through a sync.Pool.
//   - Corrupt data is recovered from as libjpeg does (PIL ignores its warnings): a bad
//     Huffman code reads as symbol 0, a marker inside a scan leaves the rest of the restart
//     interval grey, misplaced restart markers resynchronize by jpeg_resync_to_restart's
//     rules, and Huffman table slots 0 and 1 left undefined get the standard tables. Data that ends early is an error, as it is for libjpeg and PIL. Never a panic;
//     a frame larger than Options.MaxPixels, or than its first scan's data could possibly
//     encode, is refused before allocation.
//   - A baseline scan with restart markers can decode its intervals on several goroutines
//     (Options.Workers), for one large image decoded alone.
//   - Dropped: the io.Reader API, 12-bit precision.
//   - Fixed on the way: restart intervals in non-interleaved scans count blocks, not frame
//     MCUs (image/jpeg rejects testdata/progrst422_q85.jpg, which libjpeg decodes).
//
// The AVX2 kernels need amd64 with AVX2 and no purego build tag (useAVX2), as in
// vision/internal/resample; the Go versions give the same bytes (idct_test.go,
// color_test.go).
//
// Results: every test file decodes to exactly PIL's (libjpeg-turbo's) pixels, at full size
// and at 1/2, 1/4 and 1/8, and so do all 51 JPEGs of Pillow's test images that PIL reads
// (vision's jpeg_conformance_test.go). BenchmarkJPEGDecode (bench_test.go here: bench/ may
// not import an internal package) runs image/jpeg and this package on the same files, one
// core, in CPU time; bench/RESULTS.md has the figures.
package jpegdec
