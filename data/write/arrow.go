package write

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ArrowOption configures the Arrow IPC format.
type ArrowOption func(*arrowConfig)

type arrowConfig struct {
	stream bool
	codec  string
	mem    memory.Allocator
}

// ArrowStream writes the IPC stream format (extension "arrows") instead of the file format.
// A stream has no footer, so it can be read as it is written, but not at random.
func ArrowStream() ArrowOption { return func(c *arrowConfig) { c.stream = true } }

// ArrowCompression compresses each buffer with "lz4" (LZ4 frame) or "zstd", as
// pyarrow.feather.write_feather(compression=...) does; "none" (the default) writes them as
// they are, which is what a memory-mapped read needs to avoid copies.
func ArrowCompression(codec string) ArrowOption { return func(c *arrowConfig) { c.codec = codec } }

// ArrowAllocator sets the allocator of the writer's scratch buffers (compression).
func ArrowAllocator(mem memory.Allocator) ArrowOption { return func(c *arrowConfig) { c.mem = mem } }

// Arrow returns the Arrow IPC format: by default the IPC file format (extension "arrow"),
// which is Feather v2, read by pyarrow.feather.read_feather, pyarrow.ipc.open_file and
// memory-mapped by sluice's ReadArrow. Schema metadata and extension types are kept.
func Arrow(opts ...ArrowOption) Format {
	c := arrowConfig{codec: "none"}
	for _, o := range opts {
		o(&c)
	}
	return arrowFormat{c}
}

type arrowFormat struct{ cfg arrowConfig }

var _ Format = arrowFormat{}

func (a arrowFormat) Ext() string {
	if a.cfg.stream {
		return "arrows"
	}
	return "arrow"
}

func (a arrowFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write arrow: nil schema")
	}
	opts := []ipc.Option{ipc.WithSchema(schema)}
	if a.cfg.mem != nil {
		opts = append(opts, ipc.WithAllocator(a.cfg.mem))
	}
	switch a.cfg.codec {
	case "none", "":
	case "lz4":
		opts = append(opts, ipc.WithLZ4())
	case "zstd":
		opts = append(opts, ipc.WithZstd())
	default:
		return nil, fmt.Errorf("sluice: write arrow: compression %q: the IPC format compresses with lz4 or zstd", a.cfg.codec)
	}
	if a.cfg.stream {
		return &arrowWriter{w: ipc.NewWriter(w, opts...), schema: schema}, nil
	}
	fw, err := ipc.NewFileWriter(w, opts...)
	if err != nil {
		return nil, fmt.Errorf("sluice: write arrow: %w", err)
	}
	return &arrowWriter{w: fw, schema: schema}, nil
}

type arrowWriter struct {
	w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	schema *arrow.Schema
	closed bool
}

func (a *arrowWriter) Write(rec arrow.RecordBatch) error {
	if a.closed {
		return fmt.Errorf("sluice: write arrow: write after close")
	}
	if !rec.Schema().Equal(a.schema) {
		return fmt.Errorf("sluice: write arrow: batch schema %s does not match the file's schema %s", rec.Schema(), a.schema)
	}
	if err := a.w.Write(rec); err != nil {
		return fmt.Errorf("sluice: write arrow: %w", err)
	}
	return nil
}

func (a *arrowWriter) Close() error {
	if a.closed {
		return fmt.Errorf("sluice: write arrow: close after close")
	}
	a.closed = true
	if err := a.w.Close(); err != nil {
		return fmt.Errorf("sluice: write arrow: %w", err)
	}
	return nil
}
