//go:build onnx

package onnx

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

// Predictor is a data.BatchActor that runs one Session over batches: it feeds a tensor column
// to the model's single input and adds one float32 tensor column per selected output. It is
// built by the constructor NewPredictor returns and closed by the actor pool (Close).
type Predictor struct {
	sess    *Session
	input   string
	columns []string // per session output
}

var _ data.BatchActor = (*Predictor)(nil)

// NewPredictor returns a constructor for data.Dataset.MapBatchesActor: each actor opens the
// model file once (Open) and then maps batches with it; the pool calls Close when the actor
// stops. A missing or corrupt model file, a model with more than one input, or an output name
// the model lacks fails the constructor with an error naming the file.
func NewPredictor(model string, opts PredictorOptions) func(ctx context.Context) (data.BatchActor, error) {
	return func(ctx context.Context) (data.BatchActor, error) {
		var want []string
		if opts.Outputs != nil {
			want = slices.Sorted(maps.Keys(opts.Outputs))
		}
		s, err := open(model, opts.Session, want)
		if err != nil {
			return nil, err
		}
		if len(s.inputs) != 1 {
			s.Close()
			return nil, fmt.Errorf("sluice: onnx: predictor %s: the model has %d inputs %v, a predictor feeds exactly one", model, len(s.inputs), names(s.inputs))
		}
		p := &Predictor{sess: s, input: opts.Input}
		if p.input == "" {
			p.input = s.inputs[0].Name
		}
		for _, o := range s.outputs {
			col := o.Name
			if c, ok := opts.Outputs[o.Name]; ok && c != "" {
				col = c
			}
			p.columns = append(p.columns, col)
		}
		return p, nil
	}
}

// MapBatch implements data.BatchActor: one Run over the whole batch.
func (p *Predictor) MapBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	t, err := b.Tensor(p.input)
	if err != nil {
		return nil, fmt.Errorf("sluice: onnx: predictor %s: %w", p.sess.path, err)
	}
	if t.DType.ID() != arrow.FLOAT32 || !t.Contiguous() {
		if t, err = tensor.Convert(t, arrow.PrimitiveTypes.Float32); err != nil {
			return nil, fmt.Errorf("sluice: onnx: predictor %s: column %q: %w", p.sess.path, p.input, err)
		}
	}
	v, err := tensor.ViewOf[float32](t)
	if err != nil {
		return nil, fmt.Errorf("sluice: onnx: predictor %s: column %q: %w", p.sess.path, p.input, err)
	}
	if b.NumRows() == 0 {
		return p.empty(b)
	}
	outs, err := p.sess.Run(ctx, v)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", p.input, err)
	}
	res := b
	for i, o := range outs {
		if len(o.Shape) == 0 || o.Shape[0] != b.NumRows() {
			return nil, fmt.Errorf("sluice: onnx: predictor %s: output %q has shape %v for a batch of %d rows", p.sess.path, o.Name, o.Shape, b.NumRows())
		}
		if res, err = res.With(p.columns[i], tensor.New(o.Data, o.Shape...)); err != nil {
			return nil, fmt.Errorf("sluice: onnx: predictor %s: output %q: %w", p.sess.path, o.Name, err)
		}
	}
	return res, nil
}

// empty adds the output columns with no rows, shaped from the model's declared output shapes
// (ONNX Runtime refuses empty inputs).
func (p *Predictor) empty(b *data.Batch) (*data.Batch, error) {
	res := b
	for i, o := range p.sess.outputs {
		shape := []int{0}
		for _, d := range o.Shape[min(1, len(o.Shape)):] {
			if d < 0 {
				return nil, fmt.Errorf("sluice: onnx: predictor %s: output %q has dynamic shape %v: cannot shape it for an empty batch", p.sess.path, o.Name, o.Shape)
			}
			shape = append(shape, int(d))
		}
		var err error
		if res, err = res.With(p.columns[i], tensor.New([]float32{}, shape...)); err != nil {
			return nil, fmt.Errorf("sluice: onnx: predictor %s: output %q: %w", p.sess.path, o.Name, err)
		}
	}
	return res, nil
}

// Close closes the actor's session.
func (p *Predictor) Close() error { return p.sess.Close() }
