//go:build onnx

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

// With -tags onnx (after scripts/install-onnxruntime.sh), W4 classifies every bundled photo
// on the 2-actor pool and counts each of tiny_cnn's 10 classes.
func TestInferenceClassifiesEveryImage(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := filepath.Join("..", "..", "..", "testdata", "images")
	model := filepath.Join("..", "..", "..", "testdata", "models", "tiny_cnn.onnx")
	res, err := inference(context.Background(), dir, model, time.Now().Add(-time.Second), &data.Context{Allocator: mem, NoProgress: true})
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for k, v := range res.Checksum {
		if !strings.HasPrefix(k, "class_") {
			t.Errorf("checksum key %q", k)
		}
		total += v
	}
	if res.Rows != 8 || total != 8 || len(res.Checksum) != 10 {
		t.Errorf("rows %d, %v images over %d classes; want 8 and 10 classes: %v", res.Rows, total, len(res.Checksum), res.Checksum)
	}
	if res.FirstBatch <= 0 || res.FirstBatchFromStart < 1 {
		t.Errorf("first batch %v from call, %v from start", res.FirstBatch, res.FirstBatchFromStart)
	}
}

func TestInferenceMissingModel(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := filepath.Join("..", "..", "..", "testdata", "images")
	_, err := inference(context.Background(), dir, "/nonexistent/model.onnx", time.Time{}, &data.Context{Allocator: mem, NoProgress: true})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/model.onnx") {
		t.Errorf("err %v, want one naming the model", err)
	}
}
