package write

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/tensor"
)

// Numpy is the .npy format for one column: each file holds the column's rows stacked on a
// first axis ([rows, ...row shape]), readable by numpy.load. A .npy header states the row
// count, so the writer keeps (retains) the batches of a file and writes it on Close.
func Numpy(column string, mem memory.Allocator) Format {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return numpyFormat{column: column, mem: mem}
}

type numpyFormat struct {
	column string
	mem    memory.Allocator
}

func (numpyFormat) Ext() string { return "npy" }

func (f numpyFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	idx := schema.FieldIndices(f.column)
	if len(idx) == 0 {
		return nil, fmt.Errorf("sluice: write_numpy: no column %q (columns: %v)", f.column, schema)
	}
	return &numpyWriter{w: w, col: idx[0], name: f.column, mem: f.mem, typ: schema.Field(idx[0]).Type}, nil
}

type numpyWriter struct {
	w    io.Writer
	col  int
	name string
	mem  memory.Allocator
	typ  arrow.DataType
	cols []arrow.Array
}

func (n *numpyWriter) Write(rec arrow.RecordBatch) error {
	c := rec.Column(n.col)
	c.Retain()
	n.cols = append(n.cols, c)
	return nil
}

func (n *numpyWriter) Close() error {
	defer func() {
		for _, c := range n.cols {
			c.Release()
		}
		n.cols = nil
	}()
	if len(n.cols) == 0 {
		// A file with no rows (an empty dataset's one file): an array of shape (0, ...).
		empty := array.MakeArrayOfNull(n.mem, n.typ, 0)
		n.cols = append(n.cols, empty)
	}
	col := n.cols[0]
	if len(n.cols) > 1 {
		var err error
		if col, err = array.Concatenate(n.cols, n.mem); err != nil {
			return fmt.Errorf("sluice: write_numpy: column %q: %w", n.name, err)
		}
		defer col.Release()
	}
	if err := tensor.WriteNpyArray(n.w, col); err != nil {
		return fmt.Errorf("sluice: write_numpy: column %q: %w", n.name, err)
	}
	return nil
}
