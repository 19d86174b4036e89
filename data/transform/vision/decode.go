package vision

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
)

// DefaultMaxPixels is the pixel limit Decode applies when DecodeOptions.MaxPixels is 0:
// twice PIL's MAX_IMAGE_PIXELS, the size at which PIL raises DecompressionBombError.
const DefaultMaxPixels = 2 * 89478485

// ErrTooLarge is wrapped by Decode's error for an image whose header declares more pixels
// than DecodeOptions.MaxPixels. Decode returns it before allocating pixel memory.
var ErrTooLarge = errors.New("image too large")

// ErrUnknownFormat is wrapped by Decode's error for input that is empty or in no
// registered image format.
var ErrUnknownFormat = errors.New("unknown image format")

// DecodeOptions are the per-call settings of Decode. The zero value decodes at native size
// in the file's native mode with the DefaultMaxPixels limit.
type DecodeOptions struct {
	// Mode is the output layout; ModeNative keeps the file's own.
	Mode Mode
	// H and W, when both positive, resize the decoded image to H x W with PIL's
	// antialiased BILINEAR filter (ResizeTo). When zero, the native size is kept.
	H, W int
	// MaxPixels refuses an image whose header declares more than this many pixels
	// before any pixel memory is allocated. 0 means DefaultMaxPixels; negative means no
	// limit.
	MaxPixels int
	// Dst, when its capacity is at least the output's H*W*C bytes, receives the pixels
	// (for example a slice of a tensor column); otherwise Decode allocates.
	Dst []uint8
	// PureGo decodes JPEG and WebP with the pure-Go decoders even in a build with the
	// libjpeg or libwebp tag.
	PureGo bool
	// ReducingGap sets how far a JPEG decode is scaled down inside the inverse DCT (by 1/2,
	// 1/4 or 1/8, which skips most of the decoding work on large photos) before the exact
	// resize to H x W: as far as the decoded image stays at least ReducingGap times H x W.
	//   - 0 or 1 (the default) scales as far as the size allows: the rule of PIL's
	//     Image.draft. On the bench's 12 MP photos resized to 224 the result is 0.43 levels
	//     (mean absolute difference) from a full-size decode, 0.94 on the worst photo.
	//   - 2 keeps twice the target size, PIL's Image.thumbnail default: 0.17 levels, and about
	//     25% slower on those photos.
	//   - A negative value decodes at full size, as Ray Data's read_images (PIL without
	//     draft) does.
	// The differences are measured by go run ./bench/cmd/scalediff bench/data/images/large.
	ReducingGap int
	// ApplyOrientation turns the image upright by its EXIF orientation (JPEG, PNG, WebP),
	// as PIL's ImageOps.exif_transpose does, before any resize: H x W is then the size of
	// the upright image. PIL and Ray Data do not do this by default, so neither does
	// Decode. TIFF files are always turned by their orientation tag, as PIL's TIFF plugin
	// does on load.
	ApplyOrientation bool
}

// JPEGDecoder names the JPEG decoder Decode uses in this build: "libjpeg-turbo" when
// built with the libjpeg tag (and cgo), "go" otherwise.
func JPEGDecoder() string {
	if libjpegAvailable {
		return "libjpeg-turbo"
	}
	return "go"
}

// Decode reads one encoded image (JPEG, PNG, GIF, BMP, TIFF or WebP; the first frame of
// an animation) from r and returns it as an HWC Image in opts.Mode, resized when opts
// asks. The result's Pix is opts.Dst when it was large enough; the caller owns it.
//
// Errors say what failed, "sluice: vision: decode jpeg: unexpected EOF", and wrap
// ErrUnknownFormat or ErrTooLarge where they apply; the caller adds the file name. Decode
// never panics on malformed input.
func Decode(r io.Reader, opts DecodeOptions) (Image, error) {
	data, err := readAll(r)
	if err != nil {
		return Image{}, fmt.Errorf("sluice: vision: decode: read: %w", err)
	}
	return DecodeBytes(data, opts)
}

// DecodeBytes is Decode on an in-memory encoded image. It does not retain data.
func DecodeBytes(data []byte, opts DecodeOptions) (img Image, err error) {
	// The boundary every decoder is called under: the internal decoders are written not to
	// panic and recover their own, but a panic in any decoder (x/image's, the standard
	// library's, a future one) must fail this image, not the process.
	defer func() {
		if p := recover(); p != nil {
			img, err = Image{}, fmt.Errorf("sluice: vision: decode: decoder panic: %v", p)
		}
	}()
	return decodeBytes(data, opts)
}

func decodeBytes(data []byte, opts DecodeOptions) (Image, error) {
	if len(data) == 0 {
		return Image{}, fmt.Errorf("sluice: vision: decode: %w: empty input", ErrUnknownFormat)
	}
	if opts.H < 0 || opts.W < 0 || (opts.H == 0) != (opts.W == 0) {
		return Image{}, fmt.Errorf("sluice: vision: decode: size %dx%d: give both height and width, or neither", opts.H, opts.W)
	}
	if opts.Mode < ModeNative || opts.Mode > ModeRGBA {
		return Image{}, fmt.Errorf("sluice: vision: decode: unknown mode %v", opts.Mode)
	}
	if opts.ApplyOrientation {
		if o := orientationOf(sniffAll(data), data); o > 1 {
			return decodeOriented(data, opts, o)
		}
	}
	if format := sniff(data); ownDecoders[format] != nil {
		img, err := decodeOwn(format, data, opts)
		if err != nil {
			return Image{}, fmt.Errorf("sluice: vision: decode %s: %w", format, err)
		}
		return img, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return Image{}, fmt.Errorf("sluice: vision: decode: %w (magic bytes % x)", ErrUnknownFormat, data[:min(len(data), 4)])
		}
		return Image{}, fmt.Errorf("sluice: vision: decode %s header: %w", format, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, opts.MaxPixels); err != nil {
		return Image{}, fmt.Errorf("sluice: vision: decode %s: %w", format, err)
	}
	if format == "jpeg" && libjpegAvailable && !opts.PureGo {
		img, err := decodeLibjpeg(data, cfg, opts)
		if err != nil {
			return Image{}, fmt.Errorf("sluice: vision: decode jpeg: %w", err)
		}
		return img, nil
	}
	if format == "jpeg" {
		img, err := decodeJPEGGo(data, cfg, opts)
		if err == nil {
			return img, nil
		}
		if !errors.Is(err, jpegdec.ErrUnsupported) {
			return Image{}, fmt.Errorf("sluice: vision: decode jpeg: %w", err)
		}
		// image/jpeg decodes what jpegdec leaves out (CMYK, RGB-coded, ...).
	}
	img, err := decodeGo(data, opts, format)
	if err != nil {
		return Image{}, fmt.Errorf("sluice: vision: decode %s: %w", format, err)
	}
	return img, nil
}

// ownDecoders are the formats decoded by this package's internal decoders, which give
// PIL's pixels where the standard and x/image decoders do not.
var ownDecoders = map[string]func([]byte, DecodeOptions) (Image, error){
	"webp": decodeWebP,
	"bmp":  decodeBMP,
	"gif":  decodeGIF,
	"png":  decodePNG,
	"tiff": decodeTIFF,
}

// sniffAll is sniff that also knows JPEG.
func sniffAll(data []byte) string {
	if len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff {
		return "jpeg"
	}
	return sniff(data)
}

// decodeOriented decodes at native size, turns the image by orientation o and then
// resizes it to opts.H x opts.W.
func decodeOriented(data []byte, opts DecodeOptions, o int) (Image, error) {
	full := opts
	full.H, full.W, full.Dst, full.ApplyOrientation = 0, 0, nil, false
	img, err := DecodeBytes(data, full)
	if err != nil {
		return Image{}, err
	}
	img = Orient(img, o)
	if opts.H == 0 || (img.H == opts.H && img.W == opts.W) {
		if cap(opts.Dst) >= len(img.Pix) {
			img.Pix = append(opts.Dst[:0], img.Pix...)
		}
		return img, nil
	}
	if img.Depth == 16 || img.C == 2 {
		return Image{}, fmt.Errorf("sluice: vision: decode: resizing %d-channel %d-bit images is not supported", img.C, max(img.Depth, 8))
	}
	out, err := ResizeTo(opts.Dst, img, opts.H, opts.W, Bilinear)
	if err != nil {
		return Image{}, fmt.Errorf("sluice: vision: decode: %w", err)
	}
	return out, nil
}

// sniff names the format of data by its magic bytes, for the formats of ownDecoders.
func sniff(data []byte) string {
	switch {
	case len(data) >= 2 && data[0] == 'B' && data[1] == 'M':
		return "bmp"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	case len(data) >= 6 && (string(data[:6]) == "GIF87a" || string(data[:6]) == "GIF89a"):
		return "gif"
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return "png"
	case len(data) >= 4 && (string(data[:4]) == "II*\x00" || string(data[:4]) == "MM\x00*" || string(data[:4]) == "II+\x00" || string(data[:4]) == "MM\x00+"):
		return "tiff"
	}
	return ""
}

// decodeOwn runs one of ownDecoders, turning a panic on hostile input into an error: the
// decoders are written not to panic, and one file must not take the process down if a
// case slipped through.
func decodeOwn(format string, data []byte, opts DecodeOptions) (img Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = Image{}, fmt.Errorf("decoder panic: %v", p)
		}
	}()
	return ownDecoders[format](data, opts)
}

// decodeGo decodes with the registered pure-Go decoders, converts to opts.Mode and
// resizes to opts.H x opts.W when asked.
func decodeGo(data []byte, opts DecodeOptions, format string) (Image, error) {
	src, err := decodeImage(data)
	if err != nil {
		return Image{}, err
	}
	mode := opts.Mode
	if mode == ModeNative {
		mode = nativeMode(src)
	}
	b := src.Bounds()
	h, w, c := b.Dy(), b.Dx(), mode.Channels()
	if h <= 0 || w <= 0 {
		return Image{}, fmt.Errorf("empty %s image %dx%d", format, w, h)
	}
	return decodeThenResize(opts.Dst, h, w, c, opts.H, opts.W, func(buf []uint8) error {
		convert(Image{H: h, W: w, C: c, Pix: buf}, src)
		return nil
	})
}

// decodeThenResize runs decode, which writes h x w x c pixels (a JPEG already scaled in the
// DCT, or any decoded image converted to its mode) into the buffer it is given, and resizes
// the result exactly to toH x toW (0 keeps h x w). Every decode path ends here.
// When no resize follows, decode writes straight into dst (or a new buffer when dst is too
// small); otherwise into pooled scratch, and the resize writes into dst.
func decodeThenResize(dst []uint8, h, w, c, toH, toW int, decode func(buf []uint8) error) (Image, error) {
	if toH == 0 || (toH == h && toW == w) {
		img := Image{H: h, W: w, C: c, Pix: buffer(dst, h*w*c)}
		return img, decode(img.Pix)
	}
	scratch := getScratch(h * w * c)
	defer putScratch(scratch)
	if err := decode(scratch); err != nil {
		return Image{}, err
	}
	return ResizeTo(dst, Image{H: h, W: w, C: c, Pix: scratch}, toH, toW, Bilinear)
}

// decodeImage runs the registered decoder, turning a decoder panic on hostile input
// into an error: the standard decoders are not documented to be panic-free.
func decodeImage(data []byte) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder panic: %v", p)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	if err == nil && img == nil {
		err = errors.New("decoder returned no image")
	}
	return img, err
}

func checkSize(w, h, maxPixels int) error {
	if maxPixels == 0 {
		maxPixels = DefaultMaxPixels
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("header declares an empty image %dx%d", w, h)
	}
	if maxPixels > 0 && (w > maxPixels || h > maxPixels || w*h > maxPixels) {
		return fmt.Errorf("%w: header declares %dx%d = %d pixels, limit %d", ErrTooLarge, w, h, w*h, maxPixels)
	}
	return nil
}

func readAll(r io.Reader) ([]byte, error) {
	if br, ok := r.(*bytes.Reader); ok {
		buf := make([]byte, br.Len())
		_, err := io.ReadFull(br, buf)
		return buf, err
	}
	return io.ReadAll(r)
}

// nativeMode is the mode PIL would open src in, folded onto L, RGB and RGBA.
func nativeMode(src image.Image) Mode {
	switch s := src.(type) {
	case *image.Gray, *image.Gray16:
		return ModeL
	case *image.YCbCr, *image.CMYK:
		return ModeRGB
	case *image.NRGBA, *image.RGBA, *image.NYCbCrA, *image.NRGBA64, *image.RGBA64:
		if opaque(src) {
			return ModeRGB
		}
		return ModeRGBA
	case *image.Paletted:
		gray := true
		for _, c := range s.Palette {
			r, g, b, a := c.RGBA()
			if a != 0xffff {
				return ModeRGBA
			}
			if r != g || g != b {
				gray = false
			}
		}
		if gray {
			return ModeL
		}
		return ModeRGB
	}
	return ModeRGBA
}

func opaque(src image.Image) bool {
	if o, ok := src.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// convert writes src into dst (already sized to src's bounds) in dst's mode with a loop
// per source type; only unusual types fall back to the per-pixel color interface.
func convert(dst Image, src image.Image) {
	switch s := src.(type) {
	case *image.YCbCr:
		convertYCbCr(dst, s)
	case *image.NYCbCrA:
		convertYCbCr(dst, &s.YCbCr)
		if dst.C == 4 {
			b := s.Bounds()
			for y := range dst.H {
				a := s.A[s.AOffset(b.Min.X, b.Min.Y+y):]
				row := dst.Pix[y*dst.W*4 : (y+1)*dst.W*4]
				for x := range dst.W {
					row[x*4+3] = a[x]
				}
			}
		}
	case *image.Gray:
		convertGray(dst, s)
	case *image.NRGBA:
		convert4(dst, s.Pix, s.Stride, s.PixOffset(s.Rect.Min.X, s.Rect.Min.Y), false)
	case *image.RGBA:
		convert4(dst, s.Pix, s.Stride, s.PixOffset(s.Rect.Min.X, s.Rect.Min.Y), true)
	case *image.Paletted:
		convertPaletted(dst, s)
	default:
		convertGeneric(dst, src)
	}
}

// convertYCbCr converts planar YCbCr to dst's mode. Chroma subsampled 2x horizontally
// (4:2:0, 4:2:2) is upsampled with libjpeg's "fancy" triangle filter and converted with
// libjpeg's rounding, as PIL (libjpeg-turbo) decodes it; Go's image.YCbCr.At would
// repeat each chroma sample instead, which is up to tens of levels off at colour edges.
// Other ratios repeat samples.
func convertYCbCr(dst Image, s *image.YCbCr) {
	b := s.Bounds()
	if dst.C == 1 {
		// The luma plane is L up to rounding (JFIF's Y uses PIL's L weights).
		for y := range dst.H {
			copy(dst.Pix[y*dst.W:(y+1)*dst.W], s.Y[s.YOffset(b.Min.X, b.Min.Y+y):][:dst.W])
		}
		return
	}
	ratio := s.SubsampleRatio
	fancy := b.Min.X%2 == 0 && b.Min.Y%2 == 0 && (ratio == image.YCbCrSubsampleRatio420 || ratio == image.YCbCrSubsampleRatio422)
	// libjpeg-turbo turns fancy upsampling off for chroma 2 samples wide or less.
	if !fancy || (dst.W+1)/2 <= 2 {
		convertYCbCrNearest(dst, s)
		return
	}
	cw := (dst.W + 1) / 2
	ch := dst.H
	if ratio == image.YCbCrSubsampleRatio420 {
		ch = (dst.H + 1) / 2
	}
	cbRow, crRow := make([]uint8, 2*cw), make([]uint8, 2*cw)
	chromaRow := func(plane []uint8, r int) []uint8 {
		r = min(max(r, 0), ch-1) // libjpeg replicates the edge rows
		off := s.COffset(b.Min.X, b.Min.Y) + r*s.CStride
		return plane[off : off+cw]
	}
	c := dst.C
	for y := range dst.H {
		if ratio == image.YCbCrSubsampleRatio420 {
			r := y / 2
			nb := r - 1 // upper output row of a pair blends with the row above
			if y%2 == 1 {
				nb = r + 1
			}
			fancyH2V2(cbRow, chromaRow(s.Cb, r), chromaRow(s.Cb, nb))
			fancyH2V2(crRow, chromaRow(s.Cr, r), chromaRow(s.Cr, nb))
		} else {
			fancyH2V1(cbRow, chromaRow(s.Cb, y))
			fancyH2V1(crRow, chromaRow(s.Cr, y))
		}
		yrow := s.Y[s.YOffset(b.Min.X, b.Min.Y+y):][:dst.W]
		cbr, crr := cbRow[:len(yrow)], crRow[:len(yrow)]
		row := dst.Pix[y*dst.W*c : (y+1)*dst.W*c]
		if c == 3 {
			row = row[:len(yrow)*3]
			for x, yv := range yrow {
				p := row[x*3 : x*3+3 : x*3+3]
				cb, cr := cbr[x], crr[x]
				yi := int32(yv) + clampOffset
				p[0] = clampTab[yi+crToR[cr]]
				p[1] = clampTab[yi+(cbToG[cb]+crToG[cr])>>16]
				p[2] = clampTab[yi+cbToB[cb]]
			}
			continue
		}
		for x, yv := range yrow {
			p := row[x*c : x*c+4 : x*c+4]
			p[0], p[1], p[2] = jpegYCbCrToRGB(yv, cbr[x], crr[x])
			p[3] = 255
		}
	}
}

// libjpeg's colour conversion tables (jdcolor.c build_ycc_rgb_table) and its clamp
// (range_limit): the same integers as jpegYCbCrToRGB, by look-up.
var (
	crToR, cbToB, crToG, cbToG [256]int32
	clampTab                   [1024]uint8
)

const clampOffset = 384

func init() {
	for i := range 256 {
		x := int32(i) - 128
		crToR[i] = (91881*x + 1<<15) >> 16
		cbToB[i] = (116130*x + 1<<15) >> 16
		crToG[i] = -46802 * x
		cbToG[i] = -22554*x + 1<<15
	}
	for i := range clampTab {
		clampTab[i] = clamp255(int32(i - clampOffset))
	}
}

// fancyH2V2 is libjpeg's h2v2_fancy_upsample for one output row: near is the chroma row
// this output row falls in, far the adjacent one (weights 3:1 vertically, then 3:1
// horizontally, with libjpeg's alternating rounding). It needs len(near) > 2.
func fancyH2V2(out, near, far []uint8) {
	n := len(near)
	sum := func(i int) int { return int(near[i])*3 + int(far[i]) }
	this, next := sum(0), sum(1)
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = sum(i + 1)
		out[2*i] = uint8((this*3 + last + 8) >> 4)
		out[2*i+1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}

// fancyH2V1 is libjpeg's h2v1_fancy_upsample (horizontal 3:1 triangle); len(in) > 2.
func fancyH2V1(out, in []uint8) {
	n := len(in)
	out[0] = in[0]
	out[1] = uint8((int(in[0])*3 + int(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := int(in[i]) * 3
		out[2*i] = uint8((v + int(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((int(in[n-1])*3 + int(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// jpegYCbCrToRGB is libjpeg's ycc_rgb_convert: 16-bit fixed point, rounded, clamped.
func jpegYCbCrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	const (
		fixR  = 91881  // FIX(1.40200)
		fixGB = 22554  // FIX(0.34414)
		fixGR = 46802  // FIX(0.71414)
		fixB  = 116130 // FIX(1.77200)
		half  = 1 << 15
	)
	cbv, crv := int32(cb)-128, int32(cr)-128
	yy := int32(y)
	r := yy + (fixR*crv+half)>>16
	g := yy + (-fixGB*cbv-fixGR*crv+half)>>16
	b := yy + (fixB*cbv+half)>>16
	return clamp255(r), clamp255(g), clamp255(b)
}

func clamp255(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

func convertYCbCrNearest(dst Image, s *image.YCbCr) {
	b := s.Bounds()
	c := dst.C
	for y := range dst.H {
		sy := b.Min.Y + y
		yrow := s.Y[s.YOffset(b.Min.X, sy):][:dst.W]
		row := dst.Pix[y*dst.W*c : (y+1)*dst.W*c]
		for x, yv := range yrow {
			ci := s.COffset(b.Min.X+x, sy)
			p := row[x*c : x*c+3 : x*c+3]
			p[0], p[1], p[2] = jpegYCbCrToRGB(yv, s.Cb[ci], s.Cr[ci])
			if c == 4 {
				row[x*c+3] = 255
			}
		}
	}
}

func convertGray(dst Image, s *image.Gray) {
	b := s.Bounds()
	for y := range dst.H {
		src := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
		src = src[:dst.W]
		row := dst.Pix[y*dst.W*dst.C : (y+1)*dst.W*dst.C]
		switch dst.C {
		case 1:
			copy(row, src)
		case 3:
			for x, v := range src {
				row[x*3], row[x*3+1], row[x*3+2] = v, v, v
			}
		case 4:
			for x, v := range src {
				row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = v, v, v, 255
			}
		}
	}
}

// convert4 converts 4-byte RGBA pixels; premul says the colour is premultiplied by alpha
// (image.RGBA) and must be divided out for the non-premultiplied modes PIL uses.
func convert4(dst Image, pix []uint8, stride, off int, premul bool) {
	for y := range dst.H {
		src := pix[off+y*stride:]
		src = src[:dst.W*4]
		row := dst.Pix[y*dst.W*dst.C : (y+1)*dst.W*dst.C]
		for x := range dst.W {
			p := src[x*4 : x*4+4 : x*4+4]
			r, g, b, a := p[0], p[1], p[2], p[3]
			if premul && a != 255 && a != 0 {
				r = uint8((uint32(r)*255 + uint32(a)/2) / uint32(a))
				g = uint8((uint32(g)*255 + uint32(a)/2) / uint32(a))
				b = uint8((uint32(b)*255 + uint32(a)/2) / uint32(a))
			}
			switch dst.C {
			case 1:
				row[x] = luma(r, g, b)
			case 3:
				row[x*3], row[x*3+1], row[x*3+2] = r, g, b
			case 4:
				row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = r, g, b, a
			}
		}
	}
}

// luma is PIL's RGB to L conversion: ITU-R 601-2 weights in 16.16 fixed point, rounded.
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

func convertPaletted(dst Image, s *image.Paletted) {
	var lut [256][4]uint8
	for i, c := range s.Palette {
		if i >= 256 {
			break
		}
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		lut[i] = [4]uint8{n.R, n.G, n.B, n.A}
	}
	if dst.C == 1 {
		for i := range lut {
			lut[i][0] = luma(lut[i][0], lut[i][1], lut[i][2])
		}
	}
	b := s.Bounds()
	c := dst.C
	for y := range dst.H {
		src := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
		src = src[:dst.W]
		row := dst.Pix[y*dst.W*c : (y+1)*dst.W*c]
		for x, idx := range src {
			copy(row[x*c:x*c+c], lut[idx][:c])
		}
	}
}

func convertGeneric(dst Image, src image.Image) {
	b := src.Bounds()
	c := dst.C
	for y := range dst.H {
		row := dst.Pix[y*dst.W*c : (y+1)*dst.W*c]
		for x := range dst.W {
			n := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			switch c {
			case 1:
				row[x] = luma(n.R, n.G, n.B)
			case 3:
				row[x*3], row[x*3+1], row[x*3+2] = n.R, n.G, n.B
			case 4:
				row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = n.R, n.G, n.B, n.A
			}
		}
	}
}
