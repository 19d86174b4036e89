package jpegdec

import (
	"bytes"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"
)

// The benchmark corpora that bench/corpus/build.sh writes (git-ignored), relative to this
// package; SLUICE_IMAGENET_DIR and SLUICE_LARGE_DIR move them. The benchmark lives here
// rather than in bench/ because bench may not import an internal package.
const (
	imagenetCorpusDir = "../../../../../bench/data/images/imagenet"
	largeCorpusDir    = "../../../../../bench/data/images/large"
	buildCorpusHint   = "build it from the repository root with: sh bench/corpus/build.sh"
)

func corpusDir(env, def string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	return def
}

// BenchmarkJPEGDecode compares, on one core and on the same files in the same run, Go's
// image/jpeg.Decode (to YCbCr planes, no RGB conversion) with the pure-Go jpegdec decoder
// (to interleaved RGB, libjpeg-exact), at full size on the ImageNet-like corpus and at full
// size and 1/4 and 1/8 DCT scaling on the large-photo corpus. Each iteration decodes every
// loaded file with each decoder; it reports images per CPU second for each and the ratios
// x-image/jpeg.
// SLUICE_JPEGDEC_FILES caps the files loaded per corpus (default 200 ImageNet-like, 8
// large). Run it as
//
//	go test ./data/transform/vision/internal/jpegdec -run '^$' -bench JPEGDecode -benchtime 2x -cpu 1
func BenchmarkJPEGDecode(b *testing.B) {
	b.Run("imagenet", func(b *testing.B) {
		files := loadJPEGCorpus(b, corpusDir("SLUICE_IMAGENET_DIR", imagenetCorpusDir), 200)
		benchJPEGDecoders(b, files, []int{1})
	})
	b.Run("large", func(b *testing.B) {
		files := loadJPEGCorpus(b, corpusDir("SLUICE_LARGE_DIR", largeCorpusDir), 8)
		benchJPEGDecoders(b, files, []int{1, 4, 8})
	})
}

// benchJPEGDecoders times image/jpeg and jpegdec at each scale denominator over files, in
// process CPU time (steadier than the wall clock on a shared machine; the run is one
// goroutine, and the garbage collector's work counts against the decoder that makes it).
func benchJPEGDecoders(b *testing.B, files [][]byte, denoms []int) {
	var std time.Duration
	ours := make([]time.Duration, len(denoms))
	var dst []uint8
	for b.Loop() {
		start := cpuTime()
		for _, f := range files {
			if _, err := jpeg.Decode(bytes.NewReader(f)); err != nil {
				b.Fatal(err)
			}
		}
		std += cpuTime() - start
		for i, d := range denoms {
			start := cpuTime()
			for _, f := range files {
				img, err := DecodeScaled(f, d, Options{Dst: dst})
				if err != nil {
					b.Fatal(err)
				}
				dst = img.Pix
			}
			ours[i] += cpuTime() - start
		}
	}
	n := float64(b.N * len(files))
	b.ReportMetric(n/std.Seconds(), "std-images/cpu-s")
	for i, d := range denoms {
		name := "jpegdec"
		if d != 1 {
			name += "-1/" + strconv.Itoa(d)
		}
		b.ReportMetric(n/ours[i].Seconds(), name+"-images/cpu-s")
		b.ReportMetric(std.Seconds()/ours[i].Seconds(), "x-image/jpeg-"+name)
	}
}

// loadJPEGCorpus reads up to limit JPEGs of dir (SLUICE_JPEGDEC_FILES overrides the
// limit) into memory, skipping the benchmark when the corpus is missing.
func loadJPEGCorpus(b *testing.B, dir string, limit int) [][]byte {
	b.Helper()
	if s := os.Getenv("SLUICE_JPEGDEC_FILES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("SLUICE_JPEGDEC_FILES=%q: want a positive count", s)
		}
		limit = n
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(names) == 0 {
		b.Skipf("no JPEG corpus at %s (%v); %s", dir, err, buildCorpusHint)
	}
	sort.Strings(names)
	names = names[:min(len(names), limit)]
	files := make([][]byte, len(names))
	for i, name := range names {
		if files[i], err = os.ReadFile(name); err != nil {
			b.Fatal(err)
		}
	}
	return files
}

// BenchmarkJPEGDecodeRestarts measures restart-interval parallelism on one image decoded
// alone: the first SLUICE_JPEGDEC_FILES (default 4) large photos, re-encoded by PIL with a
// restart marker every MCU row (as many cameras write them), decoded one at a time
// serially and with Options.Workers = GOMAXPROCS, at full size and at 1/8. It reports
// images per second of wall time and per CPU second for each, and the wall-time speedup.
// It skips without python3 and Pillow. Run it as
//
//	go test ./data/transform/vision/internal/jpegdec -run '^$' -bench JPEGDecodeRestarts -benchtime 3x
func BenchmarkJPEGDecodeRestarts(b *testing.B) {
	src := loadJPEGCorpus(b, corpusDir("SLUICE_LARGE_DIR", largeCorpusDir), 4)
	files := withRestartMarkers(b, src)
	workers := runtime.GOMAXPROCS(0)
	for _, denom := range []int{1, 8} {
		b.Run(fmtf("1_%d", denom), func(b *testing.B) {
			var wall, cpu [2]time.Duration
			var dst []uint8
			for b.Loop() {
				for i, w := range []int{1, workers} {
					t0, c0 := time.Now(), cpuTime()
					for _, f := range files {
						img, err := DecodeScaled(f, denom, Options{Dst: dst, Workers: w})
						if err != nil {
							b.Fatal(err)
						}
						dst = img.Pix
					}
					wall[i] += time.Since(t0)
					cpu[i] += cpuTime() - c0
				}
			}
			n := float64(b.N * len(files))
			b.ReportMetric(n/wall[0].Seconds(), "serial-images/s")
			b.ReportMetric(n/cpu[0].Seconds(), "serial-images/cpu-s")
			b.ReportMetric(n/wall[1].Seconds(), "parallel-images/s")
			b.ReportMetric(n/cpu[1].Seconds(), "parallel-images/cpu-s")
			b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), "x-wall-speedup")
		})
	}
}

// withRestartMarkers re-encodes files with PIL (quality 90, 4:2:0, a restart marker every
// MCU row), skipping the benchmark when python3 lacks Pillow.
func withRestartMarkers(b *testing.B, files [][]byte) [][]byte {
	b.Helper()
	dir := b.TempDir()
	const script = `import sys
from PIL import Image
for p in sys.argv[1:]:
    Image.open(p).save(p + ".rst.jpg", quality=90, subsampling=2, restart_marker_rows=1)
`
	var args []string
	for i, f := range files {
		p := filepath.Join(dir, fmtf("%03d.jpg", i))
		if err := os.WriteFile(p, f, 0o644); err != nil {
			b.Fatal(err)
		}
		args = append(args, p)
	}
	if out, err := exec.Command("python3", append([]string{"-c", script}, args...)...).CombinedOutput(); err != nil {
		b.Skipf("re-encoding with restart markers needs python3 with Pillow: %v: %s", err, out)
	}
	out := make([][]byte, len(args))
	for i, p := range args {
		var err error
		if out[i], err = os.ReadFile(p + ".rst.jpg"); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
