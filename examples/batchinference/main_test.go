package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/onnx"
	"github.com/sluicedata/sluice/examples/internal/mlp"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	path, err := mlp.ModelPath("mlp100.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mlp.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := m.OnesOutput[0]
	var onnxErr error
	if !onnx.Available() {
		onnxErr = onnx.ErrNotBuilt
	}
	for _, tc := range []struct {
		name      string
		useONNX   bool
		modelsDir string
		wantErr   error
		wantText  string
	}{
		{"pure Go predictor", false, "", nil, ""},
		{"ONNX Runtime predictor", true, "", onnxErr, ""},
		{"models missing", false, t.TempDir(), nil, "model mlp100.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.modelsDir != "" {
				t.Setenv("SLUICE_MODELS_DIR", tc.modelsDir)
			}
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var out bytes.Buffer
			got, err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true}, tc.useONNX)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("run error = %v, want %v", err, tc.wantErr)
				}
				return
			case tc.wantText != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("run error = %v, want one containing %q", err, tc.wantText)
				}
				return
			case err != nil:
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if got <= 0 || got >= 1 || math.Abs(float64(got)-want) > tolerance {
				t.Errorf("prediction %v, want %v in (0, 1)", got, want)
			}
			text := out.String()
			for _, line := range []string{"data", "output", "{'output': array([0.72001", "direct computation sigmoid(sum(W) + b) = 0.7200185", "matches it"} {
				if !strings.Contains(text, line) {
					t.Errorf("output lacks %q:\n%s", line, text)
				}
			}
		})
	}
}
