package mlp

import (
	"math"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not json", `{`, "decode"},
		{"zero width", `{"in": 0, "out": 1, "weight": [], "bias": [0]}`, "must be positive"},
		{"missing rows", `{"in": 2, "out": 2, "weight": [[1, 2]], "bias": [0, 0]}`, "weight has 1 rows"},
		{"short row", `{"in": 2, "out": 1, "weight": [[1]], "bias": [0]}`, "weight row 0 has 1 entries"},
		{"bias", `{"in": 1, "out": 1, "weight": [[1]], "bias": []}`, "bias has 0 entries"},
		{"activation", `{"in": 1, "out": 1, "weight": [[1]], "bias": [0], "activation": "tanh"}`, `activation "tanh"`},
		{"ones output", `{"in": 1, "out": 1, "weight": [[1]], "bias": [0], "ones_output": [1, 2]}`, "ones_output has 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestPredict(t *testing.T) {
	m, err := Parse([]byte(`{"in": 2, "out": 2, "weight": [[1, -1], [0.5, 0.5]], "bias": [0, -1], "activation": "relu"}`))
	if err != nil {
		t.Fatal(err)
	}
	sig := &Model{In: 1, Out: 1, Weight: []float32{2}, Bias: []float32{0}, Activation: "sigmoid"}
	for _, tc := range []struct {
		name string
		m    *Model
		x    []float32
		want []float32
	}{
		{"relu two rows", m, []float32{3, 1, 1, 3}, []float32{2, 1, 0, 1}},
		{"no rows", m, nil, []float32{}},
		{"sigmoid", sig, []float32{0, 1}, []float32{0.5, float32(1 / (1 + math.Exp(-2)))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.m.Predict(tc.x)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Predict = %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(float64(got[i]-tc.want[i])) > 1e-7 {
					t.Fatalf("Predict = %v, want %v", got, tc.want)
				}
			}
		})
	}
	t.Run("ragged input", func(t *testing.T) {
		if _, err := m.Predict([]float32{1, 2, 3}); err == nil || !strings.Contains(err.Error(), "3 inputs is not a whole number of rows of 2") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("zero model", func(t *testing.T) {
		if _, err := (&Model{}).Predict([]float32{1}); err == nil || !strings.Contains(err.Error(), "no weights") {
			t.Fatalf("error = %v", err)
		}
	})
}

// TestMLP100 checks the committed model: its recorded output for a row of ones is what
// Predict computes and lies in (0, 1).
func TestMLP100(t *testing.T) {
	path, err := ModelPath("mlp100.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.In != 100 || m.Out != 1 || m.Activation != "sigmoid" || len(m.OnesOutput) != 1 {
		t.Fatalf("model = in %d out %d %q ones %v, want Linear(100, 1) + Sigmoid", m.In, m.Out, m.Activation, m.OnesOutput)
	}
	ones := make([]float32, 3*100)
	for i := range ones {
		ones[i] = 1
	}
	got, err := m.Predict(ones)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v <= 0 || v >= 1 || math.Abs(float64(v)-m.OnesOutput[0]) > 1e-6 {
			t.Errorf("row %d: %v, want %v in (0, 1)", i, v, m.OnesOutput[0])
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"missing", "", "no such file"},
		{"corrupt", "not a model", "decode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir() + "/model.json"
			if tc.content != "" {
				if err := writeFile(path, tc.content); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
}
