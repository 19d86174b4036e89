// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// This file is forked from Go's image/jpeg reader.go; see doc.go for what changed.

package jpegdec

import (
	"errors"
	"fmt"
	"io"
)

// A FormatError reports that the input is not a valid JPEG.
type FormatError string

func (e FormatError) Error() string { return "invalid JPEG format: " + string(e) }

// ErrUnsupported is wrapped by the error for a valid JPEG this package does not decode
// (12-bit, arithmetic-coded, lossless or hierarchical, or with a component sampled at a
// fraction of the largest that is not integral, which libjpeg refuses too): the caller
// may try image/jpeg instead.
var ErrUnsupported = errors.New("unsupported JPEG feature")

// ErrTooLarge is wrapped by the error for a JPEG whose header declares more pixels than
// Options.MaxPixels. It is returned before any pixel memory is allocated.
var ErrTooLarge = errors.New("JPEG too large")

func unsupported(what string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }

// errShortData means the entropy-coded data ended (or hit a marker) before the scan did.
var errShortData error = truncatedError("short Huffman data")

// truncatedError is the error for data that ends before the image does: it wraps
// io.ErrUnexpectedEOF, as image/jpeg's error and the libjpeg path's do for a cut file.
type truncatedError string

func (e truncatedError) Error() string { return "unexpected EOF: " + string(e) }
func (e truncatedError) Unwrap() error { return io.ErrUnexpectedEOF }

// component is a frame component, specified in section B.2.2.
type component struct {
	h, v int   // horizontal and vertical sampling factors
	c    uint8 // component identifier
	tq   uint8 // quantization table selector
}

const (
	blockSize     = 64
	dcTable       = 0
	acTable       = 1
	maxTc         = 1
	maxTh         = 3
	maxTq         = 3
	maxComponents = 4
)

const (
	sof0Marker  = 0xc0 // Start Of Frame (Baseline Sequential).
	sof1Marker  = 0xc1 // Start Of Frame (Extended Sequential).
	sof2Marker  = 0xc2 // Start Of Frame (Progressive).
	dhtMarker   = 0xc4 // Define Huffman Table.
	rst0Marker  = 0xd0 // ReSTart (0).
	rst7Marker  = 0xd7 // ReSTart (7).
	soiMarker   = 0xd8 // Start Of Image.
	eoiMarker   = 0xd9 // End Of Image.
	sosMarker   = 0xda // Start Of Scan.
	dqtMarker   = 0xdb // Define Quantization Table.
	driMarker   = 0xdd // Define Restart Interval.
	comMarker   = 0xfe // COMment.
	app0Marker  = 0xe0
	app14Marker = 0xee
	app15Marker = 0xef
)

// unzig maps from the zig-zag ordering to the natural ordering. For example,
// unzig[3] is the column and row of the fourth element in zig-zag order. The
// value is 16, which means first column (16%8 == 0) and third row (16/8 == 2).
var unzig = [blockSize]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// readU16 reads a big-endian uint16 at d.pos.
func (d *decoder) readU16() (int, error) {
	if d.pos+2 > len(d.data) {
		return 0, errShortData
	}
	v := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	d.pos += 2
	return v, nil
}

// segment returns the next n bytes of a marker segment.
func (d *decoder) segment(n int) ([]byte, error) {
	if n < 0 || d.pos+n > len(d.data) {
		return nil, FormatError("segment runs past the end of the data")
	}
	s := d.data[d.pos : d.pos+n]
	d.pos += n
	return s, nil
}

// processSOF reads a frame header, specified in section B.2.2.
func (d *decoder) processSOF(s []byte) error {
	if d.nComp != 0 {
		return FormatError("multiple SOF markers")
	}
	switch len(s) {
	case 6 + 3*1, 6 + 3*3, 6 + 3*4:
		d.nComp = (len(s) - 6) / 3
	default:
		return FormatError("SOF has wrong length")
	}
	if s[0] != 8 {
		return unsupported("precision other than 8 bits")
	}
	d.height = int(s[1])<<8 | int(s[2])
	d.width = int(s[3])<<8 | int(s[4])
	if int(s[5]) != d.nComp {
		return FormatError("SOF has wrong length")
	}
	if d.width == 0 || d.height == 0 {
		// A zero height means "defined by a later DNL marker", which image/jpeg does not
		// support either.
		return FormatError(fmt.Sprintf("empty image %dx%d", d.width, d.height))
	}
	for i := 0; i < d.nComp; i++ {
		d.comp[i].c = s[6+3*i]
		for j := 0; j < i; j++ {
			if d.comp[i].c == d.comp[j].c {
				return FormatError("repeated component identifier")
			}
		}
		d.comp[i].tq = s[8+3*i]
		if d.comp[i].tq > maxTq {
			return FormatError("bad Tq value")
		}
		hv := s[7+3*i]
		h, v := int(hv>>4), int(hv&0x0f)
		if h < 1 || 4 < h || v < 1 || 4 < v {
			return FormatError("luma/chroma subsampling ratio")
		}
		if d.nComp == 1 {
			// A single component is non-interleaved: its MCU is one block whatever
			// its nominal sampling factors (sections A.2 and 4.8.2).
			h, v = 1, 1
		}
		d.comp[i].h, d.comp[i].v = h, v
	}
	if d.nComp > 1 {
		// Every component an integral fraction of the largest across and down: what
		// libjpeg's upsampler takes (fancy filters for 2x1, 2x2 and 1x2, repeated samples
		// otherwise; see upsampledRow). It refuses the others, and so does this.
		hmax, vmax := 1, 1
		for _, c := range d.comp[:d.nComp] {
			hmax, vmax = max(hmax, c.h), max(vmax, c.v)
		}
		for _, c := range d.comp[:d.nComp] {
			if hmax%c.h != 0 || vmax%c.v != 0 {
				return unsupported(fmt.Sprintf("sampling factors %s", d.samplingString()))
			}
		}
	}
	return nil
}

// samplingString lists the components' sampling factors as "2x2,1x1,1x1".
func (d *decoder) samplingString() string {
	s := ""
	for i, c := range d.comp[:d.nComp] {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%dx%d", c.h, c.v)
	}
	return s
}

// processDQT reads quantization tables, specified in section B.2.4.1.
func (d *decoder) processDQT(s []byte) error {
	for len(s) > 0 {
		x := s[0]
		s = s[1:]
		tq := x & 0x0f
		if tq > maxTq {
			return FormatError("bad Tq value")
		}
		q := &d.quant[tq]
		switch x >> 4 {
		case 0:
			if len(s) < blockSize {
				return FormatError("DQT has wrong length")
			}
			for i := range blockSize {
				q[i] = int32(s[i])
			}
			s = s[blockSize:]
		case 1:
			if len(s) < 2*blockSize {
				return FormatError("DQT has wrong length")
			}
			for i := range blockSize {
				q[i] = int32(s[2*i])<<8 | int32(s[2*i+1])
			}
			s = s[2*blockSize:]
		default:
			return FormatError("bad Pq value")
		}
		for i := blockSize; i < len(q); i++ {
			q[i] = q[blockSize-1]
		}
	}
	return nil
}

// processDRI reads the restart interval, specified in section B.2.4.4.
func (d *decoder) processDRI(s []byte) error {
	if len(s) != 2 {
		return FormatError("DRI has wrong length")
	}
	d.ri = int(s[0])<<8 | int(s[1])
	return nil
}

func (d *decoder) processApp0Marker(s []byte) {
	// libjpeg's examine_app0 takes a JFIF marker only with its 14 bytes of data.
	d.jfif = len(s) >= 14 && string(s[:5]) == "JFIF\x00"
}

func (d *decoder) processApp14Marker(s []byte) {
	if len(s) >= 12 && string(s[:5]) == "Adobe" {
		d.adobeTransformValid = true
		d.adobeTransform = s[11]
	}
}

// Colour spaces of the coded components, as libjpeg's default_decompress_parms picks them.
const (
	colorGray = iota
	colorYCbCr
	colorRGB
	colorCMYK
	colorYCCK
)

// colorSpace is the colour space libjpeg (and so PIL) decodes the frame as: for three
// components, JFIF means YCbCr, then an Adobe marker's transform 0 RGB, then component
// identifiers R, G, B; for four, an Adobe marker's transform 0 CMYK and any other YCCK,
// CMYK without one.
func (d *decoder) colorSpace() int {
	switch d.nComp {
	case 1:
		return colorGray
	case 3:
		if d.jfif {
			return colorYCbCr
		}
		if d.adobeTransformValid {
			if d.adobeTransform == 0 {
				return colorRGB
			}
			return colorYCbCr
		}
		if d.comp[0].c == 'R' && d.comp[1].c == 'G' && d.comp[2].c == 'B' {
			return colorRGB
		}
		return colorYCbCr
	}
	if d.adobeTransformValid && d.adobeTransform != 0 {
		return colorYCCK
	}
	return colorCMYK
}

// parse walks the marker segments from SOI to EOI, decoding every scan. With
// headerOnly it stops at the first SOS, after the frame header.
func (d *decoder) parse(headerOnly bool) error {
	if len(d.data) < 2 || d.data[0] != 0xff || d.data[1] != soiMarker {
		return FormatError("missing SOI marker")
	}
	d.pos = 2
	for {
		// Find the next marker, silently skipping extraneous bytes as image/jpeg and
		// libjpeg do.
		for {
			if d.pos+2 > len(d.data) {
				if d.nComp != 0 && d.sawScan && !headerOnly {
					return truncatedError("missing EOI marker")
				}
				return errShortData
			}
			if d.data[d.pos] == 0xff && d.data[d.pos+1] != 0 && d.data[d.pos+1] != 0xff {
				break
			}
			d.pos++
		}
		marker := d.data[d.pos+1]
		d.pos += 2
		if marker == eoiMarker {
			break
		}
		if rst0Marker <= marker && marker <= rst7Marker {
			continue // a stray restart marker between scans is harmless
		}
		n, err := d.readU16()
		if err != nil {
			return err
		}
		s, err := d.segment(n - 2)
		if err != nil {
			return err
		}
		switch marker {
		case sof0Marker, sof1Marker, sof2Marker:
			d.baseline = marker == sof0Marker
			d.progressive = marker == sof2Marker
			if err := d.processSOF(s); err != nil {
				return err
			}
		case dhtMarker:
			if !headerOnly {
				err = d.processDHT(s)
			}
		case dqtMarker:
			if !headerOnly {
				err = d.processDQT(s)
			}
		case sosMarker:
			if d.nComp == 0 {
				return FormatError("missing SOF marker")
			}
			if headerOnly {
				return nil
			}
			err = d.processSOS(s)
			d.sawScan = true
		case driMarker:
			err = d.processDRI(s)
		case app0Marker:
			d.processApp0Marker(s)
		case app14Marker:
			d.processApp14Marker(s)
		default:
			if app0Marker <= marker && marker <= app15Marker || marker == comMarker {
				break
			}
			if marker < 0xc0 {
				return FormatError("unknown marker")
			}
			return unsupported(fmt.Sprintf("marker %#02x (arithmetic coding, lossless or hierarchical JPEG)", marker))
		}
		if err != nil {
			return err
		}
	}
	if d.nComp == 0 {
		return FormatError("missing SOF marker")
	}
	if !d.sawScan {
		return FormatError("missing SOS marker")
	}
	return nil
}
