package jpegdec

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
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
