//go:build onnx

package onnx

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/tensor"
)

const models = "../../testdata/models"

// onesOutput is mlp100's output for a row of ones, as make_models.py recorded it.
func onesOutput(t *testing.T) float64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(models, "mlp100.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		OnesOutput []float64 `json:"ones_output"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.OnesOutput) != 1 {
		t.Fatalf("mlp100.json: %v (ones_output %v)", err, f.OnesOutput)
	}
	return f.OnesOutput[0]
}

// requireRuntime fails the test with instructions when the library cannot be loaded: the
// onnx tag is an explicit request to test against the runtime.
func requireRuntime(t *testing.T) {
	t.Helper()
	if err := Init(""); err != nil {
		t.Fatalf("%v (the onnx tag needs the runtime library)", err)
	}
}

func ones(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 1
	}
	return x
}

func TestOpenErrors(t *testing.T) {
	requireRuntime(t)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.onnx")
	if err := os.WriteFile(corrupt, []byte("this is not a protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(models, "tiny_cnn.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.onnx")
	if err := os.WriteFile(truncated, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.onnx")
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", missing, "no such file"},
		{"corrupt", corrupt, "not a model ONNX Runtime can load"},
		{"truncated", truncated, "not a model ONNX Runtime can load"},
		{"directory", dir, "not a model ONNX Runtime can load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), "sluice: onnx: open model "+tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open error = %v, want one naming %s and containing %q", err, tc.path, tc.want)
			}
		})
	}
	t.Run("second library", func(t *testing.T) {
		if err := Init(filepath.Join(dir, "other.so")); err == nil || !strings.Contains(err.Error(), "already loaded") {
			t.Fatalf("Init(other) error = %v, want one saying a library is already loaded", err)
		}
	})
}

func TestRun(t *testing.T) {
	requireRuntime(t)
	mlp, err := Open(filepath.Join(models, "mlp100.onnx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mlp.Close()
	cnn, err := Open(filepath.Join(models, "tiny_cnn.onnx"), Options{IntraOpThreads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer cnn.Close()
	if in := mlp.Inputs(); len(in) != 1 || in[0].Name != "data" || len(in[0].Shape) != 2 || in[0].Shape[1] != 100 {
		t.Fatalf("mlp100 inputs = %+v", in)
	}
	if out := cnn.Outputs(); len(out) != 1 || out[0].Name != "probs" || out[0].DType != "float32" {
		t.Fatalf("tiny_cnn outputs = %+v", out)
	}
	want := onesOutput(t)
	image := make([]float32, 2*3*224*224)
	for i := range image {
		image[i] = float32(i%255)/127 - 1
	}
	for _, tc := range []struct {
		name  string
		s     *Session
		in    tensor.View[float32]
		shape []int
		check func(t *testing.T, y []float32)
	}{
		{"mlp100 on ones", mlp, tensor.New(ones(3*100), 3, 100), []int{3, 1}, func(t *testing.T, y []float32) {
			for i, v := range y {
				if math.Abs(float64(v)-want) > 1e-6 {
					t.Errorf("row %d = %v, want %v", i, v, want)
				}
			}
		}},
		{"tiny_cnn probabilities", cnn, tensor.New(image, 2, 3, 224, 224), []int{2, 10}, func(t *testing.T, y []float32) {
			for r := range 2 {
				sum := 0.0
				for _, v := range y[r*10 : (r+1)*10] {
					if v < 0 || v > 1 {
						t.Errorf("row %d has probability %v", r, v)
					}
					sum += float64(v)
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Errorf("row %d sums to %v", r, sum)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outs, err := tc.s.Run(context.Background(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 1 || len(outs[0].Shape) != len(tc.shape) || outs[0].Shape[0] != tc.shape[0] || outs[0].Shape[1] != tc.shape[1] {
				t.Fatalf("outputs = %+v, want one of shape %v", outs, tc.shape)
			}
			tc.check(t, outs[0].Data)
		})
	}
}

func TestRunErrors(t *testing.T) {
	requireRuntime(t)
	path := filepath.Join(models, "mlp100.onnx")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	strided := tensor.New(ones(2*100), 2, 100)
	strided.Strides = []int{1, 2}
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		inputs []tensor.View[float32]
		want   string
	}{
		{"no inputs", context.Background(), nil, "0 inputs given, the model takes 1"},
		{"two inputs", context.Background(), []tensor.View[float32]{tensor.New(ones(100), 1, 100), tensor.New(ones(100), 1, 100)}, "2 inputs given"},
		{"wrong width", context.Background(), []tensor.View[float32]{tensor.New(ones(2*50), 2, 50)}, "run " + path},
		{"wrong rank", context.Background(), []tensor.View[float32]{tensor.New(ones(100), 100)}, "run " + path},
		{"empty", context.Background(), []tensor.View[float32]{tensor.New([]float32{}, 0, 100)}, "empty tensor"},
		{"not contiguous", context.Background(), []tensor.View[float32]{strided}, "not contiguous"},
		{"cancelled", cancelled, []tensor.View[float32]{tensor.New(ones(100), 1, 100)}, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Run(tc.ctx, tc.inputs...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("closed", func(t *testing.T) {
		s2, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s2.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
		if _, err := s2.Run(context.Background(), tensor.New(ones(100), 1, 100)); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Fatalf("Run after Close = %v", err)
		}
	})
}
