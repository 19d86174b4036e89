//go:build !onnx

package onnx

import (
	"context"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// Available reports whether the package was built with the onnx tag (here: false).
func Available() bool { return false }

// Init loads the ONNX Runtime library; without the onnx tag it returns ErrNotBuilt.
func Init(library string) error { return ErrNotBuilt }

// Session is a loaded model; without the onnx tag none can be opened.
type Session struct{}

// Open loads a model; without the onnx tag it returns ErrNotBuilt.
func Open(path string, opts Options) (*Session, error) { return nil, ErrNotBuilt }

// Inputs describes the model's inputs (none without the onnx tag).
func (s *Session) Inputs() []Info { return nil }

// Outputs describes the model's outputs (none without the onnx tag).
func (s *Session) Outputs() []Info { return nil }

// Run returns ErrNotBuilt without the onnx tag.
func (s *Session) Run(ctx context.Context, inputs ...tensor.View[float32]) ([]Output, error) {
	return nil, ErrNotBuilt
}

// Close does nothing without the onnx tag.
func (s *Session) Close() error { return nil }

// NewPredictor returns a constructor that fails with ErrNotBuilt without the onnx tag.
func NewPredictor(model string, opts PredictorOptions) func(ctx context.Context) (data.BatchActor, error) {
	return func(ctx context.Context) (data.BatchActor, error) { return nil, ErrNotBuilt }
}
