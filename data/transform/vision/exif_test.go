package vision

import (
	"encoding/binary"
	"testing"
)

// exifBlock is a little-endian TIFF block whose IFD0 holds one orientation entry.
func exifBlock(o uint16) []byte {
	b := []byte("II*\x00\x08\x00\x00\x00\x01\x00")
	e := make([]byte, 12)
	binary.LittleEndian.PutUint16(e[0:], 0x0112)
	binary.LittleEndian.PutUint16(e[2:], 3)
	binary.LittleEndian.PutUint32(e[4:], 1)
	binary.LittleEndian.PutUint16(e[8:], o)
	return append(append(b, e...), 0, 0, 0, 0)
}

func TestOrientationOf(t *testing.T) {
	app1 := append([]byte("Exif\x00\x00"), exifBlock(6)...)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe1, 0, byte(len(app1) + 2)}, app1...)
	jpeg = append(jpeg, 0xff, 0xda, 0, 2)
	riff := append([]byte("RIFF\x00\x00\x00\x00WEBPEXIF"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(riff[16:], uint32(len(exifBlock(8))))
	riff = append(riff, exifBlock(8)...)
	for _, tt := range []struct {
		name, format string
		data         []byte
		want         int
	}{
		{"jpeg app1", "jpeg", jpeg, 6},
		{"webp EXIF chunk", "webp", riff, 8},
		{"out of range is 1", "jpeg", append([]byte{0xff, 0xd8, 0xff, 0xe1, 0, byte(len(app1) + 2)}, append([]byte("Exif\x00\x00"), exifBlock(42)...)...), 1},
		{"truncated segment is 1", "jpeg", jpeg[:12], 1},
		{"no EXIF is 1", "png", []byte("\x89PNG\r\n\x1a\n"), 1},
		{"tiff is left to the decoder", "tiff", exifBlock(6), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := orientationOf(tt.format, tt.data); got != tt.want {
				t.Fatalf("orientation %d, want %d", got, tt.want)
			}
		})
	}
}
