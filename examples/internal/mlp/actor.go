package mlp

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// Predictor is a data.BatchActor that runs a Model over a batch: it reads the float tensor
// column Input ([N, In], any float or integer element type, converted to float32 like the
// seed's torch.as_tensor(dtype=float32)) and adds the column Output ([N, Out] float32). The
// returned batch belongs to the call (the engine releases it); nothing is kept between calls.
type Predictor struct {
	Model  *Model
	Input  string
	Output string
}

var _ data.BatchActor = (*Predictor)(nil)

// NewPredictor returns a constructor for data.Dataset.MapBatchesActor: each actor loads the
// model file at path once (the seed's TorchPredictor.__init__) and maps column input to
// column output. A missing or bad file fails the constructor, naming the file.
func NewPredictor(path, input, output string) func(ctx context.Context) (data.BatchActor, error) {
	return func(ctx context.Context) (data.BatchActor, error) {
		m, err := Load(path)
		if err != nil {
			return nil, err
		}
		return &Predictor{Model: m, Input: input, Output: output}, nil
	}
}

// MapBatch implements data.BatchActor.
func (p *Predictor) MapBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	t, err := b.Tensor(p.Input)
	if err != nil {
		return nil, fmt.Errorf("sluice: mlp predictor: %w", err)
	}
	if len(t.Shape) != 2 || t.Shape[1] != p.Model.In {
		return nil, fmt.Errorf("sluice: mlp predictor: column %q has shape %v, want [N, %d]", p.Input, t.Shape, p.Model.In)
	}
	x, err := float32s(t)
	if err != nil {
		return nil, fmt.Errorf("sluice: mlp predictor: column %q: %w", p.Input, err)
	}
	y, err := p.Model.Predict(x)
	if err != nil {
		return nil, err
	}
	return b.With(p.Output, tensor.New(y, t.Shape[0], p.Model.Out))
}

// float32s returns t's elements as a C-order float32 slice: the tensor's own memory when it
// already is one, else a converted copy.
func float32s(t tensor.Tensor) ([]float32, error) {
	if t.DType.ID() != arrow.FLOAT32 || !t.Contiguous() {
		c, err := tensor.Convert(t, arrow.PrimitiveTypes.Float32)
		if err != nil {
			return nil, err
		}
		t = c
	}
	v, err := tensor.ViewOf[float32](t)
	if err != nil {
		return nil, err
	}
	return v.Data[:v.Len()], nil
}
