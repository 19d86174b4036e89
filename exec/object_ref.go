package exec

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ObjectRef refers to an immutable value in a Runtime's object store (Ray's
// ObjectRef from ray.put). Any number of tasks may Get it concurrently. The
// owner calls Release when no task needs it any more; Close releases the rest.
type ObjectRef[T any] struct {
	store *store
	obj   *object
}

// PutOption sets a per-object knob for Put.
type PutOption func(*putConfig)

type putConfig struct {
	size  int64
	codec Codec
}

// SizeBytes sets the bytes the object counts against the store budget.
// Without it, Put measures []byte, string and arrow.RecordBatch values, and
// encodes any other value once with its codec to count the bytes.
func SizeBytes(n int64) PutOption { return func(c *putConfig) { c.size = n } }

// WithCodec sets how the object is written to and read from a spill file.
func WithCodec(c Codec) PutOption { return func(c2 *putConfig) { c2.codec = c } }

// Put stores v in rt's object store and returns its reference. When the store
// is over budget, least recently used objects spill to disk first; a spill
// that fails (an unwritable spill directory, a value its codec cannot encode)
// fails Put. A value larger than the whole budget fails with
// ErrObjectTooLarge. v must not be mutated after Put: readers share it.
// If v has Retain and Release methods (an arrow.RecordBatch), Put retains it
// and the caller keeps, and must still release, its own reference.
func Put[T any](rt *Runtime, v T, opts ...PutOption) (*ObjectRef[T], error) {
	if rt == nil {
		return nil, errors.New("sluice: exec: put: nil runtime")
	}
	rt.ensure()
	typ := reflect.TypeFor[T]()
	if isNil(v) {
		return nil, fmt.Errorf("sluice: exec: put %v: nil value", typ)
	}
	cfg := putConfig{size: -1}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.codec == nil {
		cfg.codec = defaultCodec(v)
	}
	if cfg.size < 0 {
		n, err := sizeOf(v, cfg.codec)
		if err != nil {
			return nil, fmt.Errorf("sluice: exec: put %v: measure size: %w", typ, err)
		}
		cfg.size = n
	}
	if budget := rt.opts.ObjectStoreBytes; cfg.size > budget {
		return nil, fmt.Errorf("sluice: exec: put %v: %w: %d bytes, budget %d bytes", typ, ErrObjectTooLarge, cfg.size, budget)
	}
	if rc, ok := any(v).(refCounted); ok {
		rc.Retain()
	}
	o := &object{size: cfg.size, codec: cfg.codec, value: v}
	if err := rt.store.put(o); err != nil {
		if rc, ok := any(v).(refCounted); ok {
			rc.Release()
		}
		return nil, fmt.Errorf("sluice: exec: put %v: %w", typ, err)
	}
	return &ObjectRef[T]{store: &rt.store, obj: o}, nil
}

// Get returns the object's value, reading it back from its spill file if it
// was spilled. A value with Retain and Release methods comes back retained:
// the caller must Release it. Get fails with ErrObjectReleased after Release
// or Close, and with the context's cause if ctx has ended.
func (r *ObjectRef[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if r == nil || r.obj == nil {
		return zero, errors.New("sluice: exec: object get: nil reference")
	}
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return zero, fmt.Errorf("sluice: exec: object %d get: %w", r.obj.id, context.Cause(ctx))
		}
	}
	v, err := r.store.get(r.obj)
	if err != nil {
		return zero, fmt.Errorf("sluice: exec: object %d get: %w", r.obj.id, err)
	}
	t, ok := v.(T)
	if !ok {
		if rc, ok := v.(refCounted); ok {
			rc.Release()
		}
		return zero, fmt.Errorf("sluice: exec: object %d get: codec returned %T, want %T", r.obj.id, v, zero)
	}
	return t, nil
}

// Size returns the bytes the object counts against the store budget.
func (r *ObjectRef[T]) Size() int64 { return r.obj.size }

// Release drops the object from memory and disk. Later Gets fail; values
// already returned by Get stay valid. Release is idempotent.
func (r *ObjectRef[T]) Release() {
	if r != nil && r.obj != nil {
		r.store.release(r.obj)
	}
}

// sizeOf measures v: directly for the types it knows, else by encoding it.
func sizeOf(v any, c Codec) (int64, error) {
	switch x := v.(type) {
	case []byte:
		return int64(len(x)), nil
	case string:
		return int64(len(x)), nil
	case arrow.RecordBatch:
		if x == nil {
			return 0, errors.New("nil record batch")
		}
		return recordSize(x), nil
	}
	var w countingWriter
	if err := c.Encode(&w, v); err != nil {
		return 0, err
	}
	return w.n, nil
}

// recordSize is the bytes of every buffer a record holds.
func recordSize(rec arrow.RecordBatch) int64 {
	seen := make(map[*memory.Buffer]struct{})
	var n int64
	for _, col := range rec.Columns() {
		n += dataSize(col.Data(), seen)
	}
	return n
}

func dataSize(d arrow.ArrayData, seen map[*memory.Buffer]struct{}) int64 {
	if d == nil {
		return 0
	}
	var n int64
	for _, b := range d.Buffers() {
		if b == nil {
			continue
		}
		if _, ok := seen[b]; ok {
			continue
		}
		seen[b] = struct{}{}
		n += int64(b.Len())
	}
	for _, c := range d.Children() {
		n += dataSize(c, seen)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += dataSize(d.Dictionary(), seen)
	}
	return n
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// isNil reports a nil interface, or a nil pointer to a reference-counted
// type, on which Retain would panic.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	if _, ok := v.(refCounted); !ok {
		return false
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
