package vision

import (
	"fmt"
	"testing"
)

// TestResizeMatchesPIL compares against Pillow's Image.resize outputs made by
// testdata/make_refs.py. The goal is bit-exactness; the bar is the brief's MAD < 0.5.
func TestResizeMatchesPIL(t *testing.T) {
	filters := map[string]Filter{"bilinear": Bilinear, "bicubic": Bicubic, "lanczos": Lanczos,
		"nearest": Nearest, "box": Box, "hamming": Hamming}
	tests := []struct {
		src    string
		w, h   int
		filter string
	}{
		{"small", 224, 224, "bilinear"},
		{"small", 64, 48, "bilinear"},
		{"small", 150, 200, "bilinear"},
		{"small", 97, 40, "bilinear"},
		{"large", 224, 224, "bilinear"},
		{"large", 64, 48, "bilinear"},
		{"large", 64, 48, "bicubic"},
		{"large", 64, 48, "lanczos"},
		{"large", 64, 48, "nearest"},
		{"large", 64, 48, "box"},
		{"large", 64, 48, "hamming"},
		{"small", 150, 200, "bicubic"},
		{"small_L", 64, 48, "bilinear"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("resize_%s_%dx%d_%s.png", tt.src, tt.w, tt.h, tt.filter)
		t.Run(name, func(t *testing.T) {
			src := load(t, tt.src+".png", ModeNative)
			want := load(t, name, ModeNative)
			got, err := Resize(src, tt.h, tt.w, filters[tt.filter])
			if err != nil {
				t.Fatal(err)
			}
			requireClose(t, got, want, 0.5)
		})
	}
}

func TestResizeIntoDst(t *testing.T) {
	src := load(t, "small.png", ModeRGB)
	dst := make([]uint8, 10*20*3+7)
	got, err := ResizeTo(dst, src, 10, 20, Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	if &got.Pix[0] != &dst[0] || len(got.Pix) != 600 {
		t.Fatalf("result not written into dst (len %d)", len(got.Pix))
	}
	same, err := ResizeTo(nil, src, src.H, src.W, Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	if m, worst := mad(t, same, src); worst != 0 {
		t.Fatalf("identity resize changed pixels: %v", m)
	}
}

func TestResizeBadInput(t *testing.T) {
	good := Image{H: 2, W: 2, C: 3, Pix: make([]uint8, 12)}
	tests := []struct {
		name string
		src  Image
		h, w int
		f    Filter
	}{
		{"zero target", good, 0, 4, Bilinear},
		{"negative target", good, 4, -1, Bilinear},
		{"short pix", Image{H: 2, W: 2, C: 3, Pix: make([]uint8, 11)}, 4, 4, Bilinear},
		{"two channels", Image{H: 2, W: 2, C: 2, Pix: make([]uint8, 8)}, 4, 4, Bilinear},
		{"empty image", Image{}, 4, 4, Bilinear},
		{"unknown filter", good, 4, 4, Filter(99)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Resize(tt.src, tt.h, tt.w, tt.f); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func BenchmarkResize(b *testing.B) {
	src, err := Resize(load(b, "large.png", ModeRGB), 375, 500, Bicubic)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]uint8, 224*224*3)
	for b.Loop() {
		if _, err := ResizeTo(dst, src, 224, 224, Bilinear); err != nil {
			b.Fatal(err)
		}
	}
}
