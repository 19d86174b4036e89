package exec

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Codec writes an object to a spill file and reads it back. Put picks a
// built-in codec from the value's type ([]byte as is, arrow.RecordBatch as
// Arrow IPC, anything else with encoding/gob); WithCodec overrides it.
//
// Encode is called with the value given to Put; Decode must return a value
// of that same type. Decode allocates Arrow memory from mem; a decoded value
// with Retain and Release methods is owned by the store, which releases it.
type Codec interface {
	Encode(w io.Writer, v any) error
	Decode(r io.Reader, mem memory.Allocator) (any, error)
}

// defaultCodec picks the codec for a value of type T.
func defaultCodec[T any](v T) Codec {
	switch any(v).(type) {
	case []byte:
		return bytesCodec{}
	case arrow.RecordBatch:
		return RecordBatchCodec{}
	}
	return gobCodec[T]{}
}

// bytesCodec writes a []byte as is.
type bytesCodec struct{}

func (bytesCodec) Encode(w io.Writer, v any) error {
	b, ok := v.([]byte)
	if !ok {
		return fmt.Errorf("bytes codec: got %T, want []byte", v)
	}
	_, err := w.Write(b)
	return err
}

func (bytesCodec) Decode(r io.Reader, _ memory.Allocator) (any, error) {
	return io.ReadAll(r)
}

// gobCodec writes a T with encoding/gob.
type gobCodec[T any] struct{}

func (gobCodec[T]) Encode(w io.Writer, v any) error {
	t, ok := v.(T)
	if !ok {
		return fmt.Errorf("gob codec: got %T, want %T", v, t)
	}
	return gob.NewEncoder(w).Encode(&t)
}

func (gobCodec[T]) Decode(r io.Reader, _ memory.Allocator) (any, error) {
	var t T
	err := gob.NewDecoder(r).Decode(&t)
	return t, err
}

// RecordBatchCodec writes an arrow.RecordBatch as an Arrow IPC stream, so a
// spilled batch is readable by any Arrow implementation.
type RecordBatchCodec struct{}

// Encode writes v, an arrow.RecordBatch, as a one-batch IPC stream.
func (RecordBatchCodec) Encode(w io.Writer, v any) error {
	rec, ok := v.(arrow.RecordBatch)
	if !ok {
		return fmt.Errorf("arrow ipc codec: got %T, want arrow.RecordBatch", v)
	}
	iw := ipc.NewWriter(w, ipc.WithSchema(rec.Schema()))
	if err := iw.Write(rec); err != nil {
		iw.Close()
		return err
	}
	return iw.Close()
}

// Decode reads one batch allocated from mem; the caller must Release it.
func (RecordBatchCodec) Decode(r io.Reader, mem memory.Allocator) (any, error) {
	ir, err := ipc.NewReader(r, ipc.WithAllocator(mem))
	if err != nil {
		return nil, err
	}
	defer ir.Release()
	if !ir.Next() {
		if err := ir.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("arrow ipc codec: stream holds no record batch")
	}
	rec := ir.RecordBatch()
	rec.Retain()
	return rec, nil
}
