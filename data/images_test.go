package data

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/tensor"
)

// writeImage writes an h x w image with pixel (y, x) = (10*y, 10*x, v) as PNG or JPEG.
func writeImage(t *testing.T, path string, h, w int, v uint8) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(10 * y), uint8(10 * x), v, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(path, ".png") {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func imageFolder(t *testing.T) string {
	root := t.TempDir()
	for i := 0; i < 20; i++ {
		writeImage(t, filepath.Join(root, "cat", fmt.Sprintf("c%02d.png", i)), 6, 8, uint8(i))
	}
	for i := 0; i < 13; i++ {
		writeImage(t, filepath.Join(root, "dog", fmt.Sprintf("d%02d.jpg", i)), 10, 4, 100)
	}
	os.WriteFile(filepath.Join(root, "README.txt"), []byte("not an image"), 0o644)
	return root
}

func TestReadImages(t *testing.T) {
	ctx := context.Background()
	root := imageFolder(t)
	t.Run("resized, labelled, with paths", func(t *testing.T) {
		c := testContext(t)
		ds := ReadImages(root, ImageSize(4, 4), Partitioning("label"), IncludePaths()).WithContext(c)
		sc, err := ds.Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := "image   tensor(shape=(4, 4, 3), dtype=uint8)"; !strings.Contains(sc.String(), want) {
			t.Fatalf("schema\n%s", sc)
		}
		labels := map[string]int{}
		var rows int
		for b, err := range ds.IterBatches(ctx, BatchSize(8)) {
			if err != nil {
				t.Fatal(err)
			}
			img, err := TensorView[uint8](b, "image")
			if err != nil {
				t.Fatal(err)
			}
			ls, _ := b.Strings("label")
			ps, _ := b.Strings("path")
			for i, l := range ls {
				labels[l]++
				if !strings.Contains(ps[i], "/"+l+"/") {
					t.Fatalf("label %s for %s", l, ps[i])
				}
				if l == "cat" {
					// Cat images have a constant blue channel equal to their index.
					var idx int
					fmt.Sscanf(filepath.Base(ps[i]), "c%02d.png", &idx)
					for y := 0; y < 4; y++ {
						for x := 0; x < 4; x++ {
							if img.At(i, y, x, 2) != uint8(idx) {
								t.Fatalf("%s: blue at (%d,%d) = %d, want %d", ps[i], y, x, img.At(i, y, x, 2), idx)
							}
						}
					}
				}
			}
			rows += b.NumRows()
		}
		if rows != 33 || labels["cat"] != 20 || labels["dog"] != 13 {
			t.Fatalf("%d rows, labels %v", rows, labels)
		}
	})
	t.Run("native sizes give a variable-shape column", func(t *testing.T) {
		c := testContext(t)
		b, err := ReadImages(root).WithContext(c).TakeBatch(ctx, 33)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Release()
		if typ := TypeString(b.Schema().Field(0).Type); typ != "tensor(ndim=3, dtype=uint8)" {
			t.Fatalf("mixed sizes gave %s", typ)
		}
		first, err := tensor.RowTensor(b.Record().Column(0), 0)
		last, err2 := tensor.RowTensor(b.Record().Column(0), 32)
		if err != nil || err2 != nil || fmt.Sprint(first.Shape) != "[6 8 3]" || fmt.Sprint(last.Shape) != "[10 4 3]" {
			t.Fatalf("shapes %v %v (%v %v)", first.Shape, last.Shape, err, err2)
		}
		v, _ := tensor.ViewOf[uint8](first)
		if v.At(5, 7, 0) != 50 || v.At(5, 7, 1) != 70 {
			t.Fatalf("pixel (5,7) = %v %v", v.At(5, 7, 0), v.At(5, 7, 1))
		}
	})
	t.Run("reducing gap reaches the decoder", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "big.jpg")
		writeImage(t, path, 64, 64, 7) // to 6x6: DCT-scaled to 8x8 by default, 16x16 with gap 2
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := testContext(t)
		seen := map[string]bool{} // the gaps must give different pixels, or this tests nothing
		for _, gap := range []int{0, 2, -1} {
			want, err := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB, H: 6, W: 6, ReducingGap: gap})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := ReadImages(dir, ImageSize(6, 6), ImageMode("RGB"), ImageReducingGap(gap)).WithContext(c).Take(ctx, 1)
			if err != nil || len(rows) != 1 {
				t.Fatalf("gap %d: %v rows, %v", gap, len(rows), err)
			}
			got, err := tensor.ViewOf[uint8](rows[0]["image"].(tensor.Tensor))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Data, want.Pix) {
				t.Fatalf("gap %d: ReadImages gave %v, vision.DecodeBytes %v", gap, got.Data, want.Pix)
			}
			seen[string(want.Pix)] = true
		}
		if len(seen) != 3 {
			t.Fatalf("the three gaps gave %d different images", len(seen))
		}
	})
	t.Run("grayscale, shuffled files, limit", func(t *testing.T) {
		c := testContext(t)
		a, err := ReadImages(root, ImageMode("L"), ImageSize(2, 2), Shuffle(3), IncludePaths()).WithContext(c).Take(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ReadImages(root, ImageMode("L"), ImageSize(2, 2), Shuffle(3), IncludePaths()).WithContext(c).Take(ctx, 5)
		if len(a) != 5 || fmt.Sprint(a) != fmt.Sprint(b) || a[0]["image"].(tensor.Tensor).Shape[2] != 1 {
			t.Fatalf("shuffled reads differ or wrong: %v", a[0]["path"])
		}
		if strings.HasSuffix(a[0]["path"].(string), "c00.png") && strings.HasSuffix(a[1]["path"].(string), "c01.png") {
			t.Fatal("files were not shuffled")
		}
	})
}

func TestReadImagesBadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "good.jpg"), 8, 8, 1)
	good, _ := os.ReadFile(filepath.Join(dir, "good.jpg"))
	var bomb bytes.Buffer
	png.Encode(&bomb, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := bomb.Bytes()
	// Patch the IHDR width and height to 60000 x 60000 (a decompression bomb's header).
	copy(b[16:24], []byte{0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60})
	cases := map[string][]byte{
		"empty.jpg":     {},
		"truncated.jpg": good[:len(good)/2],
		"text.jpg":      []byte("this is text, not a JPEG"),
		"bomb.png":      b,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			c := testContext(t)
			p := filepath.Join(dir, "one", name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, data, 0o644)
			defer os.Remove(p)
			_, err := ReadImages(p).WithContext(c).TakeAll(ctx, 0)
			if err == nil || !strings.Contains(err.Error(), "sluice: ReadImages") || !strings.Contains(err.Error(), name) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("tolerated bad files are skipped and reported", func(t *testing.T) {
		c := testContext(t)
		c.MaxErroredBlocks = -1
		mixed := filepath.Join(dir, "mixed")
		for i := 0; i < 5; i++ {
			writeImage(t, filepath.Join(mixed, fmt.Sprintf("ok%d.jpg", i)), 8, 8, 1)
		}
		os.WriteFile(filepath.Join(mixed, "bad.jpg"), []byte("garbage"), 0o644)
		ds := ReadImages(mixed, ImageSize(4, 4)).WithContext(c)
		rows, err := ds.TakeAll(ctx, 0)
		if err != nil || len(rows) != 5 {
			t.Fatalf("%d rows, %v", len(rows), err)
		}
		if st := ds.Stats(); st.Ops[0].TasksSkipped != 1 || !strings.Contains(st.Ops[0].Skipped[0], "bad.jpg") {
			t.Fatalf("stats:\n%s", st)
		}
	})
}

func TestWriteImagesRoundTrip(t *testing.T) {
	ctx := context.Background()
	root := imageFolder(t)
	c := testContext(t)
	out := filepath.Join(t.TempDir(), "out")
	src := ReadImages(filepath.Join(root, "cat"), ImageSize(6, 8)).WithContext(c)
	paths, err := src.WriteImages(ctx, out, "image", "png")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 20 || !strings.HasSuffix(paths[0], "part_000000_000000.png") {
		t.Fatalf("paths %d %v", len(paths), paths[:1])
	}
	a, err := src.TakeBatch(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := ReadImages(out).WithContext(c).TakeBatch(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	va, _ := TensorView[uint8](a, "image")
	vb, _ := TensorView[uint8](b, "image")
	if fmt.Sprint(va.Data) != fmt.Sprint(vb.Data) {
		t.Fatal("PNG round trip changed pixels")
	}
	if _, err := src.WriteImages(ctx, filepath.Join(t.TempDir(), "x"), "image", "gif"); err == nil {
		t.Fatal("wrote gif")
	}
}

// writeGray16 writes an h x w 16-bit grayscale PNG with pixel (y, x) = 1000*y + x.
func writeGray16(t *testing.T, path string, h, w int) {
	t.Helper()
	img := image.NewGray16(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray16(x, y, color.Gray16{Y: uint16(1000*y + x)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadImagesNative(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeGray16(t, filepath.Join(dir, "a.png"), 3, 4)
	writeGray16(t, filepath.Join(dir, "b.png"), 3, 4)
	t.Run("16-bit gray stays uint16 with one channel", func(t *testing.T) {
		b, err := ReadImages(dir, ImageMode("native")).WithContext(testContext(t)).TakeBatch(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Release()
		v, err := TensorView[uint16](b, "image")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(v.Shape) != "[2 3 4 1]" || v.At(1, 2, 3, 0) != 2003 {
			t.Fatalf("shape %v, pixel (2, 3) of image 1 = %d, want 2003", v.Shape, v.At(1, 2, 3, 0))
		}
	})
	t.Run("RGB clamps as PIL's convert does", func(t *testing.T) {
		rows, err := ReadImages(dir).WithContext(testContext(t)).Take(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		pix, err := tensor.ViewOf[uint8](rows[0]["image"].(tensor.Tensor))
		if err != nil {
			t.Fatal(err)
		}
		// PIL's I;16 to RGB is min(v, 255): pixel (0, 3) is 3, pixel (1, 0) is 1000.
		if pix.At(0, 3, 0) != 3 || pix.At(1, 0, 1) != 255 {
			t.Fatalf("got %d and %d, want 3 and 255", pix.At(0, 3, 0), pix.At(1, 0, 1))
		}
	})
	t.Run("8- and 16-bit files in one block fail naming both", func(t *testing.T) {
		writeImage(t, filepath.Join(dir, "c.png"), 3, 4, 7)
		_, err := ReadImages(dir, ImageMode("native")).WithContext(testContext(t)).TakeAll(ctx, 0)
		if err == nil || !strings.Contains(err.Error(), "a.png") || !strings.Contains(err.Error(), "c.png") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestReadImagesApplyOrientation reads Pillow's hopper_orientation_6.jpg (EXIF orientation
// 6, stored sideways): as stored by default, as PIL's exif_transpose turns it with the
// option.
func TestReadImagesApplyOrientation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join("..", "testdata", "conformance", "images", "hopper_orientation_6.jpg")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := vision.DecodeBytes(raw, vision.DecodeOptions{Mode: vision.ModeRGB})
	upright := vision.Orient(stored, 6)
	for name, tt := range map[string]struct {
		opts []Option
		want vision.Image
	}{
		"as stored": {nil, stored},
		"upright":   {[]Option{ImageApplyOrientation()}, upright},
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := ReadImages(path, tt.opts...).WithContext(testContext(t)).Take(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tensor.ViewOf[uint8](rows[0]["image"].(tensor.Tensor))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Shape) != fmt.Sprint([]int{tt.want.H, tt.want.W, 3}) || !bytes.Equal(got.Data, tt.want.Pix) {
				t.Fatalf("shape %v, want %dx%dx3 (or other pixels)", got.Shape, tt.want.H, tt.want.W)
			}
		})
	}
}

// TestReadImagesConformanceCorpus reads all of Pillow's Tests/images through ReadImages
// with bad files tolerated: every file is read or skipped with an error that names it, and
// nothing panics or leaks (testContext checks the allocator and goroutines).
func TestReadImagesConformanceCorpus(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	c.MaxErroredBlocks = -1
	dir := filepath.Join("..", "testdata", "conformance", "images")
	ds := ReadImages(dir, ImageSize(32, 32)).WithContext(c)
	n, err := ds.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := ds.Stats()
	skipped := st.Ops[0].Skipped
	if n+int64(len(skipped)) != 700 || n < 640 {
		t.Fatalf("%d images read and %d skipped of 700", n, len(skipped))
	}
	for _, s := range skipped {
		if !strings.Contains(s, filepath.ToSlash(dir)) && !strings.Contains(s, dir) {
			t.Errorf("skipped without naming the file: %s", s)
		}
	}
	t.Logf("%d read, %d skipped", n, len(skipped))
}
