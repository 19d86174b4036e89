package write

import (
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Format is a file format that record batches can be written in. A Format is immutable and
// safe for concurrent use; each NewWriter call makes an independent RecordWriter.
type Format interface {
	// Ext is the file name extension without the dot: "parquet", "csv", "json".
	Ext() string
	// NewWriter returns a RecordWriter that writes batches of schema to w. It fails, without
	// writing anything, when the format cannot represent a column of schema; the error names
	// the column. w is not closed by the RecordWriter.
	NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error)
}

// RecordWriter writes the record batches of one file. Call Write any number of times, then
// Close exactly once; the file is complete only after Close returns nil. A RecordWriter is not
// safe for concurrent use.
type RecordWriter interface {
	// Write appends the rows of rec, whose schema must equal the writer's schema. The writer
	// does not retain or release rec: the caller owns it and may release it once Write
	// returns.
	Write(rec arrow.RecordBatch) error
	// Close flushes buffered rows and writes the file's footer, if any. It does not close the
	// io.Writer given to NewWriter. Call Close also after a failed Write, to free what the
	// writer holds; its output is then to be discarded.
	Close() error
}
