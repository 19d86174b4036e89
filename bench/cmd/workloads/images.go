package main

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/tensor"
)

// W1 settings, the same in every system: ImageNet's mean and std, batches of 64.
const imagesBatchSize = 64

var (
	imagenetMean = []float32{0.485, 0.456, 0.406}
	imagenetStd  = []float32{0.229, 0.224, 0.225}
)

// images is W1: read the JPEGs in in resized to 224x224 RGB, normalize each to a
// channels-first float32 tensor (torchvision's ToTensor + Normalize), and iterate batches
// of 64 as a training loop would. The checksum is the mean and the mean absolute value of
// every normalized element (decoders differ in the last bit of some pixels, so the report
// compares these to 1e-3). dc holds the engine settings (allocator, order).
func images(ctx context.Context, in string, spawn time.Time, dc *data.Context) (result, error) {
	if in == "" {
		return result{}, fmt.Errorf("sluice: workloads w1: want -in")
	}
	ds := data.ReadImages(in, data.ImageSize(224, 224), data.ImageMode("RGB")).
		WithContext(dc).
		MapBatches(normalizeImages, data.BatchSize(imagesBatchSize), data.Name("normalize"))
	res := result{Checksum: map[string]float64{}}
	var sum, sumAbs float64
	var n int64
	start := time.Now()
	for b, err := range ds.IterBatches(ctx, data.BatchSize(imagesBatchSize)) {
		if err != nil {
			return result{}, err
		}
		if res.Rows == 0 {
			res.FirstBatch = time.Since(start).Seconds()
			if !spawn.IsZero() {
				res.FirstBatchFromStart = time.Since(spawn).Seconds()
			}
		}
		v, err := data.TensorView[float32](b, "image")
		if err != nil {
			return result{}, err
		}
		s, a := sums32(v.Data)
		sum, sumAbs, n = sum+s, sumAbs+a, n+int64(len(v.Data))
		res.Rows += int64(b.NumRows())
		res.Bytes += int64(len(v.Data) * 4)
	}
	res.Seconds = time.Since(start).Seconds()
	if n > 0 {
		res.Checksum["mean"] = sum / float64(n)
		res.Checksum["mean_abs"] = sumAbs / float64(n)
	}
	return res, nil
}

// normalizeImages turns the batch's HWC uint8 image column into a CHW float32 one, written
// straight into a buffer from the batch's allocator.
func normalizeImages(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	v, err := data.TensorView[uint8](b, "image")
	if err != nil {
		return nil, err
	}
	if v.NDim() != 4 {
		return nil, fmt.Errorf("sluice: workloads w1: image column of shape %v, want [n, h, w, c]", v.Shape)
	}
	n, h, w, c := v.Shape[0], v.Shape[1], v.Shape[2], v.Shape[3]
	per := h * w * c
	buf := memory.NewResizableBuffer(b.Allocator())
	buf.Resize(n * per * 4)
	out := arrow.Float32Traits.CastFromBytes(buf.Bytes())
	for i := range n {
		img := vision.Image{H: h, W: w, C: c, Pix: v.Data[i*per : (i+1)*per]}
		if _, err := vision.Normalize(out[i*per:(i+1)*per], img, imagenetMean, imagenetStd); err != nil {
			buf.Release()
			return nil, err
		}
	}
	col, err := tensor.NewFixedFromBuffer(arrow.PrimitiveTypes.Float32, []int{c, h, w}, n, buf)
	if err != nil {
		return nil, err
	}
	defer col.Release()
	return b.With("image", col)
}

// sums32 returns the sum and the sum of absolute values of xs in float64.
func sums32(xs []float32) (float64, float64) {
	var s, a float64
	for _, x := range xs {
		f := float64(x)
		s += f
		if f < 0 {
			f = -f
		}
		a += f
	}
	return s, a
}
