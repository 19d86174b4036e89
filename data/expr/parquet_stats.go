package expr

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Statistics from Parquet metadata, for the reader's pruning: a row group's from its
// column chunk metadata, a page's from the column index. Only top-level columns of the
// types below get bounds (others get null counts only): booleans, integers of every width
// and sign (unsigned ones compared in unsigned order, as Parquet sorts them), floats,
// strings and binaries, date32, and timestamps stored as INT64 (read in the unit of the
// Arrow field, the bounds widened to stay bounds when the file's unit is finer). Parquet
// leaves NaN out of float bounds and does not count it, so float columns may hold NaN.
// Dictionary values are not in the metadata: a reader that reads a dictionary page sets
// ColumnStats.Values itself.

// ParquetRowGroupStats are the statistics of row group rg for a file read with the Arrow
// schema schema (pqarrow's, with the file's column names): min, max and null count of each
// top-level column whose writer's statistics arrow-go trusts (ColumnChunkMetaData.Statistics
// is nil for the others, such as old parquet-mr's string statistics).
func ParquetRowGroupStats(rg *metadata.RowGroupMetaData, schema *arrow.Schema) Stats {
	return rowGroupStats{rg: rg, schema: schema}
}

type rowGroupStats struct {
	rg     *metadata.RowGroupMetaData
	schema *arrow.Schema
}

func (s rowGroupStats) NumRows() int64 { return s.rg.NumRows() }

func (s rowGroupStats) Column(name string) (ColumnStats, bool) {
	field, descr, i, ok := leafColumn(s.schema, s.rg.Schema, name)
	if !ok {
		return ColumnStats{}, false
	}
	chunk, err := s.rg.ColumnChunk(i)
	if err != nil {
		return ColumnStats{}, false
	}
	st, err := chunk.Statistics()
	if err != nil || st == nil {
		return ColumnStats{}, false
	}
	var cs ColumnStats
	if st.HasNullCount() {
		cs.NullCount, cs.HasNullCount = st.NullCount(), true
	}
	if st.HasMinMax() {
		cs.Min, cs.Max = plainBounds(descr, st.EncodeMin(), st.EncodeMax(), valueType(field.Type))
	}
	return cs, true
}

// leafColumn finds the top-level leaf column name: its Arrow field, its Parquet
// descriptor and its index.
func leafColumn(as *arrow.Schema, ps *schema.Schema, name string) (arrow.Field, *schema.Column, int, bool) {
	idx := as.FieldIndices(name)
	if len(idx) != 1 || ps == nil {
		return arrow.Field{}, nil, 0, false
	}
	i := ps.ColumnIndexByName(name)
	if i < 0 {
		return arrow.Field{}, nil, 0, false
	}
	descr := ps.Column(i)
	if descr.MaxRepetitionLevel() > 0 || descr.SortOrder() == schema.SortUNKNOWN {
		return arrow.Field{}, nil, 0, false
	}
	return as.Field(idx[0]), descr, i, true
}

// ParquetPageStats are the statistics of each data page of one column chunk, from its
// column index ci and offset index oi (arrow-go's RowGroupPageIndexReader gives both), for
// the column's Arrow field; rowGroupRows is the row group's row count. The i-th Stats
// describes the rows of page i (FirstRowIndex of page i up to that of page i+1) and knows
// only this column. Nil when the indexes do not fit together.
func ParquetPageStats(ci metadata.ColumnIndex, oi metadata.OffsetIndex, rowGroupRows int64, descr *schema.Column, field arrow.Field) []Stats {
	if ci == nil || oi == nil {
		return nil
	}
	locs := oi.GetPageLocations()
	nullPages, mins, maxs := ci.GetNullPages(), ci.GetMinValues(), ci.GetMaxValues()
	if len(nullPages) != len(locs) || len(mins) != len(locs) || len(maxs) != len(locs) {
		return nil
	}
	var nullCounts []int64
	if ci.IsSetNullCounts() {
		nullCounts = ci.GetNullCounts()
	}
	t := valueType(field.Type)
	out := make([]Stats, len(locs))
	for p, loc := range locs {
		end := rowGroupRows
		if p+1 < len(locs) {
			end = locs[p+1].FirstRowIndex
		}
		rows := end - loc.FirstRowIndex
		var cs ColumnStats
		switch {
		case nullPages[p]:
			cs.NullCount, cs.HasNullCount = rows, true
		default:
			if descr.SortOrder() != schema.SortUNKNOWN {
				cs.Min, cs.Max = plainBounds(descr, mins[p], maxs[p], t)
			}
			if len(nullCounts) == len(locs) {
				cs.NullCount, cs.HasNullCount = nullCounts[p], true
			}
		}
		out[p] = StatsMap{Rows: rows, Columns: map[string]ColumnStats{field.Name: cs}}
	}
	return out
}

// plainBounds decodes a min and max in Parquet's plain encoding (byte arrays without their
// length) as scalars of Arrow type t; nil, nil when the types do not go together.
func plainBounds(descr *schema.Column, minB, maxB []byte, t arrow.DataType) (scalar.Scalar, scalar.Scalar) {
	lo, ok1 := plainScalar(descr, minB, t, false)
	hi, ok2 := plainScalar(descr, maxB, t, true)
	if !ok1 || !ok2 {
		return nil, nil
	}
	return lo, hi
}

// plainScalar decodes one bound; upper says which, so a bound converted to a coarser unit
// rounds outward.
func plainScalar(descr *schema.Column, b []byte, t arrow.DataType, upper bool) (scalar.Scalar, bool) {
	phys := descr.PhysicalType()
	i32 := func() (int32, bool) {
		if phys != parquet.Types.Int32 || len(b) != 4 {
			return 0, false
		}
		return int32(binary.LittleEndian.Uint32(b)), true
	}
	i64 := func() (int64, bool) {
		if phys != parquet.Types.Int64 || len(b) != 8 {
			return 0, false
		}
		return int64(binary.LittleEndian.Uint64(b)), true
	}
	switch t.ID() {
	case arrow.BOOL:
		if phys != parquet.Types.Boolean || len(b) < 1 {
			return nil, false
		}
		return scalar.NewBooleanScalar(b[0] != 0), true
	case arrow.INT8, arrow.INT16, arrow.INT32:
		v, ok := i32()
		if !ok {
			return nil, false
		}
		return exactCast(scalar.NewInt64Scalar(int64(v)), t)
	case arrow.UINT8, arrow.UINT16, arrow.UINT32:
		v, ok := i32()
		if !ok {
			return nil, false
		}
		return exactCast(scalar.NewUint64Scalar(uint64(uint32(v))), t)
	case arrow.INT64:
		v, ok := i64()
		return scalar.NewInt64Scalar(v), ok
	case arrow.UINT64:
		v, ok := i64()
		return scalar.NewUint64Scalar(uint64(v)), ok
	case arrow.FLOAT32:
		if phys != parquet.Types.Float || len(b) != 4 {
			return nil, false
		}
		return scalar.NewFloat32Scalar(math.Float32frombits(binary.LittleEndian.Uint32(b))), true
	case arrow.FLOAT64:
		if phys != parquet.Types.Double || len(b) != 8 {
			return nil, false
		}
		return scalar.NewFloat64Scalar(math.Float64frombits(binary.LittleEndian.Uint64(b))), true
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		if phys != parquet.Types.ByteArray {
			return nil, false
		}
		v := string(b)
		switch t.ID() {
		case arrow.STRING:
			return scalar.NewStringScalar(v), true
		case arrow.LARGE_STRING:
			return scalar.NewLargeStringScalar(v), true
		case arrow.BINARY:
			return scalar.NewBinaryScalar(bytesBuffer(v), arrow.BinaryTypes.Binary), true
		}
		return scalar.NewLargeBinaryScalar(bytesBuffer(v)), true
	case arrow.DATE32:
		v, ok := i32()
		return scalar.NewDate32Scalar(arrow.Date32(v)), ok
	case arrow.TIMESTAMP:
		v, ok := i64()
		lt, isTS := descr.LogicalType().(*schema.TimestampLogicalType)
		if !ok || !isTS {
			return nil, false
		}
		fileUnit := map[schema.TimeUnitType]arrow.TimeUnit{schema.TimeUnitMillis: arrow.Millisecond, schema.TimeUnitMicros: arrow.Microsecond, schema.TimeUnitNanos: arrow.Nanosecond}[lt.TimeUnit()]
		tt := t.(*arrow.TimestampType)
		v, ok = outward(v, fileUnit, tt.Unit, upper)
		return scalar.NewTimestampScalar(arrow.Timestamp(v), tt), ok
	}
	return nil, false
}

// outward converts v between time units, rounding a lower bound down and an upper bound
// up when the target unit is coarser.
func outward(v int64, from, to arrow.TimeUnit, upper bool) (int64, bool) {
	f, t := unitsPerSecond(from), unitsPerSecond(to)
	if t >= f {
		return mulExact(v, t/f)
	}
	q := floorDiv(v, f/t)
	if upper && q*(f/t) != v {
		q++
	}
	return q, true
}

// ParquetColumnPages are the ParquetPageStats of the top-level column name of row group rg,
// for a file read with the Arrow schema schema, with index giving a leaf column's column
// and offset indexes, and the row of the group each page starts at. Nil when the column is
// not a top-level leaf of a type with bounds, or has no index that holds together.
func ParquetColumnPages(rg *metadata.RowGroupMetaData, schema *arrow.Schema, name string, index func(leaf int) (metadata.ColumnIndex, metadata.OffsetIndex)) ([]Stats, []int64) {
	field, descr, i, ok := leafColumn(schema, rg.Schema, name)
	if !ok {
		return nil, nil
	}
	ci, oi := index(i)
	stats := ParquetPageStats(ci, oi, rg.NumRows(), descr, field)
	if stats == nil {
		return nil, nil
	}
	starts := make([]int64, len(stats))
	for p, loc := range oi.GetPageLocations() {
		starts[p] = loc.FirstRowIndex
	}
	return stats, starts
}
