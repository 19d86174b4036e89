package onnx

// Options configure Open. The zero value is usable.
type Options struct {
	// Library is the path of libonnxruntime.so.1; empty means LibraryPath(). Only the first
	// Open (or Init) of a process loads the library; later ones must name the same file or
	// leave this empty.
	Library string
	// IntraOpThreads is how many threads one Run may use (default 1). An actor pool already
	// runs one session per actor on its own core, and a session that fans out fights its
	// neighbours; raise it when a single actor owns the machine.
	IntraOpThreads int
}

// Info describes one model input or output.
type Info struct {
	// Name is the input's or output's name in the graph.
	Name string
	// Shape is the declared shape; -1 marks a dynamic axis (usually the batch).
	Shape []int64
	// DType is the element type as ONNX Runtime names it, for example "float32".
	DType string
}

// Output is one model output of a Run, copied into Go memory: it stays valid after the
// session is closed and needs no release.
type Output struct {
	Name  string
	Shape []int
	Data  []float32
}

// PredictorOptions configure NewPredictor. The zero value is usable for a model with one
// input.
type PredictorOptions struct {
	// Session configures each actor's session.
	Session Options
	// Input is the tensor column fed to the model's single input (any numeric element type;
	// converted to float32 when it is not); default: the column named like the input.
	Input string
	// Outputs maps model output names to the columns they are written to, as float32 tensor
	// columns [N, ...]; outputs not listed are not computed. Default: every output, under its
	// own name.
	Outputs map[string]string
}
