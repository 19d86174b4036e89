package vision

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"

	"github.com/sluicedata/sluice/data/transform/vision/internal/jpegdec"
	"github.com/sluicedata/sluice/data/transform/vision/internal/tiffdec"
)

// decodeTIFF decodes a TIFF's first image with tiffdec and converts its samples as PIL
// does: it picks PIL's mode for the file (TiffImagePlugin's OPEN_INFO) and applies PIL's
// conversion from that mode (1-bit to 0/255, 2- and 4-bit gray scaled, I;16 and I clamped
// to 255, F truncated, premultiplied RGBa divided out from the high bytes, CMYK with PIL's
// cmyk2rgb, palettes from the high bytes of the colour map). Like PIL it applies the TIFF
// orientation tag. ModeNative keeps gray, gray+alpha, RGB and RGBA samples at 8 or 16 bits.
func decodeTIFF(data []byte, opts DecodeOptions) (Image, error) {
	cfg, err := tiffdec.DecodeConfig(data)
	if err != nil {
		return Image{}, err
	}
	if err := checkSize(cfg.W, cfg.H, opts.MaxPixels); err != nil {
		return Image{}, err
	}
	limit := opts.MaxPixels
	if limit == 0 {
		limit = DefaultMaxPixels
	}
	m, err := tiffdec.Decode(data, tiffdec.Options{JPEG: tiffJPEG, MaxPixels: limit})
	if err != nil {
		return Image{}, err
	}
	src, err := tiffSamples(m, opts.Mode == ModeNative)
	if err != nil {
		return Image{}, err
	}
	src = Orient(src, m.Orientation)
	if src.Depth == 16 {
		if opts.H > 0 {
			return Image{}, errors.New("resizing 16-bit images is not supported: decode at native size or in an 8-bit mode")
		}
		if cap(opts.Dst) >= len(src.Pix) {
			src.Pix = append(opts.Dst[:0], src.Pix...)
		}
		return src, nil
	}
	return convertResize(src, opts)
}

// tiffSamples converts m's samples to the 8-bit image PIL's convert starts from (1 to 4
// channels), or with native to the file's own channels and depth where vision can hold
// them.
func tiffSamples(m tiffdec.Image, native bool) (Image, error) {
	n := m.W * m.H
	spp, ph := m.SamplesPerPixel, m.Photometric
	extra := 0
	if len(m.ExtraSamples) > 0 {
		extra = m.ExtraSamples[0]
	}
	out := func(c int) Image { return Image{H: m.H, W: m.W, C: c, Pix: make([]uint8, n*c)} }
	u16 := func(i int) uint16 { return binary.LittleEndian.Uint16(m.Pix[2*i:]) }
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(m.Pix[4*i:]) }
	unsupported := func() (Image, error) {
		return Image{}, fmt.Errorf("%w: photometric %d with %d samples of %d bits (format %d, extra samples %v)",
			tiffdec.ErrFormat, ph, spp, m.Bits, m.SampleFormat, m.ExtraSamples)
	}
	switch {
	case (ph == 0 || ph == 1) && spp == 1 && m.SampleFormat != 3 && m.Bits <= 8:
		img := out(1)
		max := uint8(1<<m.Bits - 1)
		for i := range n {
			v := m.Pix[i]
			if ph == 0 {
				v = max - v
			}
			switch m.Bits {
			case 1:
				v *= 255
			case 2:
				v *= 85
			case 4:
				v *= 17
			}
			img.Pix[i] = v
		}
		return img, nil
	case (ph == 0 || ph == 1) && spp == 1 && m.Bits >= 12 && m.Bits <= 16 && m.SampleFormat == 1:
		// PIL's I;16 (photometric 0 is not inverted at this depth, as in PIL).
		if native {
			img := Image{H: m.H, W: m.W, C: 1, Depth: 16, Pix: append([]uint8(nil), m.Pix...)}
			return img, nil
		}
		img := out(1)
		for i := range n {
			img.Pix[i] = uint8(min(u16(i), 255))
		}
		return img, nil
	case ph == 1 && spp == 1 && (m.SampleFormat == 2 && (m.Bits == 16 || m.Bits == 32) || m.SampleFormat == 1 && m.Bits == 32),
		(ph == 0 || ph == 1) && spp == 1 && m.SampleFormat == 3 && m.Bits == 32:
		// PIL's I (signed 16 or 32 bits, unsigned 32) and F: convert clips to 0..255, F
		// truncating.
		if native {
			return Image{}, fmt.Errorf("%w: ModeNative of %d-bit signed or float samples: decode in L or RGB", tiffdec.ErrFormat, m.Bits)
		}
		img := out(1)
		for i := range n {
			var v float64
			switch {
			case m.SampleFormat == 3:
				v = float64(math.Float32frombits(u32(i)))
			case m.Bits == 16:
				v = float64(int16(u16(i)))
			case m.SampleFormat == 2:
				v = float64(int32(u32(i)))
			default:
				v = float64(u32(i))
			}
			img.Pix[i] = uint8(math.Min(math.Max(v, 0), 255))
		}
		return img, nil
	case ph == 1 && spp == 2 && m.Bits == 8 && (extra == 2 || extra == 0):
		if extra == 0 {
			img := out(1)
			for i := range n {
				img.Pix[i] = m.Pix[2*i]
			}
			return img, nil
		}
		img := out(2)
		copy(img.Pix, m.Pix)
		return img, nil
	case ph == 2 && (spp == 3 || spp == 4 && (len(m.ExtraSamples) == 0 || extra <= 2 || extra == 999)) && (m.Bits == 8 || m.Bits == 16) && m.SampleFormat == 1:
		c := 3
		alpha, premul := false, false
		if spp == 4 && (len(m.ExtraSamples) == 0 || extra == 1 || extra == 2 || extra == 999) {
			c, alpha, premul = 4, true, extra == 1
		}
		if native && m.Bits == 16 {
			img := Image{H: m.H, W: m.W, C: c, Depth: 16, Pix: make([]uint8, n*c*2)}
			for i := range n {
				a := uint32(0xffff)
				if alpha {
					a = uint32(u16(i*spp + 3))
				}
				for s := range c {
					v := uint32(u16(i*spp + s))
					if premul && s < 3 {
						v = unpremul(v, a, 0xffff)
					}
					binary.LittleEndian.PutUint16(img.Pix[2*(i*c+s):], uint16(v))
				}
			}
			return img, nil
		}
		if m.Bits == 8 && c == spp && !premul {
			return Image{H: m.H, W: m.W, C: c, Pix: m.Pix}, nil // the samples are the pixels
		}
		img := out(c)
		for i := range n {
			var p [4]uint32
			for s := range c {
				if m.Bits == 16 {
					p[s] = uint32(u16(i*spp+s) >> 8) // PIL's RGB;16N keeps the high byte
				} else {
					p[s] = uint32(m.Pix[i*spp+s])
				}
			}
			if premul {
				for s := range 3 {
					p[s] = unpremul(p[s], p[3], 255)
				}
			}
			for s := range c {
				img.Pix[i*c+s] = uint8(p[s])
			}
		}
		return img, nil
	case ph == 3 && (spp == 1 || spp == 2 && extra == 2 || spp == 2 && extra == 0) && m.Bits <= 8:
		c := 3
		if spp == 2 && extra == 2 {
			c = 4
		}
		img := out(c)
		for i := range n {
			idx := int(m.Pix[i*spp])
			if idx < len(m.ColorMap) {
				e := m.ColorMap[idx]
				img.Pix[i*c], img.Pix[i*c+1], img.Pix[i*c+2] = uint8(e[0]>>8), uint8(e[1]>>8), uint8(e[2]>>8)
			}
			if c == 4 {
				img.Pix[i*c+3] = m.Pix[i*spp+1]
			}
		}
		return img, nil
	case ph == 5 && (spp == 4 || spp > 4 && extra == 0) && (m.Bits == 8 || m.Bits == 16):
		img := out(3)
		for i := range n {
			var k [4]int32
			for s := range 4 {
				if m.Bits == 16 {
					k[s] = int32(u16(i*spp+s) >> 8)
				} else {
					k[s] = int32(m.Pix[i*spp+s])
				}
			}
			img.Pix[i*3], img.Pix[i*3+1], img.Pix[i*3+2] = cmykToRGB(k)
		}
		return img, nil
	case ph == 6 && spp == 3 && m.Bits == 8:
		// Only JPEG-compressed YCbCr reaches here, already converted to RGB.
		img := out(3)
		copy(img.Pix, m.Pix)
		return img, nil
	case ph == 8:
		return Image{}, fmt.Errorf("%w: CIELab colour (photometric 8)", tiffdec.ErrFormat)
	}
	return unsupported()
}

// jpegPlanes decodes the three components of a JPEG as stored, each at its own
// resolution, with jpegdec's libjpeg arithmetic: libjpeg's gray output of a YCbCr JPEG is
// its first component, so each pass renumbers the components 1, 2, 3 (plain YCbCr to the
// decoder) and lists a different one first in the frame header. A component sampled at
// 1/f of the largest factor would be read at DCT scale 1/f, where libjpeg decodes it
// without upsampling (jpegdec refuses that frame today, so only equal sampling succeeds).
// The scans name components by number, so they decode unchanged. It reports false for
// anything but baseline or extended sequential 8-bit JPEGs of three components each
// sampled at the same fraction both ways, which the caller leaves to another path.
func jpegPlanes(stream []byte) (planes [3]jpegdec.Image, factors [3]int, ok bool) {
	var sof []int // offsets of the component entries in the SOF segment
	var sos []int // offsets of the component selectors of each SOS segment
	ids := map[byte]byte{}
	for pos := 2; pos+4 <= len(stream); {
		if stream[pos] != 0xff {
			return planes, factors, false
		}
		marker := stream[pos+1]
		if marker == 0xff {
			pos++
			continue
		}
		n := int(binary.BigEndian.Uint16(stream[pos+2:]))
		seg := pos + 4
		if pos+2+n > len(stream) {
			return planes, factors, false
		}
		switch {
		case marker == 0xc0 || marker == 0xc1:
			if n < 8+3*3 || stream[seg] != 8 || int(stream[seg+5]) != 3 {
				return planes, factors, false
			}
			for k := range 3 {
				e := seg + 6 + 3*k
				ids[stream[e]] = byte(k + 1)
				sof = append(sof, e)
			}
		case marker >= 0xc2 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			return planes, factors, false // progressive, lossless or arithmetic
		case marker == 0xda:
			for k := range int(stream[seg]) {
				sos = append(sos, seg+1+2*k)
			}
			// Skip the entropy-coded data to the next marker that is not a restart.
			pos = seg + n - 2
			for pos+1 < len(stream) && !(stream[pos] == 0xff && stream[pos+1] != 0 && (stream[pos+1] < 0xd0 || stream[pos+1] > 0xd7)) {
				pos++
			}
			continue
		case marker == 0xd9:
			pos = len(stream)
			continue
		}
		pos += 2 + n
	}
	if len(sof) != 3 || len(sos) == 0 {
		return planes, factors, false
	}
	hmax, vmax := 0, 0
	for _, e := range sof {
		hmax, vmax = max(hmax, int(stream[e+1]>>4)), max(vmax, int(stream[e+1]&15))
	}
	for k, e := range sof {
		h, v := int(stream[e+1]>>4), int(stream[e+1]&15)
		if h == 0 || v == 0 || hmax%h != 0 || hmax/h != vmax/v || (hmax/h != 1 && hmax/h != 2 && hmax/h != 4 && hmax/h != 8) {
			return planes, factors, false
		}
		factors[k] = hmax / h
	}
	for k := range 3 {
		s := append([]byte(nil), stream...)
		entries := make([][3]byte, 3)
		for j, e := range sof {
			entries[j] = [3]byte{ids[stream[e]], stream[e+1], stream[e+2]}
		}
		entries[0], entries[k] = entries[k], entries[0]
		for j, e := range sof {
			copy(s[e:e+3], entries[j][:])
		}
		for _, e := range sos {
			id, known := ids[stream[e]]
			if !known {
				return planes, factors, false
			}
			s[e] = id
		}
		img, err := jpegdec.DecodeScaled(s, factors[k], jpegdec.Options{Channels: 1, FirstComponent: true})
		if err != nil || img.C != 1 {
			return planes, factors, false
		}
		planes[k] = img
	}
	return planes, factors, true
}

// jpegComponents is jpegPlanes for streams whose components share one sampling: the
// stored components interleaved.
func jpegComponents(stream []byte) (w, h, c int, pix []byte, ok bool) {
	planes, factors, ok := jpegPlanes(stream)
	if !ok || factors != [3]int{1, 1, 1} || planes[1].W != planes[0].W || planes[2].W != planes[0].W ||
		planes[1].H != planes[0].H || planes[2].H != planes[0].H {
		return 0, 0, 0, nil, false
	}
	w, h = planes[0].W, planes[0].H
	pix = make([]byte, w*h*3)
	for i := range w * h {
		pix[3*i], pix[3*i+1], pix[3*i+2] = planes[0].Pix[i], planes[1].Pix[i], planes[2].Pix[i]
	}
	return w, h, 3, pix, true
}

// unpremul divides associated alpha out as PIL's RGBa unpackers do: v*max/a, truncated,
// 0 where a is 0.
func unpremul(v, a, max uint32) uint32 {
	if a == 0 {
		return 0
	}
	if a == max {
		return v
	}
	return min(v*max/a, max)
}

// cmykToRGB is PIL's cmyk2rgb: each colour is (255-K) - C*(255-K)/255 with PIL's rounded
// division by 255.
func cmykToRGB(k [4]int32) (uint8, uint8, uint8) {
	nk := 255 - k[3]
	mul := func(a int32) uint8 {
		t := a*nk + 128
		return clamp255(nk - ((t>>8)+t)>>8)
	}
	return mul(k[0]), mul(k[1]), mul(k[2])
}

// tiffJPEG decodes a strip or tile of a JPEG-compressed TIFF: YCbCr through jpegdec, which
// computes what libjpeg-turbo (PIL's libtiff codec) does; gray and RGB-stored streams
// through jpegdec too, component by component (jpegComponents), as libtiff asks libjpeg
// for the components as stored; CMYK (which jpegdec leaves out) through image/jpeg with an
// Adobe marker that tells it not to convert.
func tiffJPEG(stream []byte, mode tiffdec.JPEGMode) (w, h, c int, pix []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jpeg decoder panic: %v", p)
		}
	}()
	raw := mode == tiffdec.JPEGRaw
	// JPEGReplicate (old-style JPEG): libtiff replicates each chroma sample where libjpeg
	// upsamples with its triangle filter. The raw chroma planes that replication needs
	// are not to be had from jpegdec (it refuses a frame whose first component is
	// subsampled, which jpegPlanes would need), so these files get libjpeg's RGB: up to
	// 44 levels off at chroma edges.
	if mode == tiffdec.JPEGToRGB || mode == tiffdec.JPEGReplicate {
		img, err := jpegdec.DecodeScaled(stream, 1, jpegdec.Options{Channels: 3})
		if err == nil {
			return img.W, img.H, 3, img.Pix, nil
		}
		if !errors.Is(err, jpegdec.ErrUnsupported) {
			return 0, 0, 0, nil, err
		}
	}
	if raw {
		if cfg, err := jpegdec.DecodeConfig(stream); err == nil && cfg.Components == 1 {
			img, err := jpegdec.DecodeScaled(stream, 1, jpegdec.Options{Channels: 1})
			if err != nil {
				return 0, 0, 0, nil, err
			}
			return img.W, img.H, 1, img.Pix, nil
		}
		if w, h, c, pix, ok := jpegComponents(stream); ok {
			return w, h, c, pix, nil
		}
	}
	if raw && len(stream) > 2 && !bytes.Contains(stream[:min(len(stream), 64)], []byte("Adobe")) {
		adobe := []byte{0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
		stream = append(append(append([]byte{}, stream[:2]...), adobe...), stream[2:]...)
	}
	m, err := jpeg.Decode(bytes.NewReader(stream))
	if err != nil {
		return 0, 0, 0, nil, err
	}
	b := m.Bounds()
	w, h = b.Dx(), b.Dy()
	switch s := m.(type) {
	case *image.CMYK:
		pix = make([]byte, w*h*4)
		for y := range h {
			row := s.Pix[y*s.Stride:]
			for i := range w * 4 {
				pix[y*w*4+i] = 255 - row[i] // image/jpeg inverts Adobe CMYK; TIFF stores it plain
			}
		}
		return w, h, 4, pix, nil
	case *image.Gray:
		pix = make([]byte, w*h)
		for y := range h {
			copy(pix[y*w:], s.Pix[y*s.Stride:][:w])
		}
		return w, h, 1, pix, nil
	}
	img := Image{H: h, W: w, C: 3, Pix: make([]byte, w*h*3)}
	convert(img, m)
	return w, h, 3, img.Pix, nil
}
