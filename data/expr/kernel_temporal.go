package expr

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Temporal fields. arrow-go v18.8.0 registers no year/month/day/hour kernels, so these
// compute them from the stored integers: days since the epoch to a civil date with Howard
// Hinnant's days_from_civil inverse (no time.Time per row), the time zone's offset looked
// up once per zone transition. BenchmarkTemporalKernels measures them against the plain
// Go loop over time.Time.

// temporalKernel is the kernel of field op (OpYear, ...) over type t.
func temporalKernel(op Op, t arrow.DataType) (kernel, error) {
	field := map[Op]int{OpYear: 0, OpMonth: 1, OpDay: 2, OpHour: 3}[op]
	method := ops[op].method
	switch t := t.(type) {
	case *arrow.TimestampType:
		z, err := newZone(t.TimeZone)
		if err != nil {
			return nil, err
		}
		return timestampFields(t.Unit, z, field), nil
	case *arrow.Date32Type, *arrow.Date64Type:
		if op == OpHour {
			return nil, fmt.Errorf("Hour needs a timestamp (a date has no hour)")
		}
		return dateFields(t.ID() == arrow.DATE64, field), nil
	}
	return nil, fmt.Errorf("%s needs a timestamp or a date", method)
}

// zone gives a time zone's UTC offset at an instant, caching the span the offset holds for.
type zone struct {
	loc        *time.Location // nil: a fixed offset
	offset     int64          // seconds east of UTC
	start, end int64          // the cached offset holds for start <= sec < end
}

// newZone reads an Arrow time zone: "" (naive: fields as stored), "UTC", a fixed offset
// ("+05:30", "-0800", "+07"), or an IANA name ("Europe/Paris", from the system's zoneinfo).
func newZone(tz string) (*zone, error) {
	if tz == "" || tz == "UTC" || tz == "Z" || tz == "Etc/UTC" {
		return &zone{}, nil
	}
	if tz[0] == '+' || tz[0] == '-' {
		s := strings.ReplaceAll(tz[1:], ":", "")
		h, err1 := strconv.Atoi(s[:min(2, len(s))])
		m := 0
		var err2 error
		if len(s) > 2 {
			m, err2 = strconv.Atoi(s[2:])
		}
		if err1 != nil || err2 != nil || len(s) != 2 && len(s) != 4 || h > 23 || m > 59 {
			return nil, fmt.Errorf("bad time zone offset %q", tz)
		}
		off := int64(h*3600 + m*60)
		if tz[0] == '-' {
			off = -off
		}
		return &zone{offset: off}, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: %v", tz, err)
	}
	return &zone{loc: loc, start: 1, end: 0}, nil
}

// at is the offset at sec (seconds since the epoch, UTC). z is per kernel call: not shared
// between goroutines.
func (z *zone) at(sec int64) int64 {
	if z.loc == nil || z.start <= sec && sec < z.end {
		return z.offset
	}
	t := time.Unix(sec, 0).In(z.loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	z.offset, z.start, z.end = int64(off), start.Unix(), end.Unix()
	if start.IsZero() {
		z.start = -1 << 63
	}
	if end.IsZero() {
		z.end = 1<<63 - 1
	}
	return z.offset
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// civil is the proleptic Gregorian date of days since 1970-01-01.
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func timestampFields(unit arrow.TimeUnit, tz *zone, field int) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		z := *tz // the cache is per call
		in := arrow.GetValues[int64](d, 1)
		validity, nulls := copyValidity(mem, d)
		buf, out := newFixed[int64](mem, d.Len())
		out = out[:len(in)]
		// Two tight passes: local seconds (a division by a constant per unit, plus a fixed
		// offset), then the field; a named zone adds a pass for its offsets.
		off := z.offset
		if z.loc != nil {
			off = 0
		}
		switch unit {
		case arrow.Second:
			for i, v := range in {
				out[i] = v + off
			}
		case arrow.Millisecond:
			for i, v := range in {
				out[i] = floorDiv(v, 1e3) + off
			}
		case arrow.Microsecond:
			for i, v := range in {
				out[i] = floorDiv(v, 1e6) + off
			}
		default:
			for i, v := range in {
				out[i] = floorDiv(v, 1e9) + off
			}
		}
		if z.loc != nil {
			for i, sec := range out {
				out[i] = sec + z.at(sec)
			}
		}
		fieldsOf(out, field)
		return arrayDatum(arrow.PrimitiveTypes.Int64, d.Len(), nulls, []*memory.Buffer{validity, buf}, nil), nil
	}
}

// fieldsOf replaces local seconds since the epoch by field (0 year, 1 month, 2 day, 3 hour).
func fieldsOf(secs []int64, field int) {
	switch field {
	case 0:
		for i, s := range secs {
			y, _, _ := civil(floorDiv(s, 86400))
			secs[i] = y
		}
	case 1:
		for i, s := range secs {
			_, m, _ := civil(floorDiv(s, 86400))
			secs[i] = m
		}
	case 2:
		for i, s := range secs {
			_, _, d := civil(floorDiv(s, 86400))
			secs[i] = d
		}
	default:
		for i, s := range secs {
			secs[i] = floorDiv(s, 3600) - floorDiv(s, 86400)*24
		}
	}
}

func dateFields(date64 bool, field int) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		validity, nulls := copyValidity(mem, d)
		buf, out := newFixed[int64](mem, d.Len())
		if date64 {
			for i, v := range arrow.GetValues[int64](d, 1) {
				out[i] = floorDiv(v, 1000)
			}
		} else {
			for i, v := range arrow.GetValues[int32](d, 1) {
				out[i] = int64(v) * 86400
			}
		}
		fieldsOf(out, field)
		return arrayDatum(arrow.PrimitiveTypes.Int64, d.Len(), nulls, []*memory.Buffer{validity, buf}, nil), nil
	}
}
