// Package mlp is a pure-Go predictor for the small dense models in testdata/models (the seed's
// TorchPredictor, Linear(100, 1) + Sigmoid, stored as mlp100.json by make_models.py), so the
// batch-inference example and its tests run without the ONNX Runtime library.
package mlp

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Model is one dense layer y = act(x W^T + b). The zero Model has no weights; build one with
// Load or Parse. A Model is read-only after it is built, so one value may serve many actors.
type Model struct {
	// In and Out are the layer's input and output widths.
	In, Out int
	// Weight is the Out x In weight matrix, row-major (PyTorch's Linear.weight layout).
	Weight []float32
	// Bias has Out entries.
	Bias []float32
	// Activation is "sigmoid", "relu" or "" (none).
	Activation string
	// OnesOutput is the output the model file records for one input row of ones, or nil.
	OnesOutput []float64
}

// file is mlp100.json's layout.
type file struct {
	In         int         `json:"in"`
	Out        int         `json:"out"`
	Activation string      `json:"activation"`
	Weight     [][]float32 `json:"weight"`
	Bias       []float32   `json:"bias"`
	OnesOutput []float64   `json:"ones_output"`
}

// Load reads a model file written by testdata/models/make_models.py.
func Load(path string) (*Model, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sluice: mlp: load %s: %w", path, err)
	}
	m, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("sluice: mlp: load %s: %w", path, err)
	}
	return m, nil
}

// Parse decodes a model from the JSON that Load reads and checks its shapes.
func Parse(raw []byte) (*Model, error) {
	var f file
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if f.In <= 0 || f.Out <= 0 {
		return nil, fmt.Errorf("in = %d, out = %d: both must be positive", f.In, f.Out)
	}
	if len(f.Weight) != f.Out {
		return nil, fmt.Errorf("weight has %d rows, want out = %d", len(f.Weight), f.Out)
	}
	if len(f.Bias) != f.Out {
		return nil, fmt.Errorf("bias has %d entries, want out = %d", len(f.Bias), f.Out)
	}
	if f.OnesOutput != nil && len(f.OnesOutput) != f.Out {
		return nil, fmt.Errorf("ones_output has %d entries, want out = %d", len(f.OnesOutput), f.Out)
	}
	switch f.Activation {
	case "", "sigmoid", "relu":
	default:
		return nil, fmt.Errorf("activation %q: want sigmoid, relu or none", f.Activation)
	}
	m := &Model{In: f.In, Out: f.Out, Bias: f.Bias, Activation: f.Activation, OnesOutput: f.OnesOutput}
	m.Weight = make([]float32, 0, f.In*f.Out)
	for i, row := range f.Weight {
		if len(row) != f.In {
			return nil, fmt.Errorf("weight row %d has %d entries, want in = %d", i, len(row), f.In)
		}
		m.Weight = append(m.Weight, row...)
	}
	return m, nil
}

// Predict runs the model on rows of In float32 values laid end to end (x is rows x In,
// row-major) and returns rows x Out outputs. It accumulates in float64, so it agrees with
// PyTorch and ONNX Runtime (float32 arithmetic) to about 1e-6. An x whose length is not a
// multiple of In is an error.
func (m *Model) Predict(x []float32) ([]float32, error) {
	return m.PredictInto(nil, x)
}

// PredictInto is Predict writing into dst when it has room for the result (rows x Out
// values), and into a new slice otherwise.
func (m *Model) PredictInto(dst, x []float32) ([]float32, error) {
	if m == nil || m.In <= 0 || len(m.Weight) != m.In*m.Out || len(m.Bias) != m.Out {
		return nil, fmt.Errorf("sluice: mlp: predict: model has no weights (build it with Load or Parse)")
	}
	if len(x)%m.In != 0 {
		return nil, fmt.Errorf("sluice: mlp: predict: %d inputs is not a whole number of rows of %d", len(x), m.In)
	}
	rows := len(x) / m.In
	if cap(dst) < rows*m.Out {
		dst = make([]float32, rows*m.Out)
	}
	dst = dst[:rows*m.Out]
	for r := range rows {
		xr := x[r*m.In : (r+1)*m.In]
		for o := range m.Out {
			w := m.Weight[o*m.In : (o+1)*m.In]
			z := float64(m.Bias[o])
			for i, v := range xr {
				z += float64(w[i]) * float64(v)
			}
			dst[r*m.Out+o] = float32(activate(m.Activation, z))
		}
	}
	return dst, nil
}

func activate(name string, z float64) float64 {
	switch name {
	case "sigmoid":
		return 1 / (1 + math.Exp(-z))
	case "relu":
		return max(z, 0)
	}
	return z
}
