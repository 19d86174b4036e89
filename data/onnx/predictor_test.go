//go:build onnx

package onnx

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

func TestPredictorOnActors(t *testing.T) {
	requireRuntime(t)
	defer goleak.VerifyNone(t)
	mlp := filepath.Join(models, "mlp100.onnx")
	want := onesOutput(t)
	ones64 := make([]float64, 7*100)
	for i := range ones64 {
		ones64[i] = 1
	}
	for _, tc := range []struct {
		name    string
		model   string
		opts    PredictorOptions
		in      tensor.Tensor
		column  string
		wantErr string
	}{
		{"defaults, float64 input like np.ones", mlp, PredictorOptions{}, tensor.New(ones64, 7, 100).Tensor(), "output", ""},
		{"renamed output", mlp, PredictorOptions{Input: "data", Outputs: map[string]string{"output": "score"}}, tensor.New(ones(7*100), 7, 100).Tensor(), "score", ""},
		{"missing model", mlp + ".gone", PredictorOptions{}, tensor.New(ones(100), 1, 100).Tensor(), "", "open model " + mlp + ".gone"},
		{"unknown output", mlp, PredictorOptions{Outputs: map[string]string{"logits": "x"}}, tensor.New(ones(100), 1, 100).Tensor(), "", `no output "logits"`},
		{"missing column", mlp, PredictorOptions{Input: "features"}, tensor.New(ones(100), 1, 100).Tensor(), "", "features"},
		{"wrong width", mlp, PredictorOptions{}, tensor.New(ones(2*50), 2, 50).Tensor(), "", "run " + mlp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ds := data.FromNumpy(tc.in).WithContext(&data.Context{Allocator: mem, NoProgress: true}).
				MapBatchesActor(NewPredictor(tc.model, tc.opts), data.Actors(2, 2), data.BatchSize(3), data.Name("mlp100"))
			rows, err := ds.TakeAll(context.Background(), 0)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "mlp100") {
					t.Fatalf("error = %v, want one naming the stage and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.in.Shape[0] {
				t.Fatalf("%d rows, want %d", len(rows), tc.in.Shape[0])
			}
			for i, r := range rows {
				out, ok := r[tc.column].(tensor.Tensor)
				if !ok {
					t.Fatalf("row %d: %s is %T", i, tc.column, r[tc.column])
				}
				v, err := tensor.ViewOf[float32](out)
				if err != nil {
					t.Fatal(err)
				}
				if v.Len() != 1 || math.Abs(float64(v.At(0))-want) > 1e-6 {
					t.Errorf("row %d = %v, want [%v]", i, v.Data[:v.Len()], want)
				}
			}
		})
	}
}

// TestPredictorEmptyBatch calls a predictor on an empty batch (inside a batch function, so
// the engine owns the derived batches): the output column is there, with no rows.
func TestPredictorEmptyBatch(t *testing.T) {
	requireRuntime(t)
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctor := NewPredictor(filepath.Join(models, "tiny_cnn.onnx"), PredictorOptions{Input: "data"})
	var calls atomic.Int32
	ds := data.FromNumpy(tensor.New(make([]float32, 2*3*224*224), 2, 3, 224, 224).Tensor()).
		WithContext(&data.Context{Allocator: mem, NoProgress: true}).
		MapBatches(func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
			calls.Add(1)
			actor, err := ctor(ctx)
			if err != nil {
				return nil, err
			}
			defer actor.(*Predictor).Close()
			out, err := actor.MapBatch(ctx, b.Slice(0, 0))
			if err != nil {
				return nil, err
			}
			probs, err := data.TensorView[float32](out, "probs")
			if err != nil {
				return nil, err
			}
			if out.NumRows() != 0 || len(probs.Shape) != 2 || probs.Shape[1] != 10 {
				t.Errorf("empty batch gave %d rows, probs of shape %v; want 0 rows of [10]", out.NumRows(), probs.Shape)
			}
			return b, nil
		})
	n, err := ds.Count(context.Background())
	if err != nil || n != 2 || calls.Load() == 0 {
		t.Fatalf("Count = %d, %v after %d calls", n, err, calls.Load())
	}
}
