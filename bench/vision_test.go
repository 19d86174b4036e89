package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluicedata/sluice/data/transform/vision"
)

// Synthetic photo-like JPEGs (smooth gradients, soft blobs, a hard-edged block, mild
// noise) at q90, stand-ins until a real photo corpus is wired in. Set
// SLUICE_VISION_JPEG_DIR to also write them there, to run a PIL loop on the same files.
var visionCorpus = struct {
	once     sync.Once
	imagenet [][]byte // 500x375, like an ImageNet validation image
	photo    [][]byte // 2400x1800, a camera photo scaled down
}{}

const visionCorpusSize = 8

func syntheticPhoto(h, w int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type blob struct{ x, y, r, a float64 }
	var blobs [3][4]blob
	for c := range blobs {
		for i := range blobs[c] {
			blobs[c][i] = blob{rng.Float64() * float64(w), rng.Float64() * float64(h),
				(0.05 + 0.3*rng.Float64()) * float64(min(w, h)), rng.Float64()*160 - 80}
		}
	}
	scale := float64(w) / 500
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			p := img.Pix[y*img.Stride+x*4:]
			for c := range 3 {
				v := 60 + 120*fx/float64(w)*float64(c+1)/3 + 40*math.Sin(fx/(scale*float64(9+4*c))+fy/(scale*float64(13+c)))
				for _, b := range blobs[c] {
					dx, dy := fx-b.x, fy-b.y
					v += b.a * math.Exp(-(dx*dx+dy*dy)/(2*b.r*b.r))
				}
				if y > h/3 && y < h/2 && x > w/4 && x < w/2 {
					v = float64(230 - 90*c)
				}
				v += rng.NormFloat64() * 4
				p[c] = uint8(max(0, min(255, v)))
			}
			p[3] = 255
		}
	}
	return img
}

func loadVisionCorpus(b *testing.B) {
	b.Helper()
	visionCorpus.once.Do(func() {
		dir := os.Getenv("SLUICE_VISION_JPEG_DIR")
		encode := func(h, w int, seed uint64, name string) []byte {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, syntheticPhoto(h, w, seed), &jpeg.Options{Quality: 90}); err != nil {
				panic(err)
			}
			if dir != "" {
				_ = os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644)
			}
			return buf.Bytes()
		}
		for i := range visionCorpusSize {
			visionCorpus.imagenet = append(visionCorpus.imagenet, encode(375, 500, uint64(i), fmt.Sprintf("imagenet_%d.jpg", i)))
		}
		for i := range 2 {
			visionCorpus.photo = append(visionCorpus.photo, encode(1800, 2400, uint64(100+i), fmt.Sprintf("photo_%d.jpg", i)))
		}
	})
}

// benchDecode224 decodes and resizes each corpus image to 224x224 RGB into one reused
// buffer, single-threaded, with DecodeOptions.ReducingGap gap, and reports images per
// second (per core).
func benchDecode224(b *testing.B, pureGo bool, gap int) {
	loadVisionCorpus(b)
	for _, corpus := range []struct {
		name string
		data [][]byte
	}{{"500x375", visionCorpus.imagenet}, {"2400x1800", visionCorpus.photo}} {
		b.Run(corpus.name, func(b *testing.B) {
			dst := make([]uint8, 224*224*3)
			i := 0
			for b.Loop() {
				img, err := vision.DecodeBytes(corpus.data[i%len(corpus.data)], vision.DecodeOptions{
					Mode: vision.ModeRGB, H: 224, W: 224, Dst: dst, PureGo: pureGo, ReducingGap: gap})
				if err != nil || img.H != 224 {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkVisionDecode224Go is the pure-Go path: the jpegdec decoder, DCT-scaled as far as
// the size allows (the default ReducingGap), then the PIL-exact bilinear resize.
func BenchmarkVisionDecode224Go(b *testing.B) { benchDecode224(b, true, 0) }

// BenchmarkVisionTransforms reports each transform's ns/op on a 224x224 RGB image.
func BenchmarkVisionTransforms(b *testing.B) {
	src, err := vision.Resize(imageOf(syntheticPhoto(375, 500, 7)), 224, 224, vision.Bilinear)
	if err != nil {
		b.Fatal(err)
	}
	tests := []struct {
		name string
		t    vision.Transform
	}{
		{"Resize112Bilinear", vision.ResizeTransform(112, 112, vision.Bilinear)},
		{"Resize448Bilinear", vision.ResizeTransform(448, 448, vision.Bilinear)},
		{"Resize112Bicubic", vision.ResizeTransform(112, 112, vision.Bicubic)},
		{"CenterCrop160", vision.CenterCrop(160, 160)},
		{"RandomCrop160", vision.RandomCrop(160, 160)},
		{"RandomResizedCrop224", vision.RandomResizedCrop(224, 224, vision.RandomResizedCropOptions{})},
		{"HorizontalFlip", vision.HorizontalFlip()},
		{"Grayscale", vision.Grayscale(1)},
		{"GaussianBlur2", vision.GaussianBlur(2)},
		{"Thumbnail64", vision.Thumbnail(64, 64)},
		{"TrivialAugmentWide31", vision.TrivialAugmentWide(31)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			rng := vision.NewRand(1)
			for b.Loop() {
				if _, err := tt.t(src, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Normalize", func(b *testing.B) {
		dst := make([]float32, 224*224*3)
		mean, std := []float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225}
		for b.Loop() {
			if _, err := vision.Normalize(dst, src, mean, std); err != nil {
				b.Fatal(err)
			}
		}
	})
	for op := vision.OpIdentity; op <= vision.OpEqualize; op++ {
		b.Run("Augment"+op.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := vision.ApplyAugment(src, op, 0.5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func imageOf(rgba *image.RGBA) vision.Image {
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	img := vision.Image{H: h, W: w, C: 3, Pix: make([]uint8, h*w*3)}
	for i := range h * w {
		copy(img.Pix[i*3:i*3+3], rgba.Pix[i*4:i*4+3])
	}
	return img
}
