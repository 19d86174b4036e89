package tiffdec

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"

	"golang.org/x/image/ccitt"
	"golang.org/x/image/tiff/lzw"
)

// Image is the first image of a file as samples.
type Image struct {
	W, H int
	// SamplesPerPixel, Bits (1, 2, 4, 8, 12, 16 or 32), SampleFormat (1 unsigned, 2 signed,
	// 3 float), Photometric and ExtraSamples are the file's, after PIL's normalisation (a
	// single BitsPerSample value stands for every sample; unspecified extra samples of a
	// planar file are dropped).
	SamplesPerPixel int
	Bits            int
	SampleFormat    int
	Photometric     int
	ExtraSamples    []int
	Orientation     int
	// ColorMap is the palette of photometric 3, 16 bits per component.
	ColorMap [][3]uint16
	// Pix holds the samples interleaved, row-major: one byte each for Bits up to 8
	// (unscaled values, so 0..3 for 2-bit samples), a little-endian uint16 for 12 and 16,
	// and a little-endian uint32 (or float32) for 32. JPEG-compressed files hold the
	// decoder's 8-bit RGB (or CMYK, Photometric 5) instead, with Bits 8.
	Pix []byte
}

// BytesPerSample is the size of one sample in Pix.
func (m Image) BytesPerSample() int { return bytesPer(m.Bits) }

func bytesPer(b int) int {
	switch {
	case b <= 8:
		return 1
	case b <= 16:
		return 2
	}
	return 4
}

// JPEGMode says how a JPEG stream of a TIFF becomes samples, as libtiff does for PIL.
type JPEGMode int

const (
	// JPEGToRGB converts YCbCr to RGB in libjpeg (JPEGCOLORMODE_RGB, new-style JPEG).
	JPEGToRGB JPEGMode = iota
	// JPEGRaw gives the components as stored (photometric RGB, CMYK or gray: libjpeg's
	// JCS_UNKNOWN output).
	JPEGRaw
	// JPEGReplicate gives RGB from the components at their stored resolution, each
	// chroma sample replicated over the pixels it covers (old-style JPEG, which PIL reads
	// through libtiff's TIFFReadRGBA* and its putcontig8bitYCbCr tile functions).
	JPEGReplicate
)

// JPEGFunc decodes one JPEG stream: a strip or tile with the file's tables, or an
// old-style file's whole stream. It returns the size, the number of channels and the
// 8-bit pixels.
type JPEGFunc func(stream []byte, mode JPEGMode) (w, h, c int, pix []byte, err error)

// Options are the settings of Decode.
type Options struct {
	// MaxPixels > 0 refuses larger images before allocating.
	MaxPixels int
	// JPEG decodes JPEG-compressed strips and tiles; without it they are an error.
	JPEG JPEGFunc
}

// layout is what the tags say about the first image, validated.
type layout struct {
	Image
	compression, predictor, fillOrder, planar int
	tiled                                     bool
	t4Options                                 int
	chunkW, chunkH                            int
	offsets, counts                           []uint64
	tables                                    []byte
	jpegIF                                    [2]uint64
}

// Config is the size and orientation of the first image, read without decoding.
type Config struct{ W, H, Orientation int }

// DecodeConfig reads the first image's size and orientation.
func DecodeConfig(data []byte) (Config, error) {
	l, _, err := parse(data)
	return Config{l.W, l.H, l.Orientation}, err
}

func parse(data []byte) (layout, binary.ByteOrder, error) {
	var l layout
	d, bo, err := parseIFD(data)
	if err != nil {
		return l, nil, err
	}
	if d.vals[tagWidth] == nil || d.vals[tagHeight] == nil {
		return l, nil, fmt.Errorf("%w: no image size", ErrFormat)
	}
	l.W, l.H = int(d.first(tagWidth, 0)), int(d.first(tagHeight, 0))
	if l.W <= 0 || l.H <= 0 || l.W > 1<<30 || l.H > 1<<30 {
		return l, nil, fmt.Errorf("%w: size %dx%d", ErrFormat, l.W, l.H)
	}
	l.compression = int(d.first(tagCompression, 1))
	l.Photometric = int(d.first(tagPhotometric, 0))
	if l.compression == 6 {
		l.Photometric = 6 // old-style JPEG files are YCbCr whatever they say, as in PIL
	}
	l.Orientation = int(d.first(tagOrientation, 1))
	l.fillOrder = int(d.first(tagFillOrder, 1))
	l.planar = int(d.first(tagPlanarConfig, 1))
	l.predictor = int(d.first(tagPredictor, 1))
	l.t4Options = int(d.first(tagT4Options, 0))
	defSPP := uint64(1)
	if l.compression == 6 && (l.Photometric == 2 || l.Photometric == 6) {
		defSPP = 3
	}
	spp := int(d.first(tagSamplesPerPixel, defSPP))
	bps := d.vals[tagBitsPerSample]
	if bps == nil {
		bps = []uint64{1}
	}
	extra := d.vals[tagExtraSamples]
	if l.planar == 2 && len(extra) > 0 && maxOf(extra) == 0 && len(extra) < len(bps) {
		bps = bps[:len(bps)-len(extra)]
		spp -= len(extra)
		extra = nil
	}
	if spp <= 0 || spp > 16 {
		return l, nil, fmt.Errorf("%w: %d samples per pixel", ErrFormat, spp)
	}
	if spp < len(bps) {
		bps = bps[:spp]
	} else if spp > len(bps) && len(bps) == 1 {
		for len(bps) < spp {
			bps = append(bps, bps[0])
		}
	}
	if len(bps) != spp {
		return l, nil, fmt.Errorf("%w: %d BitsPerSample values for %d samples per pixel", ErrFormat, len(bps), spp)
	}
	for _, b := range bps {
		if b != bps[0] {
			return l, nil, fmt.Errorf("%w: mixed BitsPerSample %v", ErrFormat, bps)
		}
	}
	l.SamplesPerPixel, l.Bits = spp, int(bps[0])
	switch l.Bits {
	case 1, 2, 4, 8, 12, 16, 32:
	default:
		return l, nil, fmt.Errorf("%w: %d bits per sample", ErrFormat, l.Bits)
	}
	sf := d.vals[tagSampleFormat]
	l.SampleFormat = 1
	if len(sf) > 0 {
		l.SampleFormat = int(sf[0])
		for _, v := range sf {
			if int(v) != l.SampleFormat {
				return l, nil, fmt.Errorf("%w: mixed sample formats %v", ErrFormat, sf)
			}
		}
	}
	for _, e := range extra {
		l.ExtraSamples = append(l.ExtraSamples, int(e))
	}
	if cm := d.vals[tagColorMap]; len(cm) > 0 {
		n := len(cm) / 3
		for i := range n {
			l.ColorMap = append(l.ColorMap, [3]uint16{uint16(cm[i]), uint16(cm[n+i]), uint16(cm[2*n+i])})
		}
	}
	l.tables = d.raw[tagJPEGTables]
	l.jpegIF = [2]uint64{d.first(tagJPEGIFOffset, 0), d.first(tagJPEGIFByteCount, 0)}
	if d.vals[tagTileWidth] != nil {
		l.tiled = true
		l.chunkW, l.chunkH = int(d.first(tagTileWidth, 0)), int(d.first(tagTileLength, 0))
		l.offsets, l.counts = d.vals[tagTileOffsets], d.vals[tagTileByteCounts]
		// Tiles may overhang the image, but a tile far larger than the image is a
		// header that would have each decode allocate gigabytes.
		if l.chunkW <= 0 || l.chunkH <= 0 || l.chunkW > 1<<16 || l.chunkH > 1<<16 ||
			l.chunkW*l.chunkH > max(4*l.W*l.H, 1<<20) {
			return l, nil, fmt.Errorf("%w: tile size %dx%d for a %dx%d image", ErrFormat, l.chunkW, l.chunkH, l.W, l.H)
		}
	} else {
		l.chunkW = l.W
		l.chunkH = int(min(d.first(tagRowsPerStrip, uint64(l.H)), uint64(l.H)))
		if l.chunkH <= 0 {
			l.chunkH = l.H
		}
		l.offsets, l.counts = d.vals[tagStripOffsets], d.vals[tagStripByteCounts]
	}
	if l.compression == 6 && l.jpegIF[0] != 0 {
		return l, bo, nil // one JPEG stream holds the whole image
	}
	across, down := (l.W+l.chunkW-1)/l.chunkW, (l.H+l.chunkH-1)/l.chunkH
	want := across * down
	if l.planar == 2 {
		want *= spp
	}
	if len(l.offsets) < want {
		return l, nil, fmt.Errorf("%w: %d strip or tile offsets, %d needed", ErrFormat, len(l.offsets), want)
	}
	if len(l.counts) < want {
		if l.compression != 1 || len(l.counts) != 0 {
			return l, nil, fmt.Errorf("%w: %d strip or tile byte counts, %d needed", ErrFormat, len(l.counts), want)
		}
		l.counts = make([]uint64, want)
		for i := range l.counts {
			l.counts[i] = uint64(l.rowBytes() * l.chunkH)
		}
	}
	return l, bo, nil
}

func maxOf(v []uint64) uint64 {
	m := uint64(0)
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// rowBytes is the size of one decoded row of a chunk.
func (l *layout) rowBytes() int {
	spp := l.SamplesPerPixel
	if l.planar == 2 {
		spp = 1
	}
	return (l.chunkW*spp*l.Bits + 7) / 8
}

// Decode decodes the first image of data.
func Decode(data []byte, opts Options) (Image, error) {
	l, bo, err := parse(data)
	if err != nil {
		return Image{}, err
	}
	if opts.MaxPixels > 0 && l.W*l.H > opts.MaxPixels {
		return Image{}, fmt.Errorf("%w: %dx%d over the %d pixel limit", ErrFormat, l.W, l.H, opts.MaxPixels)
	}
	// The pixel limit bounds pixels; up to 16 samples of 4 bytes each could still ask for
	// 64 bytes a pixel. Allow 8, 16-bit RGBA's.
	if n := l.W * l.H * l.SamplesPerPixel * bytesPer(l.Bits); opts.MaxPixels > 0 && n > 8*opts.MaxPixels {
		return Image{}, fmt.Errorf("%w: %dx%d with %d samples of %d bits is %d bytes, over 8 bytes for each of the %d pixels allowed", ErrFormat, l.W, l.H, l.SamplesPerPixel, l.Bits, n, opts.MaxPixels)
	}
	switch l.compression {
	case 6, 7:
		return decodeJPEG(data, l, opts.JPEG)
	}
	if l.predictor != 1 && l.predictor != 2 {
		return Image{}, fmt.Errorf("%w: predictor %d", ErrFormat, l.predictor)
	}
	if l.predictor == 2 && l.Bits < 8 {
		return Image{}, fmt.Errorf("%w: horizontal prediction of %d-bit samples", ErrFormat, l.Bits)
	}
	bpsOut := bytesPer(l.Bits)
	m := l.Image
	m.Pix = make([]byte, l.W*l.H*l.SamplesPerPixel*bpsOut)
	across := (l.W + l.chunkW - 1) / l.chunkW
	down := (l.H + l.chunkH - 1) / l.chunkH
	planes := 1
	if l.planar == 2 {
		planes = l.SamplesPerPixel
	}
	rb := l.rowBytes()
	for p := range planes {
		for cy := range down {
			for cx := range across {
				i := (p*down+cy)*across + cx
				off, n := l.offsets[i], l.counts[i]
				rows := l.chunkH
				if !l.tiled {
					rows = min(l.chunkH, l.H-cy*l.chunkH)
				}
				if l.compression == 1 && off <= uint64(len(data)) {
					// PIL reads uncompressed rows from the offsets whatever the byte
					// counts say (some writers get them wrong).
					n = min(max(n, uint64(rb*rows)), uint64(len(data))-off)
				}
				if off > uint64(len(data)) || n > uint64(len(data))-off {
					return Image{}, fmt.Errorf("%w: chunk %d of %d bytes at offset %d past the end of the %d-byte file", ErrFormat, i, n, off, len(data))
				}
				raw := data[off : off+n]
				if l.fillOrder == 2 {
					raw = reverseBits(raw)
				}
				buf, err := decompress(raw, l, rb*rows, rows)
				if err != nil {
					return Image{}, fmt.Errorf("chunk %d at offset %d: %w", i, off, err)
				}
				if l.predictor == 2 {
					undoPredictor(buf, rb, rows, l, bo)
				}
				place(m, l, bo, buf, rb, rows, cx*l.chunkW, cy*l.chunkH, p)
			}
		}
	}
	return m, nil
}

// trimFillBits rewrites a 1-D CCITT Group 3 bit stream so that every run of 11 or more zero
// bits ending in a one (an EOL and the fill bits before it: no sequence of 1-D codes holds
// 11 zeros in a row) is exactly 11 zeros and a one.
func trimFillBits(src []byte) []byte {
	out := make([]byte, 0, len(src))
	var acc byte
	n := 0
	put := func(bit byte) {
		acc = acc<<1 | bit
		n++
		if n == 8 {
			out = append(out, acc)
			acc, n = 0, 0
		}
	}
	zeros := 0
	for _, b := range src {
		for i := 7; i >= 0; i-- {
			bit := b >> uint(i) & 1
			if bit == 0 {
				zeros++
				continue
			}
			for range min(zeros, 11) {
				put(0)
			}
			if zeros < 11 {
				// not an EOL: the zeros were data, keep them all
				for range zeros - min(zeros, 11) {
					put(0)
				}
			}
			zeros = 0
			put(1)
		}
	}
	for range zeros {
		put(0)
	}
	if n > 0 {
		out = append(out, acc<<uint(8-n))
	}
	return out
}

func reverseBits(b []byte) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		out[i] = bits.Reverse8(v)
	}
	return out
}

// decompress returns at least want bytes of decoded rows (zero-padded when the data ends
// early, as libtiff leaves a short strip).
func decompress(raw []byte, l layout, want, rows int) ([]byte, error) {
	var out []byte
	var err error
	switch l.compression {
	case 1:
		out = raw
	case 5:
		out, err = readUpTo(lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8), want)
	case 8, 32946:
		var zr io.ReadCloser
		zr, err = zlib.NewReader(bytes.NewReader(raw))
		if err == nil {
			out, err = readUpTo(zr, want)
		}
	case 32773:
		out, err = unpackBits(raw, want)
	case 2:
		return nil, fmt.Errorf("%w: CCITT modified Huffman (compression 2)", ErrFormat)
	case 3, 4:
		if l.Bits != 1 || l.SamplesPerPixel != 1 {
			return nil, fmt.Errorf("%w: CCITT compression of %d samples of %d bits", ErrFormat, l.SamplesPerPixel, l.Bits)
		}
		sub := ccitt.Group3
		if l.compression == 4 {
			sub = ccitt.Group4
		}
		if l.compression == 3 {
			if l.t4Options&1 != 0 {
				return nil, fmt.Errorf("%w: 2-D CCITT Group 3 (T4Options %d)", ErrFormat, l.t4Options)
			}
			// x/image/ccitt wants each EOL as exactly 11 zero bits and a one; T4Options
			// bit 2 pads EOLs with fill bits to end on a byte boundary.
			raw = trimFillBits(raw)
		}
		// The decoder writes white as 1 bits; photometric 0 (white is zero) stores the
		// opposite.
		inv := l.Photometric == 0
		r := ccitt.NewReader(bytes.NewReader(raw), ccitt.MSB, sub, l.chunkW, rows, &ccitt.Options{Invert: inv})
		out, err = readUpTo(r, want)
		if err != nil && l.compression == 3 {
			err = fmt.Errorf("CCITT Group 3: %w", err)
		}
	case 34925:
		// libtiff writes an .xz stream with a delta filter before LZMA2, which no Go
		// module here decodes (github.com/ulikunitz/xz v0.5.15: "unsupported filter count").
		return nil, fmt.Errorf("%w: LZMA compression (34925)", ErrFormat)
	case 50001:
		return nil, fmt.Errorf("%w: WebP compression", ErrFormat)
	default:
		return nil, fmt.Errorf("%w: compression %d", ErrFormat, l.compression)
	}
	if err != nil {
		// A damaged stream fails the file, as it does in libtiff (PIL: "decoder error"):
		// rows decoded up to the damage and blank after it would look like an image.
		return nil, err
	}
	if len(out) < want {
		if l.compression == 1 {
			return nil, fmt.Errorf("%w: %d bytes of pixel data, %d needed", ErrFormat, len(out), want)
		}
		out = append(out, make([]byte, want-len(out))...)
	}
	return out, nil
}

// readUpTo reads r until want bytes or its end (a short stream is zero-filled by the
// caller, as libtiff does); a decoder error is returned.
func readUpTo(r io.Reader, want int) ([]byte, error) {
	out := make([]byte, want)
	n, err := io.ReadFull(r, out)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return out[:n], err
}

func unpackBits(src []byte, want int) ([]byte, error) {
	out := make([]byte, 0, want)
	for i := 0; i < len(src) && len(out) < want; {
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			end := min(i+n+1, len(src))
			out = append(out, src[i:end]...)
			i = end
		case n != -128:
			if i >= len(src) {
				return out, nil
			}
			for range 1 - n {
				out = append(out, src[i])
			}
			i++
		}
	}
	return out, nil
}

// undoPredictor adds each sample to the one before it in the row (TIFF predictor 2).
func undoPredictor(buf []byte, rb, rows int, l layout, bo binary.ByteOrder) {
	step := l.SamplesPerPixel
	if l.planar == 2 {
		step = 1
	}
	for y := range rows {
		row := buf[y*rb : (y+1)*rb]
		switch l.Bits {
		case 8:
			for i := step; i < len(row); i++ {
				row[i] += row[i-step]
			}
		case 16:
			for i := step * 2; i+1 < len(row); i += 2 {
				bo.PutUint16(row[i:], bo.Uint16(row[i:])+bo.Uint16(row[i-2*step:]))
			}
		case 32:
			for i := step * 4; i+3 < len(row); i += 4 {
				bo.PutUint32(row[i:], bo.Uint32(row[i:])+bo.Uint32(row[i-4*step:]))
			}
		}
	}
}

// place unpacks a chunk's rows into m at (x0, y0), cropping to the image; plane is the
// sample of a planar chunk.
func place(m Image, l layout, bo binary.ByteOrder, buf []byte, rb, rows, x0, y0, plane int) {
	spp := m.SamplesPerPixel
	chunkSpp, first := spp, 0
	if l.planar == 2 {
		chunkSpp, first = 1, plane
	}
	bps := bytesPer(l.Bits)
	w := min(l.chunkW, m.W-x0)
	for r := range min(rows, m.H-y0) {
		row := buf[r*rb : (r+1)*rb]
		out := m.Pix[((y0+r)*m.W+x0)*spp*bps:]
		if l.Bits == 8 && chunkSpp == spp {
			copy(out[:w*spp], row) // the common case: bytes in place
			continue
		}
		if l.Bits == 8 {
			for x := range w {
				out[x*spp+first] = row[x]
			}
			continue
		}
		for x := range w {
			for s := range chunkSpp {
				i := x*chunkSpp + s // sample index in the chunk row
				o := (x*spp + first + s) * bps
				switch l.Bits {
				case 8:
					out[o] = row[i]
				case 1, 2, 4:
					bit := i * l.Bits
					out[o] = row[bit>>3] >> (8 - l.Bits - bit&7) & (1<<l.Bits - 1)
				case 12:
					bit := i * 12
					v := uint16(row[bit>>3])<<8 | uint16(row[min(bit>>3+1, len(row)-1)])
					if bit&7 == 0 {
						v >>= 4
					}
					binary.LittleEndian.PutUint16(out[o:], v&0xfff)
				case 16:
					binary.LittleEndian.PutUint16(out[o:], bo.Uint16(row[2*i:]))
				case 32:
					binary.LittleEndian.PutUint32(out[o:], bo.Uint32(row[4*i:]))
				}
			}
		}
	}
}
