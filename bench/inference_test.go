package bench

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/tensor"
)

// inferenceBackend is the classifier BenchmarkInferencePipeline runs on its actors: ONNX
// Runtime with testdata/models/tiny_cnn.onnx when built with -tags onnx
// (inference_onnx_test.go), else a pure-Go convolution stand-in (pureGoConv). Either reads
// the "image" column ([N, 3, 224, 224] float32) and adds "probs" ([N, 10] float32).
var inferenceBackend = struct {
	name     string
	newActor func(ctx context.Context) (data.BatchActor, error)
}{"purego-conv", func(ctx context.Context) (data.BatchActor, error) { return newPureGoConv(), nil }}

const (
	inferenceImages = 256 // 500x375 JPEGs, like ImageNet validation images
	inferenceSize   = 224
	inferenceBatch  = 16
	inferenceActors = 2
)

// BenchmarkInferencePipeline is batch image classification: decode 500x375 JPEGs, resize to
// 224 (on read), normalize to CHW float32, classify on 2 actors, count the rows (the sink).
// Each iteration measures, in images/s:
//
//   - decode: read + resize + normalize alone, drained by the same sink;
//   - infer: the classifier alone on the same tensors, decoded beforehand (Materialize);
//   - pipeline: all of it streaming, and pipeline/slowest-stage, its throughput over the
//     slower of the two stages alone. Goal: 0.9 or more (decode and inference overlap rather
//     than alternate). On a CPU-only machine both stages alone use every core, so the
//     pipeline cannot beat doing both stages' work back to back; pipeline/shared-core-bound
//     is its throughput over that bound, 1 / (1/decode + 1/infer) (1.0 means no time is lost
//     to scheduling), and pipeline/slowest-stage can reach 0.9 only when inference is about
//     ten times faster than decoding.
//
// The sub-benchmark is named after the classifier: onnx-tiny_cnn with -tags onnx (after
// scripts/install-onnxruntime.sh), else purego-conv, a small pure-Go convolution net that
// stands in for the runtime.
func BenchmarkInferencePipeline(b *testing.B) {
	dir := b.TempDir()
	if err := writeInferenceImages(dir, inferenceImages); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dc := &data.Context{NoProgress: true}
	read := func() *data.Dataset {
		return data.ReadImages(dir, data.ImageSize(inferenceSize, inferenceSize)).WithContext(dc).
			MapBatches(normalizeCHW, data.BatchSize(inferenceBatch))
	}
	classify := func(ds *data.Dataset) *data.Dataset {
		return ds.MapBatchesActor(inferenceBackend.newActor, data.Actors(inferenceActors, inferenceActors),
			data.BatchSize(inferenceBatch), data.Name(inferenceBackend.name))
	}
	decoded, err := read().Materialize(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer decoded.Release()

	b.Run(inferenceBackend.name, func(b *testing.B) {
		var decode, infer, pipe time.Duration
		for b.Loop() {
			for _, stage := range []struct {
				ds  *data.Dataset
				acc *time.Duration
			}{{read(), &decode}, {classify(decoded), &infer}, {classify(read()), &pipe}} {
				start := time.Now()
				n, err := sinkRows(ctx, stage.ds)
				if err != nil {
					b.Fatal(err)
				}
				if n != inferenceImages {
					b.Fatalf("sink saw %d rows, want %d", n, inferenceImages)
				}
				*stage.acc += time.Since(start)
			}
		}
		rate := func(d time.Duration) float64 { return float64(b.N*inferenceImages) / d.Seconds() }
		b.ReportMetric(rate(decode), "decode-images/s")
		b.ReportMetric(rate(infer), "infer-images/s")
		b.ReportMetric(rate(pipe), "pipeline-images/s")
		b.ReportMetric(rate(pipe)/min(rate(decode), rate(infer)), "pipeline/slowest-stage")
		// Both stages alone use every core, so when they share the cores the pipeline can at
		// best do the work of both back to back: 1 / (1/decode + 1/infer) images/s.
		b.ReportMetric(rate(pipe)*(1/rate(decode)+1/rate(infer)), "pipeline/shared-core-bound")
		b.ReportMetric(0, "ns/op")
	})
}

// sinkRows drains ds, counting rows (the benchmark's sink).
func sinkRows(ctx context.Context, ds *data.Dataset) (int, error) {
	n := 0
	for batch, err := range ds.IterBatches(ctx) {
		if err != nil {
			return n, err
		}
		n += batch.NumRows()
	}
	return n, nil
}

// normalizeCHW replaces the [N, 224, 224, 3] uint8 "image" column by [N, 3, 224, 224] float32
// with ImageNet's mean and std (examples/imageclassify's normalize).
func normalizeCHW(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := data.TensorView[uint8](b, "image")
	if err != nil {
		return nil, err
	}
	if v.NDim() != 4 || v.Shape[3] != 3 {
		return nil, fmt.Errorf("normalizeCHW: image column of shape %v, want [N, H, W, 3]", v.Shape)
	}
	n, h, w := v.Shape[0], v.Shape[1], v.Shape[2]
	per := 3 * h * w
	out := make([]float32, n*per)
	mean, std := []float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225}
	for i := range n {
		row := v.Row(i)
		img := vision.Image{H: h, W: w, C: 3, Pix: row.Data[:row.Len()]}
		if _, err := vision.Normalize(out[i*per:(i+1)*per], img, mean, std); err != nil {
			return nil, err
		}
	}
	return b.With("image", tensor.New(out, n, 3, h, w))
}

// writeInferenceImages writes n photo-like 500x375 JPEGs (q90) into dir: smooth colour
// gradients and waves with mild noise, so they decode like photos rather than flat fills.
func writeInferenceImages(dir string, n int) error {
	const w, h = 500, 375
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		fx, fy := 7+rng.Float64()*20, 9+rng.Float64()*20
		for y := range h {
			for x := range w {
				p := img.Pix[y*img.Stride+x*4:]
				for c := range 3 {
					v := 50 + 150*float64(x+c*y)/float64(w+c*h) + 40*math.Sin(float64(x)/fx+float64(y*(c+1))/fy) + rng.NormFloat64()*4
					p[c] = uint8(max(0, min(255, v)))
				}
				p[3] = 255
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("img_%04d.jpg", i)))
		if err != nil {
			return err
		}
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pureGoConv is the stand-in classifier without ONNX Runtime: a 3x3 stride-2 convolution
// (3 -> 8 channels) with ReLU on a 2x2-average-pooled input (so 56x56 outputs), global average
// pooling, a linear layer to 10 classes and a softmax, with fixed random weights. It costs
// about 1.4 MFLOP per image, far less than tiny_cnn, so in the pure-Go build the pipeline is
// decode-bound.
type pureGoConv struct {
	conv [8][3][3][3]float32
	fc   [10][8]float32
	buf  []float32
}

func newPureGoConv() *pureGoConv {
	p := &pureGoConv{}
	rng := rand.New(rand.NewPCG(224, 10))
	for o := range p.conv {
		for c := range p.conv[o] {
			for i := range p.conv[o][c] {
				for j := range p.conv[o][c][i] {
					p.conv[o][c][i][j] = float32(rng.NormFloat64() * 0.27)
				}
			}
		}
	}
	for k := range p.fc {
		for o := range p.fc[k] {
			p.fc[k][o] = float32(rng.NormFloat64() * 0.35)
		}
	}
	return p
}

// MapBatch implements data.BatchActor.
func (p *pureGoConv) MapBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := data.TensorView[float32](b, "image")
	if err != nil {
		return nil, err
	}
	if v.NDim() != 4 || v.Shape[1] != 3 {
		return nil, fmt.Errorf("pureGoConv: image column of shape %v, want [N, 3, H, W]", v.Shape)
	}
	n, h, w := v.Shape[0], v.Shape[1+1], v.Shape[3]
	ph, pw := h/2, w/2
	if cap(p.buf) < 3*ph*pw {
		p.buf = make([]float32, 3*ph*pw)
	}
	pooled := p.buf[:3*ph*pw]
	probs := make([]float32, n*10)
	for i := range n {
		img := v.Row(i).Data
		for c := range 3 {
			for y := range ph {
				for x := range pw {
					s := img[c*h*w+2*y*w+2*x] + img[c*h*w+2*y*w+2*x+1] + img[c*h*w+(2*y+1)*w+2*x] + img[c*h*w+(2*y+1)*w+2*x+1]
					pooled[c*ph*pw+y*pw+x] = s / 4
				}
			}
		}
		var feat [8]float32
		oh, ow := (ph-1)/2, (pw-1)/2
		for o := range 8 {
			var sum float32
			for y := range oh {
				for x := range ow {
					var z float32
					for c := range 3 {
						for ky := range 3 {
							row := pooled[c*ph*pw+(2*y+ky)*pw+2*x:]
							k := &p.conv[o][c][ky]
							z += k[0]*row[0] + k[1]*row[1] + k[2]*row[2]
						}
					}
					sum += max(z, 0)
				}
			}
			feat[o] = sum / float32(oh*ow)
		}
		out := probs[i*10 : (i+1)*10]
		var total float64
		for k := range 10 {
			var z float32
			for o := range 8 {
				z += p.fc[k][o] * feat[o]
			}
			out[k] = float32(math.Exp(float64(z)))
			total += float64(out[k])
		}
		for k := range out {
			out[k] = float32(float64(out[k]) / total)
		}
	}
	return b.With("probs", tensor.New(probs, n, 10))
}
