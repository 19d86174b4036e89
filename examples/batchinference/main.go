// Batchinference: the seed's batch-inference example in Go. The seed builds a dataset of one
// row of 100 ones (ray.data.from_numpy(np.ones((1, 100)))), maps a TorchPredictor
// (Linear(100, 1) + Sigmoid, loaded once per actor) over it on an actor pool of size 2, and
// shows one prediction:
//
//	go run ./examples/batchinference                 # pure-Go predictor (examples/internal/mlp)
//	go run -tags onnx ./examples/batchinference -onnx  # ONNX Runtime (scripts/install-onnxruntime.sh)
//
// Both predictors use the same weights (testdata/models/mlp100.json and mlp100.onnx, written
// by testdata/models/make_models.py). The program then computes the same value directly from
// the weights, prints it, and fails unless the two agree and lie in (0, 1).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
	"github.com/sluicedata/sluice/examples/internal/mlp"
	"github.com/sluicedata/sluice/tensor"
)

// tolerance is how far the pipeline's float32 prediction may be from the float64 direct
// computation: a float32 near 0.7 is exact to about 6e-8; the rest is the float32
// accumulation order inside PyTorch-style kernels.
const tolerance = 1e-6

// newPredictor returns the seed's TorchPredictor as an actor constructor: the model loads
// once per actor, in the constructor, like the Python class's __init__.
func newPredictor(useONNX bool) (func(ctx context.Context) (data.BatchActor, error), error) {
	if useONNX {
		path, err := mlp.ModelPath("mlp100.onnx")
		if err != nil {
			return nil, err
		}
		return onnx.NewPredictor(path, onnx.PredictorOptions{Input: "data", Outputs: map[string]string{"output": "output"}}), nil
	}
	path, err := mlp.ModelPath("mlp100.json")
	if err != nil {
		return nil, err
	}
	return mlp.NewPredictor(path, "data", "output"), nil
}

// direct is the prediction for a row of ones computed straight from the weights:
// sigmoid(sum(W) + b), in float64.
func direct(m *mlp.Model) float64 {
	z := float64(m.Bias[0])
	for _, w := range m.Weight[:m.In] {
		z += float64(w)
	}
	return 1 / (1 + math.Exp(-z))
}

// run is the example: it prints Show(1) of the predictions and the direct computation to w
// and returns the predicted value.
func run(ctx context.Context, w io.Writer, dc *data.Context, useONNX bool) (float32, error) {
	// Step 1: a dataset from an in-memory array, like np.ones((1, 100)) (float64, as NumPy's).
	ones := make([]float64, 100)
	for i := range ones {
		ones[i] = 1
	}
	ds := data.FromNumpy(tensor.New(ones, 1, 100).Tensor()).WithContext(dc)

	// Steps 2 and 3: map the predictor over the dataset on 2 actors (ActorPoolStrategy(size=2)).
	ctor, err := newPredictor(useONNX)
	if err != nil {
		return 0, err
	}
	predictions := ds.MapBatchesActor(ctor, data.Actors(2, 2), data.Name("TorchPredictor"))

	// Step 4: show one prediction.
	if err := predictions.Show(ctx, w, 1); err != nil {
		return 0, err
	}

	rows, err := predictions.SelectColumns("output").Take(ctx, 1)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("batchinference: %d predictions, want 1", len(rows))
	}
	out, ok := rows[0]["output"].(tensor.Tensor)
	if !ok {
		return 0, fmt.Errorf("batchinference: output is %T, want a tensor", rows[0]["output"])
	}
	v, err := tensor.ViewOf[float32](out)
	if err != nil || v.Len() != 1 {
		return 0, fmt.Errorf("batchinference: output %v: want one float32 (%v)", out.Shape, err)
	}
	got := v.At(0)

	path, err := mlp.ModelPath("mlp100.json")
	if err != nil {
		return 0, err
	}
	m, err := mlp.Load(path)
	if err != nil {
		return 0, err
	}
	want := direct(m)
	// The seed's printed row, {'output': array([0.5590901], dtype=float32)}, for our weights.
	fmt.Fprintf(w, "{'output': array([%.7f], dtype=float32)}\n", got)
	fmt.Fprintf(w, "direct computation sigmoid(sum(W) + b) = %.7f\n", want)
	diff := math.Abs(float64(got) - want)
	if got <= 0 || got >= 1 || diff > tolerance {
		return got, fmt.Errorf("batchinference: prediction %v does not match the direct computation %.7f (|diff| %.2g, tolerance %g)", got, want, diff, tolerance)
	}
	fmt.Fprintf(w, "prediction %.7f matches it (|diff| %.2g <= %g)\n", got, diff, tolerance)
	return got, nil
}

func main() {
	useONNX := flag.Bool("onnx", false, "run the model with ONNX Runtime (build with -tags onnx)")
	flag.Parse()
	if *useONNX && !onnx.Available() {
		fmt.Fprintln(os.Stderr, "batchinference: -onnx needs the ONNX Runtime build:")
		fmt.Fprintln(os.Stderr, "  scripts/install-onnxruntime.sh")
		fmt.Fprintln(os.Stderr, "  go run -tags onnx ./examples/batchinference -onnx")
		os.Exit(2)
	}
	if _, err := run(context.Background(), os.Stdout, data.DefaultContext(), *useONNX); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, onnx.ErrNotBuilt) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
