// Command corpus builds sluice's image benchmark corpora from real photos, deterministically.
// The photos are the JPEG wallpapers of Debian's plasma-workspace-wallpapers package (2560x1600,
// 3200x2000 and 5120x2880); build.sh beside this file fetches and unpacks them, then runs:
//
//	go run ./bench/corpus -src bench/data/wallpapers/x/usr/share/wallpapers -out bench/data/images
//
// It writes two corpora under -out:
//
//   - imagenet/: -imagenet (default 1000) JPEGs at q90 shaped like ImageNet validation images
//     (mostly 500x375, some 375x500 and 500x333), each a random crop of a random photo (10% to
//     100% of the largest crop of that aspect) scaled down with an antialiased bilinear filter,
//     with grain of 2 levels (about 40 KB a file);
//   - large/: -large (default 40) JPEGs at q90 around 4000x3000 (4000x3000, 4032x3024, 3000x4000),
//     each a crop of 70% to 100% of a photo scaled to size, with sensor-like grain of 4 levels so
//     the files carry a camera's fine detail rather than an upscale's smoothness (about 2 MB).
//
// With -testdata DIR it writes instead the small photos committed in testdata/images: each
// classic photo wallpaper at 2560x1600 scaled to 640x400, q85.
//
// Every output depends only on -seed and its index (not on scheduling), so two builds are byte
// for byte the same; the program prints one SHA-256 over all files to check that.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// config is the command line.
type config struct {
	src      string // root of the unpacked wallpapers (usr/share/wallpapers)
	out      string // root of the corpora
	testdata string // when set, write the small test photos here instead
	imagenet int    // number of ImageNet-like images
	large    int    // number of large photos
	seed     uint64
	workers  int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.src, "src", "bench/data/wallpapers/x/usr/share/wallpapers", "unpacked plasma-workspace-wallpapers (usr/share/wallpapers)")
	flag.StringVar(&cfg.out, "out", "bench/data/images", "directory for the imagenet/ and large/ corpora")
	flag.StringVar(&cfg.testdata, "testdata", "", "write the small test photos (640x400 q85) into this directory instead")
	flag.IntVar(&cfg.imagenet, "imagenet", 1000, "number of ImageNet-like images (about 500x375)")
	flag.IntVar(&cfg.large, "large", 40, "number of large photos (about 4000x3000)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of every random choice")
	flag.IntVar(&cfg.workers, "workers", runtime.GOMAXPROCS(0), "images built at once")
	flag.Parse()
	if err := run(cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(cfg config, w io.Writer) error {
	if cfg.imagenet < 0 || cfg.large < 0 {
		return fmt.Errorf("sluice: corpus: -imagenet %d -large %d: want 0 or more", cfg.imagenet, cfg.large)
	}
	if cfg.workers < 1 {
		cfg.workers = 1
	}
	paths, err := findPhotos(cfg.src)
	if err != nil {
		return err
	}
	if cfg.testdata != "" {
		return buildTestdata(cfg, paths, w)
	}
	photos, err := loadPhotos(paths, w)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		dir  string
		n    int
		spec func(i int) spec
	}{
		{"imagenet", cfg.imagenet, func(i int) spec { return imagenetSpec(cfg.seed, i, photos) }},
		{"large", cfg.large, func(i int) spec { return largeSpec(cfg.seed, i, photos) }},
	} {
		dir := filepath.Join(cfg.out, c.dir)
		sum, bytes, err := buildAll(dir, c.n, cfg.workers, c.spec)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d images, %.1f MB, sha256 %s\n", dir, c.n, float64(bytes)/1e6, sum)
	}
	return nil
}

// photo is one decoded source wallpaper.
type photo struct {
	path string
	img  image.Image
}

// findPhotos lists the full-size JPEG wallpapers under root: regular files (the package's
// smaller sizes are symlinks) in a contents/images*/ directory, at least 2560 pixels wide,
// sorted so that the corpora do not depend on the walk order.
func findPhotos(root string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || !strings.EqualFold(filepath.Ext(path), ".jpg") ||
			!strings.HasPrefix(filepath.Base(filepath.Dir(path)), "images") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg, err := jpeg.DecodeConfig(f)
		if err != nil {
			return fmt.Errorf("decode header: %w", err)
		}
		if cfg.Width >= 2560 {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sluice: corpus: -src %s: %w (run bench/corpus/build.sh to fetch the wallpapers)", root, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("sluice: corpus: -src %s: no JPEG wallpapers 2560 pixels wide or more (run bench/corpus/build.sh)", root)
	}
	slices.Sort(paths)
	return paths, nil
}

// loadPhotos decodes every source once; the builds crop and scale from memory.
func loadPhotos(paths []string, w io.Writer) ([]photo, error) {
	photos := make([]photo, len(paths))
	for i, p := range paths {
		img, err := decodeFile(p)
		if err != nil {
			return nil, err
		}
		photos[i] = photo{path: p, img: img}
		b := img.Bounds()
		fmt.Fprintf(w, "source %2d: %dx%d %s\n", i, b.Dx(), b.Dy(), p)
	}
	return photos, nil
}

func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sluice: corpus: %w", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("sluice: corpus: decode %s: %w", path, err)
	}
	return img, nil
}

// buildAll writes images 0..n-1 into dir with workers goroutines and returns a SHA-256 over
// all files in index order and their total size. Each file is written to a temporary name
// and renamed, so an interrupted build leaves no half image.
func buildAll(dir string, n, workers int, spec func(int) spec) (string, int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, fmt.Errorf("sluice: corpus: %w", err)
	}
	sums := make([][]byte, n)
	sizes := make([]int64, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Go(func() {
			for i := range next {
				s := spec(i)
				data, err := render(s)
				if err == nil {
					err = writeAtomic(filepath.Join(dir, s.name), data)
				}
				h := sha256.Sum256(data)
				sums[i], sizes[i], errs[i] = h[:], int64(len(data)), err
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	var total int64
	for i := range n {
		h.Write(sums[i])
		total += sizes[i]
	}
	return hex.EncodeToString(h.Sum(nil)), total, nil
}

// writeAtomic writes data to path through a temporary file in the same directory.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("sluice: corpus: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sluice: corpus: %w", err)
	}
	return nil
}

// testdataPhotos are the classic photo wallpapers (camera photos, not renders) that
// testdata/images holds, each scaled from 2560x1600 to 640x400.
var testdataPhotos = []string{"Autumn", "BytheWater", "ColdRipple", "ColorfulCups", "EveningGlow", "FallenLeaf", "Kite", "Path"}

// buildTestdata writes testdata/images: one 640x400 q85 JPEG per testdataPhotos entry,
// named after the wallpaper in lower case.
func buildTestdata(cfg config, paths []string, w io.Writer) error {
	if err := os.MkdirAll(cfg.testdata, 0o755); err != nil {
		return fmt.Errorf("sluice: corpus: -testdata %s: %w", cfg.testdata, err)
	}
	for _, name := range testdataPhotos {
		i := slices.IndexFunc(paths, func(p string) bool {
			return filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(p)))) == name && filepath.Base(p) == "2560x1600.jpg"
		})
		if i < 0 {
			return fmt.Errorf("sluice: corpus: -src %s: no %s/contents/images/2560x1600.jpg", cfg.src, name)
		}
		img, err := decodeFile(paths[i])
		if err != nil {
			return err
		}
		s := spec{name: strings.ToLower(name) + ".jpg", src: img, crop: img.Bounds(), w: 640, h: 400, quality: 85}
		data, err := render(s)
		if err != nil {
			return err
		}
		out := filepath.Join(cfg.testdata, s.name)
		if err := writeAtomic(out, data); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: 640x400, %d bytes, from %s\n", out, len(data), paths[i])
	}
	return nil
}
