package beam

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Block is one sluice block as it crosses Beam transforms (an element of a PCollection).
type Block struct {
	// Task is the write task the block belongs to: the read task or exchange partition it
	// came from (Union spreads its inputs' tasks apart). Blocks of one Task are written by one
	// FilesWriter, named after it.
	Task int64
	// Seq is the block's position in the plan's output order, compared element by element:
	// the read task or partition, then the block's index in each task that made it.
	Seq []int64
	// Origin names the block's input for errors (a file path, a row range).
	Origin string
	// Data is the block as an Arrow IPC stream of one record batch.
	Data []byte
}

// Piece is a bucket's share of one block on its way through an exchange's GroupByKey.
type Piece struct {
	// Port is the exchange input the piece came from.
	Port int64
	Seq  []int64
	// Origin names the piece's input.
	Origin string
	Data   []byte
}

// encode writes rec as an IPC stream. It does not release rec.
func encode(rec arrow.RecordBatch, mem memory.Allocator) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		w.Close()
		return nil, fmt.Errorf("encode block: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode block: %w", err)
	}
	return buf.Bytes(), nil
}

// decode reads the one record batch of an IPC stream; the caller owns it.
func decode(data []byte, mem memory.Allocator) (arrow.RecordBatch, error) {
	r, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("decode block: %w", err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("decode block: %w", err)
		}
		return nil, fmt.Errorf("decode block: no record batch in %d bytes", len(data))
	}
	rec := r.RecordBatch()
	rec.Retain()
	return rec, nil
}

// then is seq with i appended, in a new slice.
func then(seq []int64, i int64) []int64 { return append(slices.Clone(seq), i) }

// seqName is seq as a file name that sorts in seq order: fixed-width hex, "_" between.
func seqName(seq []int64) string {
	parts := make([]string, len(seq))
	for i, v := range seq {
		parts[i] = fmt.Sprintf("%016x", uint64(v))
	}
	return strings.Join(parts, "_")
}
