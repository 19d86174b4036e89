package vision

import "testing"

func TestImage(t *testing.T) {
	img, err := New(2, 3, 4)
	if err != nil || len(img.Pix) != 24 || img.Mode() != ModeRGBA || img.Validate() != nil {
		t.Fatalf("New: %+v, %v", img, err)
	}
	c := img.Clone()
	c.Pix[0] = 9
	if img.Pix[0] != 0 {
		t.Fatal("Clone shares Pix")
	}
	for _, bad := range []struct{ h, w, c int }{{0, 1, 1}, {1, -1, 3}, {1, 1, 2}} {
		if _, err := New(bad.h, bad.w, bad.c); err == nil {
			t.Errorf("New(%d, %d, %d): want error", bad.h, bad.w, bad.c)
		}
	}
	for m, want := range map[Mode]int{ModeNative: 0, ModeL: 1, ModeRGB: 3, ModeRGBA: 4} {
		if m.Channels() != want || (want != 0 && ModeOf(want) != m) {
			t.Errorf("%v: %d channels", m, m.Channels())
		}
	}
	if Mode(7).String() != "Mode(7)" || ModeOf(2) != ModeNative {
		t.Error("unknown modes")
	}
}
