package data

import (
	"context"
	"fmt"
	"reflect"
	"runtime"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/streaming"
)

// rowsPerTask splits n generated rows into about four tasks per CPU, each of at most 1 Mi rows.
func rowsPerTask(n int64) int64 {
	per := n / int64(4*runtime.GOMAXPROCS(0))
	return min(max(per, 1024), 1<<20)
}

// Range is a dataset of n rows with one int64 column "id" = 0..n-1, generated in parallel
// tasks (Ray's range).
func Range(n int64) *Dataset {
	var err error
	if n < 0 {
		err = fmt.Errorf("sluice: Range(%d): must not be negative", n)
	}
	return newDataset(&logicalOp{kind: opRead, name: "Range", src: rangeSource{n: n}}, err)
}

type rangeSource struct{ n int64 }

var rangeSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (r rangeSource) name() string     { return "Range" }
func (r rangeSource) describe() string { return fmt.Sprintf("n=%d", r.n) }

func (r rangeSource) schema(context.Context, readParams) (*arrow.Schema, error) {
	return rangeSchema, nil
}
func (r rangeSource) count(context.Context) (int64, error) { return r.n, nil }

func (r rangeSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		n := r.n
		if p.limit > 0 {
			n = min(n, p.limit)
		}
		per := rowsPerTask(n)
		for lo := int64(0); lo < n || (lo == 0 && n == 0); lo += per {
			lo, hi := lo, min(lo+per, n)
			err := yield(streaming.Input{Origin: fmt.Sprintf("range[%d:%d]", lo, hi), Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				b := array.NewInt64Builder(tc.Mem)
				defer b.Release()
				b.Reserve(int(hi - lo))
				for v := lo; v < hi; v++ {
					b.UnsafeAppend(v)
				}
				a := b.NewArray()
				defer a.Release()
				return emit(array.NewRecordBatch(rangeSchema, []arrow.Array{a}, hi-lo))
			}})
			if err != nil || n == 0 {
				return err
			}
		}
		return nil
	}
}

// FromItems is a dataset of Go values: structs (fields become columns, see MapTyped), Rows
// (map[string]any, types inferred), or plain values (one column "item", like Ray).
func FromItems[T any](items []T) *Dataset {
	t := reflect.TypeFor[T]()
	var kind itemKind
	var codec *structCodec
	var err error
	switch {
	case t.Kind() == reflect.Struct:
		kind = itemStruct
		codec, err = codecFor(t)
	case t == reflect.TypeFor[Row]():
		kind = itemRow
	default:
		kind = itemValue
		_, err = arrowTypeOf(t)
	}
	if err != nil {
		err = fmt.Errorf("sluice: FromItems: %w", err)
	}
	return newDataset(&logicalOp{kind: opRead, name: "FromItems", src: itemsSource{
		n: len(items), kind: kind, codec: codec, items: reflect.ValueOf(items),
	}}, err)
}

type itemKind int

const (
	itemStruct itemKind = iota
	itemRow
	itemValue
)

type itemsSource struct {
	n     int
	kind  itemKind
	codec *structCodec
	items reflect.Value
}

func (s itemsSource) name() string                         { return "FromItems" }
func (s itemsSource) describe() string                     { return fmt.Sprintf("items=%d", s.n) }
func (s itemsSource) count(context.Context) (int64, error) { return int64(s.n), nil }

func (s itemsSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		n := int64(s.n)
		if p.limit > 0 {
			n = min(n, p.limit)
		}
		per := rowsPerTask(n)
		for lo := int64(0); lo < n || (lo == 0 && n == 0); lo += per {
			lo, hi := lo, min(lo+per, n)
			err := yield(streaming.Input{Origin: fmt.Sprintf("items[%d:%d]", lo, hi), Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				part := s.items.Slice(int(lo), int(hi))
				var rec arrow.RecordBatch
				var err error
				switch s.kind {
				case itemStruct:
					rec, err = s.codec.encode(tc.Mem, part)
				case itemRow:
					rec, err = recordOfRows(tc.Mem, part.Interface().([]Row), nil)
				case itemValue:
					var a arrow.Array
					if a, err = toArray(tc.Mem, part.Interface()); err == nil {
						defer a.Release()
						rec = array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "item", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, int64(a.Len()))
					}
				}
				if err != nil {
					return err
				}
				return emit(rec)
			}})
			if err != nil || n == 0 {
				return err
			}
		}
		return nil
	}
}

// FromArrow is a dataset over record batches already in memory, one read task per batch. It
// retains each batch (the caller keeps its own reference); Dataset.Release drops them.
func FromArrow(recs ...arrow.RecordBatch) *Dataset {
	var err error
	for i, r := range recs {
		if !r.Schema().Equal(recs[0].Schema()) {
			err = fmt.Errorf("sluice: FromArrow: batch %d's schema differs from batch 0's: %v vs %v", i, r.Schema(), recs[0].Schema())
			break
		}
	}
	held := &heldBlocks{}
	for _, r := range recs {
		r.Retain()
		held.recs = append(held.recs, r)
	}
	ds := newDataset(&logicalOp{kind: opRead, name: "FromArrow", src: arrowSource{held: held}}, err)
	ds.held = held
	return ds
}

type arrowSource struct{ held *heldBlocks }

func (s arrowSource) name() string { return "FromArrow" }
func (s arrowSource) describe() string {
	return fmt.Sprintf("blocks=%d", len(s.recs()))
}

func (s arrowSource) recs() []arrow.RecordBatch {
	s.held.mu.Lock()
	defer s.held.mu.Unlock()
	return s.held.recs
}

func (s arrowSource) count(context.Context) (int64, error) {
	var n int64
	for _, r := range s.recs() {
		n += r.NumRows()
	}
	return n, nil
}

func (s arrowSource) schema(context.Context, readParams) (*arrow.Schema, error) {
	if r := s.recs(); len(r) > 0 {
		return r[0].Schema(), nil
	}
	return arrow.NewSchema(nil, nil), nil
}

func (s arrowSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		left := p.limit
		for i, r := range s.recs() {
			r := r
			if p.limit > 0 {
				if left <= 0 {
					return nil
				}
				left -= r.NumRows()
			}
			err := yield(streaming.Input{Origin: fmt.Sprintf("block %d", i), Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				r.Retain()
				return emit(r)
			}})
			if err != nil {
				return err
			}
		}
		return nil
	}
}
