package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/storage"
)

// BenchmarkS3ReadImages reads 200 JPEGs (500x375, q90) resized to 224x224 from an S3 server on
// loopback (versitygw when SLUICE_VERSITYGW_ENDPOINT is set, else gofakes3 in this process),
// next to the same read from local disk, in images/s.
func BenchmarkS3ReadImages(b *testing.B) {
	ctx := context.Background()
	// The framework calls a benchmark more than once; one server and one upload serve all calls
	// (the storage layer keeps a bucket's options for the process).
	s3ImagesOnce.Do(func() { s3ImagesDir, s3ImagesPrefix, s3ImagesErr = setupS3Images(b) })
	if s3ImagesErr != nil {
		b.Fatal(s3ImagesErr)
	}
	dir, prefix := s3ImagesDir, s3ImagesPrefix
	const n = 200
	read := func(path string) float64 {
		start := time.Now()
		rows := 0
		for batch, err := range data.ReadImages(path, data.ImageSize(224, 224)).IterBatches(ctx, data.BatchSize(64)) {
			if err != nil {
				b.Fatal(err)
			}
			rows += batch.NumRows()
		}
		if rows != n {
			b.Fatalf("%d images from %s", rows, path)
		}
		return n / time.Since(start).Seconds()
	}
	b.ResetTimer()
	var local, s3 float64
	for i := 0; i < b.N; i++ {
		local += read(dir)
		s3 += read(prefix)
	}
	b.ReportMetric(s3/float64(b.N), "s3-images/s")
	b.ReportMetric(local/float64(b.N), "local-images/s")
	b.ReportMetric(s3/local, "s3/local")
	b.ReportMetric(0, "ns/op")
}

var (
	s3ImagesOnce                sync.Once
	s3ImagesDir, s3ImagesPrefix string
	s3ImagesErr                 error
)

// setupS3Images writes 200 JPEGs to a local directory and uploads them; it returns the
// directory and the S3 prefix URL (with its options) to read them from.
func setupS3Images(b *testing.B) (string, string, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sluice-s3-images-")
	if err != nil {
		return "", "", err
	}
	bucket, opts, _ := s3BenchServer(b) // lives until the process ends
	prefix := fmt.Sprintf("%s/images-%d", bucket, time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 500, 375))
		for p := 0; p < len(img.Pix); p += 4 {
			v := uint8(rng.IntN(64)) + uint8(p/4%500/4)
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = v, v/2, 255-v, 255
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			return "", "", err
		}
		name := fmt.Sprintf("img%03d.jpg", i)
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return "", "", err
		}
		w, err := storage.Default().Create(ctx, prefix+"/"+name+"?"+opts)
		if err != nil {
			return "", "", err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return "", "", err
		}
		if err := w.Commit(); err != nil {
			return "", "", err
		}
	}
	return dir, prefix + "/?" + opts, nil
}
