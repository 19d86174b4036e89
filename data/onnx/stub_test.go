//go:build !onnx

package onnx

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/tensor"
	"go.uber.org/goleak"
)

func TestNotBuilt(t *testing.T) {
	defer goleak.VerifyNone(t)
	if Available() {
		t.Fatal("Available() = true without the onnx tag")
	}
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"Init", func() error { return Init("") }},
		{"Open", func() error { _, err := Open("../../testdata/models/mlp100.onnx", Options{}); return err }},
		{"Run", func() error { _, err := (&Session{}).Run(context.Background()); return err }},
		{"NewPredictor", func() error {
			_, err := NewPredictor("../../testdata/models/mlp100.onnx", PredictorOptions{})(context.Background())
			return err
		}},
		{"MapBatchesActor", func() error {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ds := data.FromNumpy(tensor.New(make([]float32, 100), 1, 100).Tensor()).
				WithContext(&data.Context{Allocator: mem, NoProgress: true}).
				MapBatchesActor(NewPredictor("../../testdata/models/mlp100.onnx", PredictorOptions{}))
			_, err := ds.TakeAll(context.Background(), 0)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, ErrNotBuilt) {
				t.Fatalf("error = %v, want ErrNotBuilt", err)
			}
		})
	}
}
