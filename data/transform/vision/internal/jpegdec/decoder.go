package jpegdec

import (
	"fmt"
	"sync"
)

// DefaultMaxPixels is the limit Options.MaxPixels 0 stands for: the same as the vision
// package's DefaultMaxPixels, twice PIL's decompression-bomb limit.
const DefaultMaxPixels = 2 * 89478485

// Options are the per-call settings of Decode and DecodeScaled. The zero value decodes to
// 3-channel RGB into a new buffer with the DefaultMaxPixels limit.
type Options struct {
	// Channels is 3 for interleaved RGB or 1 for L: a grey JPEG's samples, or for a
	// colour one PIL's Image.convert("L") of the RGB (rgb2l), exactly; 0 means 3.
	Channels int
	// MaxPixels refuses a JPEG whose frame header declares more pixels than this, before
	// any pixel memory is allocated; 0 means DefaultMaxPixels, negative means no limit.
	MaxPixels int
	// Dst receives the pixels when its capacity is at least H*W*Channels bytes (for
	// example a slice of a tensor column); otherwise the decoder allocates.
	Dst []uint8
	// Workers, above 1, lets a large baseline JPEG with restart markers decode its
	// restart intervals on up to that many goroutines, all finished before the call
	// returns: less wall time for one image decoded alone, about the same CPU time. A
	// caller that already decodes one image per core should leave it 0 (serial).
	Workers int
	// FirstComponent, with Channels 1, gives the first component's samples as stored (what
	// libjpeg's grayscale output of a colour JPEG is), not PIL's convert("L"): a TIFF reader
	// uses it to get each component of a JPEG-in-TIFF strip in turn.
	FirstComponent bool
}

// Image is a decoded image: H rows of W pixels of C interleaved 8-bit channels in Pix,
// with no padding (len(Pix) == H*W*C). Pix is Options.Dst when that was large enough;
// the caller owns it either way.
type Image struct {
	W, H, C int
	Pix     []uint8
}

// Config is what the frame header says about a JPEG.
type Config struct {
	Width, Height int
	// Components is 1 (grayscale), 3 (YCbCr or RGB) or 4 (CMYK or YCCK).
	Components int
	// Progressive reports a progressive (SOF2) JPEG.
	Progressive bool
}

// DecodeConfig reads the frame header of a JPEG this package can decode. It returns an
// error wrapping ErrUnsupported for one it cannot (see ErrUnsupported).
func DecodeConfig(data []byte) (Config, error) {
	d := getDecoder(data, 1)
	defer putDecoder(d)
	if err := d.parse(true); err != nil {
		return Config{}, err
	}
	return Config{Width: d.width, Height: d.height, Components: d.nComp, Progressive: d.progressive}, nil
}

// Decode decodes a baseline or progressive JPEG held in data at full size. It is
// DecodeScaled with denom 1; see there.
func Decode(data []byte, opts Options) (Image, error) {
	return DecodeScaled(data, 1, opts)
}

// DecodeScaled decodes a baseline or progressive JPEG held in data, scaled down by 1/denom
// (1, 2, 4 or 8) in the DCT domain as libjpeg's scale_denom does: the result is
// ScaledSize(width, height, denom) pixels, with libjpeg-turbo's reduced inverse DCTs,
// chroma upsampling (its "fancy" triangle filter where libjpeg uses it) and its integer
// YCbCr to RGB conversion, so pixels match libjpeg-turbo (and PIL): identically on every
// test file, full size and scaled.
//
// It does not retain data. It is safe for concurrent use; scratch planes come from a
// sync.Pool. It never panics on malformed input: errors are image/jpeg-style
// ("invalid JPEG format: ...") for broken data, wrap ErrUnsupported for valid JPEGs it
// does not decode (the caller should fall back to image/jpeg) and ErrTooLarge for a
// header over opts.MaxPixels. The caller prefixes the input's name.
func DecodeScaled(data []byte, denom int, opts Options) (Image, error) {
	switch denom {
	case 1, 2, 4, 8:
	default:
		return Image{}, fmt.Errorf("jpegdec: scale denominator %d: want 1, 2, 4 or 8", denom)
	}
	c := opts.Channels
	if c == 0 {
		c = 3
	}
	if c != 1 && c != 3 {
		return Image{}, fmt.Errorf("jpegdec: %d channels: want 1 or 3", opts.Channels)
	}
	maxPixels := opts.MaxPixels
	if maxPixels == 0 {
		maxPixels = DefaultMaxPixels
	}
	d := getDecoder(data, denom)
	defer putDecoder(d)
	d.maxPixels = maxPixels
	d.workers = opts.Workers
	d.firstComponent = opts.FirstComponent
	if err := d.parse(false); err != nil {
		return Image{}, err
	}
	if d.progressive {
		d.reconstructProgressive()
	}
	d.clearMissing()
	w, h := ScaledSize(d.width, d.height, denom)
	img := Image{W: w, H: h, C: c}
	if n := w * h * c; cap(opts.Dst) >= n {
		img.Pix = opts.Dst[:n]
	} else {
		img.Pix = make([]uint8, n)
	}
	d.writeOutput(img)
	return img, nil
}

// ScaledSize is the size DecodeScaled gives a w x h JPEG at 1/denom: ceil(w/denom) x
// ceil(h/denom), as libjpeg computes output_width and output_height.
func ScaledSize(w, h, denom int) (int, int) {
	return (w + denom - 1) / denom, (h + denom - 1) / denom
}

// entropy is the state of one entropy decoder over a stretch of a scan: its bit reader,
// DC predictions, block buffer and libjpeg's insufficient_data flag (the data hit a marker,
// and the MCUs up to the next restart marker are not decoded).
type entropy struct {
	br           bitReader
	dcPred       [maxComponents]int32
	insufficient bool
	// blk holds one block's dequantized coefficients in natural order.
	blk block
}

// block holds one block's coefficients (or a quantization table). It is padded to 128
// entries so that the block decoder's indexes, masked with &127, need no bounds checks; a
// corrupt run past the 64th coefficient lands in entry 63 as in libjpeg (natural), and a
// quantization table repeats its last entry in the padding for it.
type block [2 * blockSize]int32

// decoder is one decode's state. The Huffman tables and the scratch buffers survive in
// decoderPool between decodes; everything else is reset by getDecoder.
type decoder struct {
	huff [maxTc + 1][maxTh + 1]huffman
	// planeBuf backs the component planes, coefBuf the progressive coefficients, rowBuf
	// the upsampled chroma rows.
	planeBuf []byte
	coefBuf  []int16
	// nzBuf backs nz, one mask a progressive block: bit z set when the coefficient at
	// zig-zag position z may be nonzero (a superset: it is never cleared), so that
	// refinement inside an end-of-band run visits only those.
	nzBuf  []uint64
	rowBuf []byte
	state
}

// state is the part of decoder reset for every image.
type state struct {
	data []byte
	pos  int // next byte of data to parse

	width, height int
	nComp         int
	comp          [maxComponents]component
	baseline      bool
	progressive   bool
	sawScan       bool

	jfif                bool
	adobeTransformValid bool
	adobeTransform      uint8

	ri     int   // restart interval in MCUs
	eobRun int32 // End-of-Band run, specified in section G.1.2.2
	// nextRestart is the number (0-7) of the restart marker due next in the scan.
	nextRestart int

	// quant are the quantization tables in zig-zag order.
	quant [maxTq + 1]block

	// Output geometry, set by setup at the first scan.
	denom     int
	maxPixels int
	workers   int
	// firstComponent is Options.FirstComponent.
	firstComponent bool
	ready          bool
	mxx, myy       int // MCUs per row and column
	hmax           int
	vmax           int
	bs             [maxComponents]int // IDCT output size of a block: 8, 4, 2 or 1
	bw, bh         [maxComponents]int // blocks per row and column of each component
	dw, dh         [maxComponents]int // component size in samples (libjpeg's downsampled_width)
	planes         [maxComponents][]byte
	strides        [maxComponents]int
	coefs          [maxComponents][]int16
	nz             [maxComponents][]uint64
	decoded        [maxComponents]bool
	// entropy is the serial decoder's entropy state; a parallel one has one per worker.
	entropy
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

func getDecoder(data []byte, denom int) *decoder {
	d := decoderPool.Get().(*decoder)
	d.state = state{data: data, denom: denom}
	for i := range d.huff {
		for j := range d.huff[i] {
			d.huff[i][j].nCodes = 0
		}
	}
	return d
}

// maxPooledBytes caps the scratch a pooled decoder keeps: the planes of a 4000x3000 photo
// (18 MB) stay for the next one, the hundreds of megabytes of a rare giant do not.
const maxPooledBytes = 64 << 20

// putDecoder returns d to the pool, dropping references to the caller's data.
func putDecoder(d *decoder) {
	d.state = state{}
	if cap(d.planeBuf) > maxPooledBytes {
		d.planeBuf = nil
	}
	if 2*cap(d.coefBuf) > maxPooledBytes {
		d.coefBuf, d.nzBuf = nil, nil
	}
	decoderPool.Put(d)
}

// setup fixes the block geometry and allocates the planes (and, for a progressive JPEG,
// the coefficients) at the first scan; processSOS has checked the header's size.
func (d *decoder) setup() {
	d.hmax, d.vmax = 1, 1
	for _, c := range d.comp[:d.nComp] {
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	d.mxx = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.myy = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	minBS := 8 / d.denom
	planeBytes, coefs := 0, 0
	for i := 0; i < d.nComp; i++ {
		c := d.comp[i]
		// libjpeg-turbo's jpeg_core_output_dimensions: scale subsampled chroma up in
		// the IDCT rather than upsample it afterwards, while the ratios allow.
		bs := minBS
		for bs < 8 && (d.hmax*minBS)%(c.h*bs*2) == 0 && (d.vmax*minBS)%(c.v*bs*2) == 0 {
			bs *= 2
		}
		d.bs[i] = bs
		d.bw[i] = (d.width*c.h + 8*d.hmax - 1) / (8 * d.hmax)
		d.bh[i] = (d.height*c.v + 8*d.vmax - 1) / (8 * d.vmax)
		d.dw[i] = (d.width*c.h*bs + 8*d.hmax - 1) / (8 * d.hmax)
		d.dh[i] = (d.height*c.v*bs + 8*d.vmax - 1) / (8 * d.vmax)
		d.strides[i] = d.mxx * c.h * bs
		planeBytes += d.strides[i] * d.myy * c.v * bs
		coefs += d.mxx * c.h * d.myy * c.v * blockSize
	}
	d.planeBuf = grow(d.planeBuf, planeBytes)
	off := 0
	for i := 0; i < d.nComp; i++ {
		n := d.strides[i] * d.myy * d.comp[i].v * d.bs[i]
		d.planes[i] = d.planeBuf[off : off+n : off+n]
		off += n
	}
	if d.progressive {
		d.coefBuf = grow(d.coefBuf, coefs)
		clear(d.coefBuf)
		d.nzBuf = grow(d.nzBuf, coefs/blockSize)
		clear(d.nzBuf)
		off = 0
		for i := 0; i < d.nComp; i++ {
			n := d.mxx * d.comp[i].h * d.myy * d.comp[i].v * blockSize
			d.coefs[i] = d.coefBuf[off : off+n : off+n]
			d.nz[i] = d.nzBuf[off/blockSize : (off+n)/blockSize : (off+n)/blockSize]
			off += n
		}
	}
	d.ready = true
}

// grow returns buf resized to n, reallocating when its capacity is short.
func grow[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n)
}

// clearMissing sets the planes of components no scan decoded to mid-grey, so that a
// file without them gives a deterministic picture rather than a previous image's pixels.
func (d *decoder) clearMissing() {
	if d.progressive {
		return // every plane was reconstructed from (zeroed) coefficients
	}
	for i := 0; i < d.nComp; i++ {
		if !d.decoded[i] {
			p := d.planes[i]
			for j := range p {
				p[j] = 128
			}
		}
	}
}
