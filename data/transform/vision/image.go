// Package vision decodes images into plain HWC uint8 buffers and transforms them the way
// PIL and torchvision do: an antialiased resize that matches Pillow's Image.resize, crops,
// flips, grayscale, Gaussian blur, thumbnails, TrivialAugmentWide and ToTensor-style
// normalization.
//
// The package knows nothing of Arrow or Datasets. Every function works on an [Image], a view
// of a row-major height x width x channels byte buffer, so it can run inside any batch
// function on a slice of a tensor column. Kernels are single-threaded on purpose: sluice's
// executor already keeps every core busy, and a kernel that fans out would fight it.
//
// Decoding is pure Go by default and gives PIL's pixels (what Ray Data's read_images
// returns): JPEG with internal/jpegdec, which computes what libjpeg-turbo (and so PIL) does
// (the same IDCT, chroma upsampling and colour rounding), image/jpeg for the JPEGs jpegdec
// leaves out; WebP with internal/webpdec (libwebp's fancy upsampling and fixed-point
// YUV->RGB over x/image/vp8's planes, alpha, an animation's first frame); BMP with
// internal/bmpdec (every header, bitfield and RLE variant PIL reads); GIF's first frame with
// internal/gifdec (PIL's canvas and transparency rules); TIFF with internal/tiffdec (strips,
// tiles, planar, 1- to 32-bit samples, LZW/Deflate/PackBits with prediction, CCITT, JPEG)
// and PIL's mode conversions; PNG with image/png and PIL's 16-bit rules. ModeNative keeps
// what the file holds, 16-bit samples included. testdata/conformance/images holds Pillow's
// own test images and PIL's decodes of them; TestConformance compares every file. Built
// with -tags libjpeg (cgo, Debian libjpeg62-turbo-dev; see scripts/install-libjpeg.sh)
// JPEG goes through libjpeg-turbo itself, and with -tags libwebp (Debian libwebp-dev;
// scripts/install-libwebp.sh) still WebP images go through libwebp, about 3 times faster
// and with the same pixels. Both JPEG paths scale by 1/2, 1/4 or 1/8 inside
// the DCT when a requested size allows (DecodeOptions.ReducingGap) and are bit-identical to
// PIL at native size. The resize passes run on AVX2 kernels where the CPU has them
// (internal/resample), with the same output as the Go loops.
//
// Memory: functions that take a dst []uint8 write into it when it is long enough and
// allocate otherwise; nothing here holds a reference after it returns. No function panics
// on bad input; it returns an error prefixed "sluice: vision: ". Decode also contains a
// panic of any decoder it calls and returns it as an error, so one hostile file cannot
// take a pipeline down.
package vision

import (
	"errors"
	"fmt"
)

// Mode is the pixel layout of an Image, named as in PIL.
type Mode int

const (
	// ModeNative keeps what the file holds, as PIL's np.asarray(Image.open(f)) (Ray's
	// mode=None) does: 1 channel for grayscale, 2 for grayscale with alpha, 3 for colour, 4
	// for colour with alpha, at the file's depth: 16-bit PNG and TIFF samples stay 16-bit
	// (Image.Depth 16). Palette and 1-bit files expand to their colours (PIL leaves palette
	// indices and booleans); CMYK, YCbCr and Lab files give RGB. It is the zero value.
	// Transforms take 8-bit L, RGB and RGBA images: convert other native images first.
	ModeNative Mode = iota
	// ModeL is 8-bit grayscale, one channel.
	ModeL
	// ModeRGB is three 8-bit channels.
	ModeRGB
	// ModeRGBA is four 8-bit channels, alpha not premultiplied.
	ModeRGBA
)

// Channels returns the number of channels of m, or 0 for ModeNative.
func (m Mode) Channels() int {
	switch m {
	case ModeL:
		return 1
	case ModeRGB:
		return 3
	case ModeRGBA:
		return 4
	}
	return 0
}

// String returns PIL's name of the mode.
func (m Mode) String() string {
	switch m {
	case ModeNative:
		return "native"
	case ModeL:
		return "L"
	case ModeRGB:
		return "RGB"
	case ModeRGBA:
		return "RGBA"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ModeOf returns the mode of an image with c channels (1, 3 or 4), or ModeNative.
func ModeOf(c int) Mode {
	switch c {
	case 1:
		return ModeL
	case 3:
		return ModeRGB
	case 4:
		return ModeRGBA
	}
	return ModeNative
}

// Image is a view of an image stored height x width x channels, row-major, with no
// padding between rows: the byte of channel c of pixel (x, y) is Pix[(y*W+x)*C+c]. C is
// 1 (L), 3 (RGB) or 4 (RGBA). An Image does not own Pix; it may be a slice of a larger
// buffer such as a tensor column.
//
// A ModeNative decode may also give C 2 (gray with alpha) or Depth 16, where each sample
// is a little-endian uint16 in two bytes of Pix (Pix holds H*W*C*2 bytes). Transforms
// refuse those through Validate.
type Image struct {
	H, W, C int
	Pix     []uint8
	// Depth is the bits per sample: 0 (the zero value) or 8 for bytes, 16 for uint16.
	Depth int
}

// ErrInvalidImage is wrapped by errors about an Image whose fields disagree.
var ErrInvalidImage = errors.New("invalid image")

// New allocates a zeroed h x w x c image.
func New(h, w, c int) (Image, error) {
	if h <= 0 || w <= 0 || (c != 1 && c != 3 && c != 4) {
		return Image{}, fmt.Errorf("sluice: vision: new image: %w: %dx%dx%d", ErrInvalidImage, h, w, c)
	}
	return Image{H: h, W: w, C: c, Pix: make([]uint8, h*w*c)}, nil
}

// Validate reports whether img is an 8-bit image that transforms take: its dimensions are
// positive, C is 1, 3 or 4, and Pix holds exactly H*W*C bytes.
func (img Image) Validate() error {
	if img.Depth != 0 && img.Depth != 8 {
		return fmt.Errorf("sluice: vision: %w: %d-bit samples (transforms take 8-bit images; decode in an 8-bit mode)", ErrInvalidImage, img.Depth)
	}
	if img.H <= 0 || img.W <= 0 {
		return fmt.Errorf("sluice: vision: %w: size %dx%d", ErrInvalidImage, img.H, img.W)
	}
	if img.C != 1 && img.C != 3 && img.C != 4 {
		return fmt.Errorf("sluice: vision: %w: %d channels (want 1, 3 or 4)", ErrInvalidImage, img.C)
	}
	if len(img.Pix) != img.H*img.W*img.C {
		return fmt.Errorf("sluice: vision: %w: %d bytes for %dx%dx%d", ErrInvalidImage, len(img.Pix), img.H, img.W, img.C)
	}
	return nil
}

// valid reports whether img is a well-formed decode result, which Validate's 8-bit
// images are and ModeNative's 2-channel and 16-bit ones too.
func (img Image) valid() error {
	if img.Depth != 16 && img.C != 2 {
		return img.Validate()
	}
	bytes := 1
	if img.Depth == 16 {
		bytes = 2
	}
	if img.H <= 0 || img.W <= 0 || img.C < 1 || img.C > 4 || len(img.Pix) != img.H*img.W*img.C*bytes {
		return fmt.Errorf("sluice: vision: %w: %d bytes for %dx%dx%d at %d bits", ErrInvalidImage, len(img.Pix), img.H, img.W, img.C, img.Depth)
	}
	return nil
}

// Mode returns the mode matching img.C.
func (img Image) Mode() Mode { return ModeOf(img.C) }

// Clone returns a copy of img with its own Pix.
func (img Image) Clone() Image {
	img.Pix = append([]uint8(nil), img.Pix...)
	return img
}

// buffer returns dst[:n] when dst is long enough and a new slice otherwise.
func buffer(dst []uint8, n int) []uint8 {
	if cap(dst) >= n {
		return dst[:n]
	}
	return make([]uint8, n)
}
