//go:build onnx

package bench

import (
	"context"
	"path/filepath"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
)

// With -tags onnx, BenchmarkInferencePipeline classifies with ONNX Runtime: one session of
// testdata/models/tiny_cnn.onnx per actor, one intra-op thread each (the pool is the
// parallelism).
func init() {
	model := filepath.Join("..", "testdata", "models", "tiny_cnn.onnx")
	inferenceBackend.name = "onnx-tiny_cnn"
	inferenceBackend.newActor = func(ctx context.Context) (data.BatchActor, error) {
		return onnx.NewPredictor(model, onnx.PredictorOptions{Input: "image", Outputs: map[string]string{"probs": "probs"}})(ctx)
	}
}
