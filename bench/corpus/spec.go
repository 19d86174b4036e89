package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"golang.org/x/image/draw"
)

// spec is everything that decides one output image: which region of which photo, scaled to
// what size, with how much grain, encoded at what quality. A spec is a pure function of the
// seed and the image's index, which is what makes the corpora reproducible.
type spec struct {
	name      string
	photo     int         // index into the sorted sources
	src       image.Image // the decoded source
	crop      image.Rectangle
	w, h      int
	quality   int
	grain     float64 // standard deviation of the added noise, in levels of 255; 0 for none
	grainSeed uint64
}

// shape is an output size and how often it is drawn.
type shape struct {
	w, h   int
	weight float64
}

// imagenetShapes are the common ImageNet validation sizes, roughly in their proportions.
var imagenetShapes = []shape{{500, 375, 0.7}, {375, 500, 0.15}, {500, 333, 0.15}}

// largeShapes are camera photo sizes: 12 MP landscape, a phone's 4032x3024, and portrait.
var largeShapes = []shape{{4000, 3000, 0.5}, {4032, 3024, 0.3}, {3000, 4000, 0.2}}

// imagenetSpec is image i of the ImageNet-like corpus: a random photo, a random crop of 10%
// to 100% of the largest region of the output's aspect ratio, at a random place, with grain of
// 2 levels (the wallpapers' smooth skies compress to about 34 KB at 500x375 without it, where
// ImageNet's camera photos weigh 100 KB or more; the grain brings the entropy decoder's work
// closer to theirs).
func imagenetSpec(seed uint64, i int, photos []photo) spec {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	p := rng.IntN(len(photos))
	sh := pickShape(rng, imagenetShapes)
	crop := randomCrop(rng, photos[p].img.Bounds(), sh, 0.1, 1)
	return spec{name: fmt.Sprintf("img_%04d.jpg", i), photo: p, src: photos[p].img, crop: crop,
		w: sh.w, h: sh.h, quality: 90, grain: 2, grainSeed: rng.Uint64()}
}

// largeSpec is image i of the large-photo corpus: the photos in turn, a crop of 70% to 100% of
// the largest region of the output's aspect ratio, scaled (up, for the 2560x1600 sources) to
// about 4000x3000, with grain of 4 levels so that the file carries a camera's high-frequency
// detail rather than the smoothness of an upscale.
func largeSpec(seed uint64, i int, photos []photo) spec {
	rng := rand.New(rand.NewPCG(seed, 1<<32+uint64(i)))
	p := i % len(photos)
	sh := pickShape(rng, largeShapes)
	crop := randomCrop(rng, photos[p].img.Bounds(), sh, 0.7, 1)
	return spec{name: fmt.Sprintf("photo_%02d.jpg", i), photo: p, src: photos[p].img, crop: crop,
		w: sh.w, h: sh.h, quality: 90, grain: 4, grainSeed: rng.Uint64()}
}

func pickShape(rng *rand.Rand, shapes []shape) shape {
	r := rng.Float64()
	for _, s := range shapes {
		if r < s.weight {
			return s
		}
		r -= s.weight
	}
	return shapes[len(shapes)-1]
}

// randomCrop returns a region of b with the aspect ratio of sh covering a fraction of the
// largest such region drawn uniformly from [minArea, maxArea], at a uniform position.
func randomCrop(rng *rand.Rand, b image.Rectangle, sh shape, minArea, maxArea float64) image.Rectangle {
	aspect := float64(sh.w) / float64(sh.h)
	cw, ch := float64(b.Dx()), float64(b.Dy())
	if cw/ch > aspect {
		cw = ch * aspect
	} else {
		ch = cw / aspect
	}
	s := math.Sqrt(minArea + (maxArea-minArea)*rng.Float64())
	w, h := max(1, int(cw*s)), max(1, int(ch*s))
	x := b.Min.X + rng.IntN(b.Dx()-w+1)
	y := b.Min.Y + rng.IntN(b.Dy()-h+1)
	return image.Rect(x, y, x+w, y+h)
}

// render crops, scales (x/image/draw's bilinear kernel, antialiased when shrinking), adds the
// grain and encodes the spec as a JPEG.
func render(s spec) ([]byte, error) {
	if s.w < 1 || s.h < 1 || s.crop.Empty() || !s.crop.In(s.src.Bounds()) {
		return nil, fmt.Errorf("sluice: corpus: %s: bad spec: %dx%d from %v of %v", s.name, s.w, s.h, s.crop, s.src.Bounds())
	}
	dst := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	draw.BiLinear.Scale(dst, dst.Bounds(), s.src, s.crop, draw.Src, nil)
	if s.grain > 0 {
		addGrain(dst, s.grain, s.grainSeed)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: s.quality}); err != nil {
		return nil, fmt.Errorf("sluice: corpus: %s: encode: %w", s.name, err)
	}
	return buf.Bytes(), nil
}

// addGrain adds zero-mean noise of standard deviation sigma to every colour byte of img.
func addGrain(img *image.RGBA, sigma float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	for y := range img.Rect.Dy() {
		row := img.Pix[y*img.Stride : y*img.Stride+img.Rect.Dx()*4]
		for x := 0; x < len(row); x += 4 {
			for c := range 3 {
				v := float64(row[x+c]) + rng.NormFloat64()*sigma
				row[x+c] = uint8(max(0, min(255, math.Round(v))))
			}
		}
	}
}
