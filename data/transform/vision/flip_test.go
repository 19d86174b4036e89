package vision

import "testing"

func TestFlip(t *testing.T) {
	src := seq(2, 3, 3)
	got, err := HorizontalFlip()(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 2 {
		for x := range 3 {
			for c := range 3 {
				if at(got, y, x, c) != at(src, y, 2-x, c) {
					t.Fatalf("(%d,%d,%d) = %d, want %d", y, x, c, at(got, y, x, c), at(src, y, 2-x, c))
				}
			}
		}
	}
	if src.Pix[0] != 0 {
		t.Fatal("flip modified its input")
	}
	// RandomHorizontalFlip: p=0 never flips, p=1 always does.
	same, err := RandomHorizontalFlip(0)(src, NewRand(1))
	if err != nil || string(same.Pix) != string(src.Pix) {
		t.Fatalf("p=0 flipped (err %v)", err)
	}
	flipped, err := RandomHorizontalFlip(1)(src, NewRand(1))
	if err != nil || string(flipped.Pix) != string(got.Pix) {
		t.Fatalf("p=1 did not flip (err %v)", err)
	}
	if _, err := RandomHorizontalFlip(0.5)(src, nil); err == nil {
		t.Fatal("nil rng: want error")
	}
	if _, err := FlipHorizontal(Image{H: 1, W: 1, C: 5, Pix: make([]uint8, 5)}); err == nil {
		t.Fatal("5 channels: want error")
	}
}
