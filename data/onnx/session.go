//go:build onnx

package onnx

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sluicedata/sluice/tensor"
	ort "github.com/yalue/onnxruntime_go"
)

// Session is one loaded ONNX model. Open it once per actor and Close it when the actor stops;
// Run may be called any number of times in between, from one goroutine at a time (an actor
// owns its session). Every input and output must be a float32 tensor.
type Session struct {
	path    string
	inputs  []Info
	outputs []Info
	sess    *ort.DynamicAdvancedSession
}

// Open loads the model file at path (initializing the runtime on first use, see Init). A
// missing, unreadable or corrupt file, or a model with an input or output that is not a
// float32 tensor, is an error naming the file. The caller must Close the session.
func Open(path string, opts Options) (*Session, error) {
	return open(path, opts, nil)
}

// open is Open computing only the outputs named in want (all when want is nil).
func open(path string, opts Options, want []string) (*Session, error) {
	if err := Init(opts.Library); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sluice: onnx: open model %s: %w", path, err)
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("sluice: onnx: open model %s: %w", path, err)
	}
	defer so.Destroy()
	threads := opts.IntraOpThreads
	if threads <= 0 {
		threads = 1
	}
	if err := errors.Join(so.SetIntraOpNumThreads(threads), so.SetInterOpNumThreads(1)); err != nil {
		return nil, fmt.Errorf("sluice: onnx: open model %s: %w", path, err)
	}
	ins, outs, err := ort.GetInputOutputInfoWithOptions(path, so)
	if err != nil {
		return nil, fmt.Errorf("sluice: onnx: open model %s: not a model ONNX Runtime can load: %w", path, err)
	}
	s := &Session{path: path}
	if s.inputs, err = infos(path, "input", ins); err != nil {
		return nil, err
	}
	if s.outputs, err = infos(path, "output", outs); err != nil {
		return nil, err
	}
	if want != nil {
		var sel []Info
		for _, name := range want {
			i := indexOf(s.outputs, name)
			if i < 0 {
				return nil, fmt.Errorf("sluice: onnx: open model %s: no output %q (it has %s)", path, name, names(s.outputs))
			}
			sel = append(sel, s.outputs[i])
		}
		s.outputs = sel
	}
	s.sess, err = ort.NewDynamicAdvancedSession(path, names(s.inputs), names(s.outputs), so)
	if err != nil {
		return nil, fmt.Errorf("sluice: onnx: open model %s: %w", path, err)
	}
	return s, nil
}

// infos converts the runtime's descriptions, rejecting anything but float32 tensors.
func infos(path, kind string, in []ort.InputOutputInfo) ([]Info, error) {
	out := make([]Info, len(in))
	for i, x := range in {
		if x.OrtValueType != ort.ONNXTypeTensor || x.DataType != ort.TensorElementDataTypeFloat {
			return nil, fmt.Errorf("sluice: onnx: open model %s: %s %q is %s, want a float32 tensor", path, kind, x.Name, x.String())
		}
		out[i] = Info{Name: x.Name, Shape: append([]int64(nil), x.Dimensions...), DType: "float32"}
	}
	return out, nil
}

func indexOf(infos []Info, name string) int {
	for i, x := range infos {
		if x.Name == name {
			return i
		}
	}
	return -1
}

func names(infos []Info) []string {
	out := make([]string, len(infos))
	for i, x := range infos {
		out[i] = x.Name
	}
	return out
}

// Path is the model file the session was opened from.
func (s *Session) Path() string { return s.path }

// Inputs describes the model's inputs, in the order Run takes them.
func (s *Session) Inputs() []Info { return s.inputs }

// Outputs describes the outputs Run returns, in order.
func (s *Session) Outputs() []Info { return s.outputs }

// Run runs the model on one float32 tensor per input (in Inputs order; each is read in place,
// not copied, and must stay unchanged until Run returns) and returns the outputs copied into
// Go memory. A wrong number of inputs or a shape the model refuses is an error naming the
// model file; cancelling ctx stops a run in progress.
func (s *Session) Run(ctx context.Context, inputs ...tensor.View[float32]) ([]Output, error) {
	if s == nil || s.sess == nil {
		return nil, fmt.Errorf("sluice: onnx: run: session is closed or was never opened")
	}
	if len(inputs) != len(s.inputs) {
		return nil, fmt.Errorf("sluice: onnx: run %s: %d inputs given, the model takes %d (%v)", s.path, len(inputs), len(s.inputs), names(s.inputs))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := make([]ort.Value, len(inputs))
	defer destroy(in)
	for i, v := range inputs {
		if !v.Contiguous() {
			return nil, fmt.Errorf("sluice: onnx: run %s: input %q: tensor of shape %v is not contiguous", s.path, s.inputs[i].Name, v.Shape)
		}
		shape := make(ort.Shape, len(v.Shape))
		for j, d := range v.Shape {
			shape[j] = int64(d)
		}
		if v.Len() == 0 {
			return nil, fmt.Errorf("sluice: onnx: run %s: input %q: empty tensor of shape %v", s.path, s.inputs[i].Name, v.Shape)
		}
		t, err := ort.NewTensor(shape, v.Data[:v.Len()])
		if err != nil {
			return nil, fmt.Errorf("sluice: onnx: run %s: input %q: %w", s.path, s.inputs[i].Name, err)
		}
		in[i] = t
	}
	out := make([]ort.Value, len(s.outputs))
	defer destroy(out)
	var opts *ort.RunOptions
	if ctx.Done() != nil {
		var err error
		if opts, err = ort.NewRunOptions(); err != nil {
			return nil, fmt.Errorf("sluice: onnx: run %s: %w", s.path, err)
		}
		defer opts.Destroy()
		stop := context.AfterFunc(ctx, func() { opts.Terminate() })
		defer stop()
	}
	if err := s.sess.RunWithOptions(in, out, opts); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("sluice: onnx: run %s: %w", s.path, err)
	}
	res := make([]Output, len(out))
	for i, v := range out {
		t, ok := v.(*ort.Tensor[float32])
		if !ok {
			return nil, fmt.Errorf("sluice: onnx: run %s: output %q is %T, want a float32 tensor", s.path, s.outputs[i].Name, v)
		}
		shape := make([]int, len(t.GetShape()))
		for j, d := range t.GetShape() {
			shape[j] = int(d)
		}
		res[i] = Output{Name: s.outputs[i].Name, Shape: shape, Data: append([]float32(nil), t.GetData()...)}
	}
	return res, nil
}

func destroy(vals []ort.Value) {
	for _, v := range vals {
		if v != nil {
			v.Destroy()
		}
	}
}

// Close frees the session; calling it again does nothing.
func (s *Session) Close() error {
	if s == nil || s.sess == nil {
		return nil
	}
	err := s.sess.Destroy()
	s.sess = nil
	if err != nil {
		return fmt.Errorf("sluice: onnx: close %s: %w", s.path, err)
	}
	return nil
}
