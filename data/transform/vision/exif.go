package vision

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
)

// orientationOf returns the EXIF orientation (1 to 8) of an encoded image as PIL's
// Image.getexif() finds it, or 1: JPEG's APP1 Exif segment, PNG's eXIf chunk, ImageMagick's
// "Raw profile type exif" text chunk and XMP's tiff:Orientation, WebP's EXIF chunk. TIFF
// files are not looked at: PIL, and so Decode, applies their orientation tag anyway.
func orientationOf(format string, data []byte) int {
	var o int
	switch format {
	case "jpeg":
		o = jpegOrientation(data)
	case "png":
		o = pngOrientation(data)
	case "webp":
		o = webpOrientation(data)
	}
	if o < 1 || o > 8 {
		return 1
	}
	return o
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF block.
func exifOrientation(b []byte) int {
	if len(b) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(b[4:]))
	if off < 8 || off+2 > len(b) {
		return 0
	}
	n := int(bo.Uint16(b[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > len(b) {
			return 0
		}
		if bo.Uint16(b[e:]) == 0x0112 && bo.Uint16(b[e+2:]) == 3 {
			return int(bo.Uint16(b[e+8:]))
		}
	}
	return 0
}

func jpegOrientation(b []byte) int {
	for pos := 2; pos+4 <= len(b) && b[pos] == 0xff; {
		marker := b[pos+1]
		if marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7) {
			pos += 2
			continue
		}
		if marker == 0xda || marker == 0xd9 {
			return 0 // image data: no EXIF before it
		}
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		seg := b[pos+4 : min(pos+2+n, len(b))]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		pos += 2 + n
	}
	return 0
}

var xmpOrientation = regexp.MustCompile(`tiff:Orientation(?:="|>)([0-9])`)

func pngOrientation(b []byte) int {
	xmp := 0
	for pos := 8; pos+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[pos:]))
		typ := string(b[pos+4 : pos+8])
		if n < 0 || pos+8+n > len(b) {
			break
		}
		c := b[pos+8 : pos+8+n]
		switch typ {
		case "eXIf":
			if o := exifOrientation(c); o != 0 {
				return o
			}
		case "zTXt", "tEXt", "iTXt":
			key, rest, _ := bytes.Cut(c, []byte{0})
			text := rest
			if typ == "zTXt" && len(rest) > 1 {
				text = inflate(rest[1:])
			}
			if typ == "iTXt" && len(rest) > 2 {
				compressed := rest[0] == 1
				// language tag and translated keyword, each NUL-terminated
				_, t, _ := bytes.Cut(rest[2:], []byte{0})
				_, t, _ = bytes.Cut(t, []byte{0})
				text = t
				if compressed {
					text = inflate(t)
				}
			}
			switch {
			case string(key) == "Raw profile type exif":
				if o := exifOrientation(imageMagickExif(text)); o != 0 {
					return o
				}
			case string(key) == "XML:com.adobe.xmp":
				if m := xmpOrientation.FindSubmatch(text); m != nil {
					xmp, _ = strconv.Atoi(string(m[1]))
				}
			}
		case "IDAT", "IEND":
			if typ == "IEND" {
				return xmp
			}
		}
		pos += 12 + n
	}
	return xmp
}

func inflate(b []byte) []byte {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(r, 1<<20))
	return out
}

// imageMagickExif decodes ImageMagick's hex profile ("\nexif\n   <length>\n<hex lines>"),
// which holds "Exif\0\0" and the TIFF block.
func imageMagickExif(text []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(text), []byte("\n"))
	if len(lines) < 3 {
		return nil
	}
	h := bytes.Join(lines[2:], nil)
	raw := make([]byte, hex.DecodedLen(len(h)))
	n, _ := hex.Decode(raw, bytes.ReplaceAll(h, []byte(" "), nil))
	raw = raw[:n]
	if i := bytes.Index(raw, []byte("Exif\x00\x00")); i >= 0 {
		return raw[i+6:]
	}
	return raw
}

func webpOrientation(b []byte) int {
	if len(b) < 12 {
		return 0
	}
	for pos := 12; pos+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[pos+4:]))
		if n < 0 || pos+8+n > len(b) {
			return 0
		}
		if string(b[pos:pos+4]) == "EXIF" {
			c := b[pos+8 : pos+8+n]
			c = bytes.TrimPrefix(c, []byte("Exif\x00\x00"))
			return exifOrientation(c)
		}
		pos += 8 + n + n&1
	}
	return 0
}
