package vision

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// benchFiles are Pillow test images, one or two per format whose decoder this package
// now owns, that the previous decoders (x/image's webp, bmp and tiff, image/gif) also read.
var benchFiles = []string{
	"flower.webp",         // lossy 480x360
	"hopper.bmp",          // 24-bit
	"hopper.gif",          // 128x128
	"test.colors.gif",     // 807x606
	"hopper.tif",          // raw RGB
	"hopper_lzw.tif",      // LZW with predictor
	"tiff_16bit_RGB.tiff", // 16-bit, Deflate, tiled
}

// BenchmarkDecodeFormats decodes each file to RGB with DecodeBytes and, in the same run and
// interleaved, with the decoders used before (x/image and the standard library through
// image.Decode and this package's generic conversion), and reports the ratio of the two
// thread CPU times as x-before (above 1: DecodeBytes is faster) along with MPixel per CPU
// second. When python3 has Pillow and numpy, PIL's np.asarray(Image.open(f).convert("RGB"))
// on the same bytes is timed too (its thread CPU time, best of 5 runs) and x-PIL reported.
//
//	go test ./data/transform/vision -run '^$' -bench DecodeFormats -benchtime 200x
func BenchmarkDecodeFormats(b *testing.B) {
	for _, name := range benchFiles {
		data, err := os.ReadFile(filepath.Join(conformanceDir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			opts := DecodeOptions{Mode: ModeRGB}
			img, err := DecodeBytes(data, opts)
			if err != nil {
				b.Fatal(err)
			}
			format := sniff(data)
			if _, err := decodeGo(data, opts, format); err != nil {
				b.Fatalf("previous decoder: %v", err)
			}
			// Thread CPU time, not wall time: the machine is shared, and a decode that
			// loses its core for a while has not become slower.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var now, before time.Duration
			odd := false
			for b.Loop() {
				// Alternate which decoder goes first, so neither gets the warmer caches.
				odd = !odd
				if odd {
					t0 := threadCPU()
					DecodeBytes(data, opts)
					t1 := threadCPU()
					decodeGo(data, opts, format)
					before += threadCPU() - t1
					now += t1 - t0
				} else {
					t0 := threadCPU()
					decodeGo(data, opts, format)
					t1 := threadCPU()
					DecodeBytes(data, opts)
					now += threadCPU() - t1
					before += t1 - t0
				}
			}
			px := float64(img.W * img.H)
			b.ReportMetric(px*float64(b.N)/now.Seconds()/1e6, "MPixel/CPU-s")
			b.ReportMetric(float64(before)/float64(now), "x-before")
			if pil := pilSeconds(b, filepath.Join(conformanceDir, name), 50); pil > 0 {
				b.ReportMetric(pil/(now.Seconds()/float64(b.N)), "x-PIL")
			}
		})
	}
}

// threadCPU is the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// pilSeconds returns PIL's CPU seconds per decode of path to an RGB array (the best of 5 runs
// of n), or 0 without python3, Pillow and numpy.
func pilSeconds(b *testing.B, path string, n int) float64 {
	script := `import sys, io, time, numpy as np
from PIL import Image
data = open(sys.argv[1], "rb").read(); n = int(sys.argv[2]); best = 1e9
for _ in range(5):
    t = time.thread_time()
    for _ in range(n): np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    best = min(best, (time.thread_time() - t) / n)
print(best)`
	out, err := exec.Command("python3", "-c", script, path, fmt.Sprint(n)).Output()
	if err != nil {
		b.Logf("no PIL peer: %v", err)
		return 0
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		return 0
	}
	return v
}
