package expr

import (
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// HiveNull is the directory value Hive, Spark and pyarrow write for a null partition value
// (year=__HIVE_DEFAULT_PARTITION__).
const HiveNull = "__HIVE_DEFAULT_PARTITION__"

// PartitionStats are the statistics of a file whose Hive partition values are values
// (column name to the value as its directory spells it, year=2024 giving "year": "2024"):
// every row of the file holds them. Each value is parsed as its column's type in schema
// (the schema the predicate is bound to: a partition column read as int32 compares as
// int32) as arrow-go's builders read text (see parseValue); HiveNull is null. A value that does not parse is an
// error naming the column and the value. Columns of schema missing from values are
// unknown; values naming no column of schema are ignored.
func PartitionStats(schema *arrow.Schema, values map[string]string) (Stats, error) {
	sm := StatsMap{Rows: 1, Columns: map[string]ColumnStats{}} // one row stands for them all
	for _, name := range slices.Sorted(maps.Keys(values)) {
		idx := schema.FieldIndices(name)
		if len(idx) != 1 {
			continue
		}
		t := valueType(schema.Field(idx[0]).Type)
		v := values[name]
		if v == HiveNull {
			sm.Columns[name] = ColumnStats{HasNullCount: true, NullCount: 1}
			continue
		}
		s, err := parseValue(v, t)
		if err != nil {
			return nil, fmt.Errorf("sluice: expr: partition %s=%s: not a %s value: %v", name, v, t, cause(err))
		}
		set, err := scalar.MakeArrayFromScalar(s, 1, memory.DefaultAllocator)
		if err != nil {
			return nil, fmt.Errorf("sluice: expr: partition %s=%s: %v", name, v, err)
		}
		sm.Columns[name] = ColumnStats{Min: s, Max: s, HasNullCount: true, Values: set}
	}
	return sm, nil
}

// parseValue reads a partition value as type t, as arrow-go's builders read text
// (AppendValueFromString: integers, floats, booleans, dates as 2006-01-02, timestamps as
// RFC 3339 or 2006-01-02 15:04:05, ...).
func parseValue(v string, t arrow.DataType) (scalar.Scalar, error) {
	b := array.NewBuilder(memory.DefaultAllocator, t)
	defer b.Release()
	if err := b.AppendValueFromString(v); err != nil {
		return nil, err
	}
	out := b.NewArray()
	defer out.Release()
	if out.IsNull(0) {
		return nil, fmt.Errorf("parsed as null")
	}
	return scalar.GetScalar(out, 0)
}

// MayMatchPartition says whether a file with Hive partition values values can hold a row
// where b is true: false means the file need not be opened. Conjuncts over columns other
// than the partition columns may be anything. See PartitionStats for values.
func (b *Bound) MayMatchPartition(values map[string]string) (bool, error) {
	st, err := PartitionStats(b.schema, values)
	if err != nil {
		return false, err
	}
	return b.MayMatch(st), nil
}
