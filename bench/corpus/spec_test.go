package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"testing"
)

// sources returns fake decoded photos of the package's sizes.
func sources() []photo {
	var ps []photo
	for _, r := range []image.Rectangle{image.Rect(0, 0, 2560, 1600), image.Rect(0, 0, 5120, 2880)} {
		ps = append(ps, photo{path: "fake", img: &boundedUniform{c: color.RGBA{90, 120, 200, 255}, r: r}})
	}
	return ps
}

// boundedUniform is a uniform image with finite bounds.
type boundedUniform struct {
	c color.RGBA
	r image.Rectangle
}

func (u *boundedUniform) ColorModel() color.Model { return color.RGBAModel }
func (u *boundedUniform) Bounds() image.Rectangle { return u.r }
func (u *boundedUniform) At(x, y int) color.Color { return u.c }

func TestSpecs(t *testing.T) {
	photos := sources()
	for _, tc := range []struct {
		name   string
		spec   func(seed uint64, i int, photos []photo) spec
		shapes []shape
	}{
		{"imagenet", imagenetSpec, imagenetShapes},
		{"large", largeSpec, largeShapes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[[2]int]int{}
			for i := range 200 {
				s := tc.spec(1, i, photos)
				if again := tc.spec(1, i, photos); again != s {
					t.Fatalf("image %d: spec %+v, then %+v", i, s, again)
				}
				if !s.crop.In(s.src.Bounds()) || s.crop.Empty() {
					t.Errorf("image %d: crop %v outside %v", i, s.crop, s.src.Bounds())
				}
				aspect := float64(s.w) / float64(s.h)
				if got := float64(s.crop.Dx()) / float64(s.crop.Dy()); got < aspect*0.99 || got > aspect*1.01 {
					t.Errorf("image %d: crop aspect %.3f for a %dx%d output", i, got, s.w, s.h)
				}
				if s.quality != 90 {
					t.Errorf("image %d: quality %d", i, s.quality)
				}
				seen[[2]int{s.w, s.h}]++
			}
			for _, sh := range tc.shapes {
				if seen[[2]int{sh.w, sh.h}] == 0 {
					t.Errorf("no %dx%d image in 200", sh.w, sh.h)
				}
			}
			if a, b := tc.spec(1, 0, photos), tc.spec(2, 0, photos); a.crop == b.crop && a.w == b.w {
				t.Errorf("seeds 1 and 2 give the same first image %+v", a)
			}
		})
	}
}

func TestRandomCrop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := image.Rect(0, 0, 2560, 1600)
	for _, tc := range []struct {
		name             string
		sh               shape
		minArea, maxArea float64
		wantW, wantH     int // at maxArea 1 and minArea 1
	}{
		{"4:3 in 16:10, whole", shape{w: 500, h: 375}, 1, 1, 2133, 1600},
		{"3:4, whole", shape{w: 375, h: 500}, 1, 1, 1200, 1600},
		{"wider than the source", shape{w: 400, h: 100}, 1, 1, 2560, 640},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := randomCrop(rng, b, tc.sh, tc.minArea, tc.maxArea)
			if r.Dx() != tc.wantW || r.Dy() != tc.wantH || !r.In(b) {
				t.Errorf("crop %v, want %dx%d inside %v", r, tc.wantW, tc.wantH, b)
			}
		})
	}
}

func TestRender(t *testing.T) {
	src := &boundedUniform{c: color.RGBA{200, 100, 50, 255}, r: image.Rect(0, 0, 800, 600)}
	for _, tc := range []struct {
		name    string
		s       spec
		wantErr bool
	}{
		{"downscale", spec{name: "a.jpg", src: src, crop: image.Rect(100, 100, 500, 400), w: 200, h: 150, quality: 90}, false},
		{"upscale with grain", spec{name: "b.jpg", src: src, crop: image.Rect(0, 0, 400, 300), w: 640, h: 480, quality: 90, grain: 4, grainSeed: 9}, false},
		{"crop outside", spec{name: "c.jpg", src: src, crop: image.Rect(500, 500, 900, 800), w: 100, h: 75, quality: 90}, true},
		{"no size", spec{name: "d.jpg", src: src, crop: image.Rect(0, 0, 400, 300), quality: 90}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := render(tc.s)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want one: %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			again, err := render(tc.s)
			if err != nil || !bytes.Equal(data, again) {
				t.Errorf("two renders differ (%v)", err)
			}
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.s.w || b.Dy() != tc.s.h {
				t.Errorf("decoded %v, want %dx%d", b, tc.s.w, tc.s.h)
			}
			r, g, bl, _ := img.At(tc.s.w/2, tc.s.h/2).RGBA()
			if d := int(r>>8) - 200; d < -12 || d > 12 || int(g>>8) < 88 || int(g>>8) > 112 || int(bl>>8) < 38 || int(bl>>8) > 62 {
				t.Errorf("centre pixel %d %d %d, want about 200 100 50", r>>8, g>>8, bl>>8)
			}
		})
	}
}

func TestBuildAll(t *testing.T) {
	src := &boundedUniform{c: color.RGBA{10, 200, 30, 255}, r: image.Rect(0, 0, 640, 400)}
	spec := func(i int) spec {
		return spec{name: fmt.Sprintf("img_%d.jpg", i), src: src, crop: image.Rect(i, 0, 320+i, 240), w: 64, h: 48,
			quality: 90, grain: 2, grainSeed: uint64(i)}
	}
	var sums []string
	for _, workers := range []int{1, 3} {
		dir := t.TempDir()
		sum, size, err := buildAll(dir, 5, workers, spec)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 5 || size <= 0 {
			t.Fatalf("%d workers: %d files (%v), %d bytes; want 5 files", workers, len(entries), err, size)
		}
		sums = append(sums, sum)
	}
	if sums[0] != sums[1] {
		t.Errorf("1 and 3 workers: sha256 %s and %s", sums[0], sums[1])
	}
}

func TestRunBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config
	}{
		{"missing source", config{src: "no/such/dir", imagenet: 1, large: 1}},
		{"no photos", config{src: t.TempDir(), imagenet: 1, large: 1}},
		{"negative count", config{src: t.TempDir(), imagenet: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tc.cfg, &out)
			if err == nil || !bytes.HasPrefix([]byte(err.Error()), []byte("sluice: corpus: ")) {
				t.Errorf("got %v, want a sluice: corpus: error", err)
			}
		})
	}
}
