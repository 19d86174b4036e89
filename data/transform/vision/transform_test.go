package vision

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSeedPipeline runs seed 000 case 3's transform_image steps (grayscale, four random
// 224 crops, TrivialAugmentWide(31), a 64x64 thumbnail) and checks shapes and
// reproducibility under a seed.
func TestSeedPipeline(t *testing.T) {
	src, err := Resize(load(t, "large.png", ModeRGB), 300, 400, Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) []Image {
		rng := NewRand(seed)
		var out []Image
		gray, err := Grayscale(1)(src, rng)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, gray)
		for range 4 {
			c, err := RandomCrop(224, 224)(src, rng)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
		aug, err := Compose(TrivialAugmentWide(31), Thumbnail(64, 64))(src, rng)
		if err != nil {
			t.Fatal(err)
		}
		return append(out, aug)
	}
	a, b := run(42), run(42)
	for i := range a {
		if string(a[i].Pix) != string(b[i].Pix) {
			t.Fatalf("output %d differs between runs with the same seed", i)
		}
	}
	if a[0].C != 1 || a[1].H != 224 || a[1].W != 224 || a[5].H != 48 || a[5].W != 64 {
		t.Fatalf("shapes: gray %d channels, crop %dx%d, thumbnail %dx%d", a[0].C, a[1].H, a[1].W, a[5].H, a[5].W)
	}
}

func TestCompose(t *testing.T) {
	src := seq(10, 12, 3)
	got, err := Compose(CenterCrop(6, 6), HorizontalFlip(), ResizeTransform(3, 3, Nearest))(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.H != 3 || got.W != 3 {
		t.Fatalf("shape %dx%d", got.H, got.W)
	}
	id, err := Compose()(src, nil)
	if err != nil || &id.Pix[0] != &src.Pix[0] {
		t.Fatal("empty Compose should return its input")
	}
	_, err = Compose(HorizontalFlip(), RandomCrop(50, 50))(src, NewRand(1))
	if err == nil || !strings.Contains(err.Error(), "larger than the image") {
		t.Fatalf("error %v does not come from the failing step", err)
	}
	if _, err := Compose(nil)(src, nil); err == nil {
		t.Fatal("nil transform: want error")
	}
}

func TestTrivialAugmentWide(t *testing.T) {
	src := load(t, "small.png", ModeRGB)
	tr := TrivialAugmentWide(31)
	rng := NewRand(5)
	changed := 0
	for range 40 {
		got, err := tr(src, rng)
		if err != nil {
			t.Fatal(err)
		}
		if got.H != src.H || got.W != src.W || got.C != 3 {
			t.Fatalf("shape %dx%dx%d", got.H, got.W, got.C)
		}
		if string(got.Pix) != string(src.Pix) {
			changed++
		}
	}
	if changed < 30 {
		t.Fatalf("only %d of 40 draws changed the image", changed)
	}
	for _, tt := range []struct {
		name string
		tr   Transform
		rng  *rand.Rand
	}{
		{"one bin", TrivialAugmentWide(1), NewRand(1)},
		{"nil rng", tr, nil},
	} {
		if _, err := tt.tr(src, tt.rng); err == nil {
			t.Errorf("%s: want error", tt.name)
		}
	}
	if _, err := ApplyAugment(src, AugmentOp(99), 0); err == nil {
		t.Error("unknown op: want error")
	}
	if _, err := ApplyAugment(src, OpPosterize, 9); err == nil {
		t.Error("posterize 9 bits: want error")
	}
}

func TestAugmentMagnitudes(t *testing.T) {
	// torchvision, num_bins=31: posterize bits 8 - round(i / 5), solarize 255 -> 0.
	post, signed := augmentMagnitudes(OpPosterize, 31)
	if signed || post[0] != 8 || post[2] != 8 || post[3] != 7 || post[30] != 2 {
		t.Fatalf("posterize bins %v", post)
	}
	sol, _ := augmentMagnitudes(OpSolarize, 31)
	if sol[0] != 255 || sol[30] != 0 || sol[15] != 127.5 {
		t.Fatalf("solarize bins %v", sol)
	}
	rot, signed := augmentMagnitudes(OpRotate, 31)
	if !signed || rot[30] != 135 || rot[1] != 4.5 {
		t.Fatalf("rotate bins %v", rot)
	}
	if m, _ := augmentMagnitudes(OpEqualize, 31); m != nil {
		t.Fatalf("equalize has magnitudes %v", m)
	}
}
