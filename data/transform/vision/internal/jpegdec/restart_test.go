package jpegdec

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestRestartOffsets(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		mcus       int
		wantStarts []int
		wantEnd    int
	}{
		{"three intervals", []byte{0xaa, 0xff, 0xd0, 0xbb, 0xff, 0xd1, 0xcc, 0xff, 0xd9}, 3, []int{0, 3, 6}, 7},
		{"stuffed and fill bytes", []byte{0xff, 0x00, 0xff, 0xff, 0xd0, 0xbb, 0xff, 0xd9}, 2, []int{0, 5}, 6},
		{"out of order", []byte{0xaa, 0xff, 0xd1, 0xbb, 0xff, 0xd0, 0xcc, 0xff, 0xd9}, 3, nil, 0},
		{"one missing", []byte{0xaa, 0xff, 0xd0, 0xbb, 0xff, 0xd9}, 3, nil, 0},
		{"one too many", []byte{0xaa, 0xff, 0xd0, 0xbb, 0xff, 0xd1, 0xcc, 0xff, 0xd9}, 2, nil, 0},
		{"no end marker", []byte{0xaa, 0xff, 0xd0, 0xbb}, 2, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &decoder{}
			d.data, d.ri = tc.data, 1
			starts, end := d.restartOffsets(tc.mcus)
			if !slices.Equal(starts, tc.wantStarts) || end != tc.wantEnd {
				t.Fatalf("got %v, %d; want %v, %d", starts, end, tc.wantStarts, tc.wantEnd)
			}
		})
	}
}

// TestDecodeParallelRestarts decodes the files with restart markers (and, falling back to
// the serial decoder, the damaged ones and one without) on several workers, at every
// scale, and checks every pixel against the serial decode.
func TestDecodeParallelRestarts(t *testing.T) {
	defer goleak.VerifyNone(t)
	saved := minParallelMCUs
	minParallelMCUs = 1
	defer func() { minParallelMCUs = saved }()
	for _, name := range []string{"rst420_q85.jpg", "bad_rst_dropped.jpg", "bad_rst_swapped.jpg", "bad_rst_junk.jpg", "b420_q90.jpg"} {
		data := readFile(t, filepath.Join("testdata", name))
		for _, denom := range []int{1, 2, 4, 8} {
			want, err := DecodeScaled(data, denom, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{2, 3, 8} {
				got, err := DecodeScaled(data, denom, Options{Workers: workers})
				if err != nil {
					t.Fatalf("%s at 1/%d on %d workers: %v", name, denom, workers, err)
				}
				if !bytes.Equal(got.Pix, want.Pix) {
					t.Errorf("%s at 1/%d on %d workers: differs from the serial decode", name, denom, workers)
				}
			}
		}
	}
}
