package data

import (
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Row is one row as Go values, keyed by column name (see Batch for the value types: int64,
// float64, string, bool, []byte, time.Time, []any, nil for null; widths are kept).
type Row = map[string]any

// rowsOf reads every row of rec.
func rowsOf(rec arrow.RecordBatch) []Row {
	n := int(rec.NumRows())
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = make(Row, rec.NumCols())
	}
	for c, f := range rec.Schema().Fields() {
		col := rec.Column(c)
		for i := 0; i < n; i++ {
			rows[i][f.Name] = valueAt(col, i)
		}
	}
	return rows
}

// recordOfRows builds a record batch from rows, inferring each column's type from its first
// non-nil value (ints widen to float when a later row has a float). Columns come in the order
// of hint (usually the input's schema) and then, for new names, alphabetically, so the schema
// does not depend on Go's map order. A column missing from a row is null there.
func recordOfRows(mem memory.Allocator, rows []Row, hint *arrow.Schema) (arrow.RecordBatch, error) {
	names := columnOrder(rows, hint)
	fields := make([]arrow.Field, len(names))
	cols := make([]arrow.Array, len(names))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, name := range names {
		// Tensor values (n-d arrays) become a fixed- or variable-shape tensor column.
		col, isTensor, err := stackRows(mem, rows, name)
		if err != nil {
			return nil, err
		}
		if isTensor {
			cols[i] = col
			fields[i] = arrow.Field{Name: name, Type: col.DataType(), Nullable: true}
			continue
		}
		dt, err := inferColumnType(rows, name)
		if err != nil {
			return nil, err
		}
		fields[i] = arrow.Field{Name: name, Type: dt, Nullable: true}
		b := array.NewBuilder(mem, dt)
		for r, row := range rows {
			if err := appendValue(b, row[name]); err != nil {
				b.Release()
				return nil, fmt.Errorf("row %d column %q: %w", r, name, err)
			}
		}
		cols[i] = b.NewArray()
		b.Release()
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(rows))), nil
}

func columnOrder(rows []Row, hint *arrow.Schema) []string {
	seen := map[string]bool{}
	for _, row := range rows {
		for k := range row {
			seen[k] = true
		}
	}
	var names []string
	if hint != nil {
		for _, f := range hint.Fields() {
			if seen[f.Name] {
				names = append(names, f.Name)
				delete(seen, f.Name)
			}
		}
	}
	rest := make([]string, 0, len(seen))
	for k := range seen {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// inferColumnType picks the Arrow type of column name from its values.
func inferColumnType(rows []Row, name string) (arrow.DataType, error) {
	var dt arrow.DataType
	for _, row := range rows {
		v := row[name]
		if v == nil {
			continue
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			continue
		}
		t, err := valueType(v)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
		switch {
		case dt == nil:
			dt = t
		case arrow.TypeEqual(dt, t):
		case isInt(dt) && isFloat(t):
			dt = t
		case isFloat(dt) && isInt(t):
		default:
			return nil, fmt.Errorf("column %q mixes %s and %s values", name, dt, t)
		}
	}
	if dt == nil {
		return arrow.Null, nil
	}
	return dt, nil
}

// valueType is the Arrow type of one Go value, looking inside []any lists.
func valueType(v any) (arrow.DataType, error) {
	if l, ok := v.([]any); ok {
		var et arrow.DataType = arrow.Null
		for _, x := range l {
			if x != nil {
				t, err := valueType(x)
				if err != nil {
					return nil, err
				}
				et = t
				break
			}
		}
		return arrow.ListOf(et), nil
	}
	return arrowTypeOf(reflect.TypeOf(v))
}

func isInt(t arrow.DataType) bool {
	return slices.Contains([]arrow.Type{arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64}, t.ID())
}

func isFloat(t arrow.DataType) bool { return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64 }
