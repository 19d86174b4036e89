package webpdec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	"golang.org/x/image/vp8"
	"golang.org/x/image/vp8l"
)

// ErrFormat is wrapped by errors about input that is not a well-formed WebP file.
var ErrFormat = errors.New("webp: invalid format")

// Image is a decoded frame: W x H pixels, row-major with no padding, RGBA (not
// premultiplied) when Alpha is set and RGB otherwise.
type Image struct {
	W, H  int
	Alpha bool
	Pix   []uint8
}

// Config is what the file's headers say: the canvas size and whether the file declares
// alpha (PIL opens it as RGBA then, as RGB otherwise).
type Config struct {
	W, H  int
	Alpha bool
	// Animated is set for a file with the VP8X animation flag; Decode gives its first
	// frame on the canvas.
	Animated bool
}

// frame locates the first frame's bitstream chunks inside the file.
type frame struct {
	cfg        Config
	x, y, w, h int    // the frame's rectangle on the canvas
	alph       []byte // ALPH chunk payload, or nil
	vp8        []byte // VP8 chunk payload (lossy), or nil
	vp8l       []byte // VP8L chunk payload (lossless), or nil
}

type chunk struct {
	id   string
	data []byte
}

// chunks splits a RIFF payload into its chunks; a truncated last chunk is an error.
func chunks(b []byte) ([]chunk, error) {
	var out []chunk
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: %d stray bytes after the last chunk", ErrFormat, len(b))
		}
		id, n := string(b[:4]), binary.LittleEndian.Uint32(b[4:8])
		b = b[8:]
		if uint64(n) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: chunk %q of %d bytes, %d left in the file", ErrFormat, id, n, len(b))
		}
		out = append(out, chunk{id, b[:n]})
		b = b[n:]
		if n%2 == 1 && len(b) > 0 {
			b = b[1:] // chunks are padded to an even size
		}
	}
	return out, nil
}

func parse(data []byte) (frame, error) {
	var f frame
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return f, fmt.Errorf("%w: no RIFF WEBP header", ErrFormat)
	}
	size := int64(binary.LittleEndian.Uint32(data[4:8]))
	body := data[12:]
	if size-4 < int64(len(body)) && size >= 4 {
		body = body[:size-4] // bytes after the RIFF payload are not part of the file
	}
	cs, err := chunks(body)
	if err != nil {
		return f, err
	}
	if len(cs) == 0 {
		return f, fmt.Errorf("%w: no chunks", ErrFormat)
	}
	switch cs[0].id {
	case "VP8 ":
		w, h, err := vp8Size(cs[0].data)
		if err != nil {
			return f, err
		}
		f.cfg = Config{W: w, H: h}
		f.w, f.h, f.vp8 = w, h, cs[0].data
		return f, nil
	case "VP8L":
		w, h, alpha, err := vp8lHeader(cs[0].data)
		if err != nil {
			return f, err
		}
		f.cfg = Config{W: w, H: h, Alpha: alpha}
		f.w, f.h, f.vp8l = w, h, cs[0].data
		return f, nil
	case "VP8X":
	default:
		return f, fmt.Errorf("%w: first chunk %q", ErrFormat, cs[0].id)
	}
	x := cs[0].data
	if len(x) < 10 {
		return f, fmt.Errorf("%w: VP8X chunk of %d bytes", ErrFormat, len(x))
	}
	const (
		animationBit = 1 << 1
		alphaBit     = 1 << 4
	)
	f.cfg = Config{W: int(u24(x[4:])) + 1, H: int(u24(x[7:])) + 1, Alpha: x[0]&alphaBit != 0, Animated: x[0]&animationBit != 0}
	if x[0]&animationBit == 0 {
		f.w, f.h = f.cfg.W, f.cfg.H
		if err := f.bitstream(cs[1:]); err != nil {
			return f, err
		}
		return f, nil
	}
	for _, c := range cs[1:] {
		if c.id != "ANMF" {
			continue
		}
		if len(c.data) < 16 {
			return f, fmt.Errorf("%w: ANMF chunk of %d bytes", ErrFormat, len(c.data))
		}
		f.x, f.y = 2*int(u24(c.data[0:])), 2*int(u24(c.data[3:]))
		f.w, f.h = int(u24(c.data[6:]))+1, int(u24(c.data[9:]))+1
		if f.x+f.w > f.cfg.W || f.y+f.h > f.cfg.H {
			return f, fmt.Errorf("%w: first frame %dx%d at (%d, %d) outside the %dx%d canvas", ErrFormat, f.w, f.h, f.x, f.y, f.cfg.W, f.cfg.H)
		}
		sub, err := chunks(c.data[16:])
		if err != nil {
			return f, err
		}
		return f, f.bitstream(sub)
	}
	return f, fmt.Errorf("%w: animation without frames", ErrFormat)
}

// bitstream finds the optional ALPH chunk and the VP8 or VP8L chunk of one frame.
func (f *frame) bitstream(cs []chunk) error {
	for _, c := range cs {
		switch c.id {
		case "ALPH":
			if f.alph == nil {
				f.alph = c.data
			}
		case "VP8 ":
			w, h, err := vp8Size(c.data)
			if err != nil {
				return err
			}
			if w != f.w || h != f.h {
				return fmt.Errorf("%w: VP8 frame %dx%d in a %dx%d frame", ErrFormat, w, h, f.w, f.h)
			}
			f.vp8 = c.data
			return nil
		case "VP8L":
			w, h, _, err := vp8lHeader(c.data)
			if err != nil {
				return err
			}
			if w != f.w || h != f.h {
				return fmt.Errorf("%w: VP8L frame %dx%d in a %dx%d frame", ErrFormat, w, h, f.w, f.h)
			}
			f.alph = nil // a lossless frame carries its own alpha
			f.vp8l = c.data
			return nil
		}
	}
	return fmt.Errorf("%w: no VP8 or VP8L bitstream", ErrFormat)
}

func u24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

func vp8Size(b []byte) (w, h int, err error) {
	// frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
	if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return 0, 0, fmt.Errorf("%w: VP8 chunk without a key frame header", ErrFormat)
	}
	w = int(binary.LittleEndian.Uint16(b[6:]) & 0x3fff)
	h = int(binary.LittleEndian.Uint16(b[8:]) & 0x3fff)
	if w == 0 || h == 0 {
		return 0, 0, fmt.Errorf("%w: VP8 frame %dx%d", ErrFormat, w, h)
	}
	return w, h, nil
}

func vp8lHeader(b []byte) (w, h int, alpha bool, err error) {
	if len(b) < 5 || b[0] != 0x2f {
		return 0, 0, false, fmt.Errorf("%w: VP8L chunk without its signature", ErrFormat)
	}
	bits := binary.LittleEndian.Uint32(b[1:])
	return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, bits>>28&1 != 0, nil
}

// DecodeConfig returns the canvas size and alpha flag without decoding pixels.
func DecodeConfig(data []byte) (Config, error) {
	f, err := parse(data)
	return f.cfg, err
}

// Decode decodes the first frame of data onto its canvas. dst receives the pixels when
// its capacity is large enough. maxPixels > 0 refuses larger canvases before decoding.
func Decode(data []byte, dst []uint8, maxPixels int) (Image, error) {
	f, err := parse(data)
	if err != nil {
		return Image{}, err
	}
	if maxPixels > 0 && f.cfg.W*f.cfg.H > maxPixels {
		return Image{}, fmt.Errorf("webp: canvas %dx%d over the %d pixel limit", f.cfg.W, f.cfg.H, maxPixels)
	}
	c := 3
	if f.cfg.Alpha {
		c = 4
	}
	n := f.cfg.W * f.cfg.H * c
	var pix []uint8
	if cap(dst) >= n {
		pix = dst[:n]
		if f.w != f.cfg.W || f.h != f.cfg.H {
			clear(pix)
		}
	} else {
		pix = make([]uint8, n)
	}
	out := Image{W: f.cfg.W, H: f.cfg.H, Alpha: f.cfg.Alpha, Pix: pix}
	stride := f.cfg.W * c
	region := pix[f.y*stride+f.x*c:]
	if f.vp8l != nil {
		m, err := vp8l.Decode(bytes.NewReader(f.vp8l))
		if err != nil {
			return Image{}, err
		}
		src, ok := m.(*image.NRGBA)
		if !ok || src.Rect.Dx() != f.w || src.Rect.Dy() != f.h {
			return Image{}, fmt.Errorf("%w: VP8L decoded to %v, want %dx%d", ErrFormat, m.Bounds(), f.w, f.h)
		}
		for y := range f.h {
			s := src.Pix[y*src.Stride : y*src.Stride+f.w*4]
			d := region[y*stride : y*stride+f.w*c]
			if c == 4 {
				copy(d, s)
				continue
			}
			for x := range f.w {
				d[x*3], d[x*3+1], d[x*3+2] = s[x*4], s[x*4+1], s[x*4+2]
			}
		}
		return out, nil
	}
	d := vp8.NewDecoder()
	d.Init(bytes.NewReader(f.vp8), len(f.vp8))
	if _, err := d.DecodeFrameHeader(); err != nil {
		return Image{}, err
	}
	yuv, err := d.DecodeFrame()
	if err != nil {
		return Image{}, err
	}
	if yuv.Rect.Dx() != f.w || yuv.Rect.Dy() != f.h || yuv.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return Image{}, fmt.Errorf("%w: VP8 decoded to %v %v, want %dx%d 4:2:0", ErrFormat, yuv.Rect, yuv.SubsampleRatio, f.w, f.h)
	}
	fancyRGB(region, stride, c, yuv, f.w, f.h)
	if c == 4 {
		if f.alph == nil {
			for y := range f.h {
				row := region[y*stride : y*stride+f.w*4]
				for x := 3; x < len(row); x += 4 {
					row[x] = 255
				}
			}
			return out, nil
		}
		alpha, err := decodeAlpha(f.alph, f.w, f.h)
		if err != nil {
			return Image{}, err
		}
		for y := range f.h {
			row := region[y*stride : y*stride+f.w*4]
			a := alpha[y*f.w : (y+1)*f.w]
			for x, v := range a {
				row[x*4+3] = v
			}
		}
	}
	return out, nil
}
