package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
)

// W4 settings, the same in every system: batches of 64 on a fixed pool of 2 actors, each
// with one ONNX Runtime session of one intra-op thread (the pool is the parallelism).
const (
	inferenceBatchSize = 64
	inferenceActors    = 2
)

// inference is W4: batch classification of the JPEGs in in: ReadImages resized to 224x224
// RGB, normalized to CHW float32 (W1's normalizeImages), then the ONNX model (an input
// "image" [N, 3, 224, 224], an output "probs" [N, classes]) on a pool of 2 actors, each
// loading the model once (Ray's map_batches with a predictor class on an
// ActorPoolStrategy(size=2)). The checksum counts the images per top-1 class ("class_3":
// how many images the model put in class 3), which is independent of order. It needs a
// build with -tags onnx; otherwise the first actor fails with onnx.ErrNotBuilt.
func inference(ctx context.Context, in, model string, spawn time.Time, dc *data.Context) (result, error) {
	if in == "" || model == "" {
		return result{}, fmt.Errorf("sluice: workloads w4: want -in and -model")
	}
	predictor := onnx.NewPredictor(model, onnx.PredictorOptions{Input: "image", Outputs: map[string]string{"probs": "probs"}})
	ds := data.ReadImages(in, data.ImageSize(224, 224), data.ImageMode("RGB")).
		WithContext(dc).
		MapBatches(normalizeImages, data.BatchSize(inferenceBatchSize), data.Name("normalize")).
		MapBatchesActor(predictor, data.Actors(inferenceActors, inferenceActors),
			data.BatchSize(inferenceBatchSize), data.Name("tiny_cnn"))
	res := result{Checksum: map[string]float64{}}
	start := time.Now()
	for b, err := range ds.IterBatches(ctx, data.BatchSize(inferenceBatchSize)) {
		if err != nil {
			return result{}, err
		}
		if res.FirstBatch == 0 {
			res.FirstBatch = time.Since(start).Seconds()
			if !spawn.IsZero() {
				res.FirstBatchFromStart = time.Since(spawn).Seconds()
			}
		}
		v, err := data.TensorView[float32](b, "probs")
		if err != nil {
			return result{}, err
		}
		if v.NDim() != 2 || v.Shape[1] == 0 {
			return result{}, fmt.Errorf("sluice: workloads w4: %s: probs of shape %v, want [n, classes]", model, v.Shape)
		}
		if res.Rows == 0 {
			// Every class gets a count, zero included, so systems compare key by key.
			for k := range v.Shape[1] {
				res.Checksum["class_"+strconv.Itoa(k)] = 0
			}
		}
		for i := range v.Shape[0] {
			res.Checksum["class_"+strconv.Itoa(argmax(v.Data[i*v.Shape[1]:(i+1)*v.Shape[1]]))]++
		}
		res.Rows += int64(b.NumRows())
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// argmax is the index of the largest value (the first on ties, as numpy's argmax).
func argmax(xs []float32) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}
