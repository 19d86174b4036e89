//go:build !onnx

package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

// Without -tags onnx, W4 fails at its first actor with onnx.ErrNotBuilt, not a crash.
func TestInferenceNeedsTheOnnxBuild(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := filepath.Join("..", "..", "..", "testdata", "images")
	model := filepath.Join("..", "..", "..", "testdata", "models", "tiny_cnn.onnx")
	_, err := inference(context.Background(), dir, model, time.Time{}, &data.Context{Allocator: mem, NoProgress: true})
	if !errors.Is(err, onnx.ErrNotBuilt) {
		t.Errorf("err %v, want onnx.ErrNotBuilt", err)
	}
}
