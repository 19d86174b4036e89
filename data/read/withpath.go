package read

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PathColumn is the name of the column WithPath appends (Ray's include_paths column).
const PathColumn = "path"

// WithPath returns rec with a non-nullable string column "path" appended, holding path in every
// row. It always releases rec (also on error); the caller releases the result. It fails if rec
// already has a "path" column. A nil mem means memory.DefaultAllocator.
func WithPath(mem memory.Allocator, rec arrow.RecordBatch, path string) (arrow.RecordBatch, error) {
	defer rec.Release()
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if rec.Schema().HasField(PathColumn) {
		return nil, fmt.Errorf("sluice: include_paths: %s: the batch already has a %q column", path, PathColumn)
	}
	n := int(rec.NumRows())
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	b.ReserveData(n * len(path))
	for range n {
		b.Append(path)
	}
	col := b.NewArray()
	defer col.Release()

	fields := append(rec.Schema().Fields(), arrow.Field{Name: PathColumn, Type: arrow.BinaryTypes.String})
	md := rec.Schema().Metadata()
	cols := append(append(make([]arrow.Array, 0, len(fields)), rec.Columns()...), col)
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, rec.NumRows()), nil
}
