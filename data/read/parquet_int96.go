package read

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
)

// INT96 is the deprecated Impala/Spark timestamp: 8 little-endian bytes of nanoseconds within
// the day, then 4 of the Julian day. pyarrow reads it as a naive timestamp[ns] and, with
// coerce_int96_timestamp_unit, in a coarser unit, which Spark needs: it writes microseconds'
// range (years 1 to 9999 and beyond), and years past 2262 do not fit in int64 nanoseconds.
// sluice does the same arithmetic as Arrow C++ (cpp/src/parquet/types.h, Int96GetNanoSeconds
// and its siblings: days since the epoch times the unit per day, plus the nanoseconds divided
// down, in wrapping int64), with one difference: at nanoseconds a value that overflows is an
// error naming the file, the column and the row, where pyarrow silently returns a wrong date.

// Int96Unit is the unit INT96 timestamps are read in. The zero value is nanoseconds,
// pyarrow's default.
type Int96Unit uint8

const (
	Int96Nanosecond Int96Unit = iota
	Int96Microsecond
	Int96Millisecond
	Int96Second
)

// Int96UnitOf returns the Int96Unit for an Arrow time unit.
func Int96UnitOf(u arrow.TimeUnit) Int96Unit {
	switch u {
	case arrow.Microsecond:
		return Int96Microsecond
	case arrow.Millisecond:
		return Int96Millisecond
	case arrow.Second:
		return Int96Second
	}
	return Int96Nanosecond
}

// TimeUnit returns the Arrow time unit of u.
func (u Int96Unit) TimeUnit() arrow.TimeUnit {
	switch u {
	case Int96Microsecond:
		return arrow.Microsecond
	case Int96Millisecond:
		return arrow.Millisecond
	case Int96Second:
		return arrow.Second
	}
	return arrow.Nanosecond
}

// nanosPer returns how many nanoseconds one u is.
func (u Int96Unit) nanosPer() int64 {
	switch u {
	case Int96Microsecond:
		return 1e3
	case Int96Millisecond:
		return 1e6
	case Int96Second:
		return 1e9
	}
	return 1
}

// julianUnixEpoch is the Julian day of 1970-01-01.
const julianUnixEpoch = 2440588

// int96Value returns v in unit u, and false when u is nanoseconds and the value does not fit
// in an int64. The nanoseconds are unsigned, as in Arrow C++ (a negative value there, which
// only a writer's own overflow produces, is a huge one), and coarser units wrap as its int64
// arithmetic does: for parquet-testing's int96_from_spark.parquet, whose last value Spark
// wrote after overflowing, that is what pyarrow returns.
func int96Value(v parquet.Int96, u Int96Unit) (int64, bool) {
	nanos := binary.LittleEndian.Uint64(v[:8])
	days := int64(binary.LittleEndian.Uint32(v[8:])) - julianUnixEpoch
	if per := u.nanosPer(); per != 1 {
		return int64(uint64(days*(86400e9/per)) + nanos/uint64(per)), true
	}
	// |days * 86400e9| < 2^63 up to 106751 days from the epoch.
	if days > -106751 && days < 106751 && nanos < 1<<62 {
		dayNanos := days * 86400e9
		sum := dayNanos + int64(nanos)
		return sum, sum >= dayNanos
	}
	exact := new(big.Int).Mul(big.NewInt(days), big.NewInt(86400e9))
	exact.Add(exact, new(big.Int).SetUint64(nanos))
	return exact.Int64(), exact.IsInt64()
}

// int96RangeError describes an INT96 value that does not fit at nanoseconds, with the date it
// holds (computed at microseconds, as Spark meant it).
func int96RangeError(v parquet.Int96, row int64) error {
	us, _ := int96Value(v, Int96Microsecond)
	return fmt.Errorf("row %d: INT96 timestamp %s is outside the nanosecond range of timestamp[ns] "+
		"(years 1677 to 2262); read it with a coarser unit (data.ParquetInt96Unit(arrow.Microsecond), pyarrow's coerce_int96_timestamp_unit)",
		row, formatMicros(us))
}

// formatMicros formats microseconds since the epoch as an ISO date and time in UTC.
func formatMicros(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.999999")
}
