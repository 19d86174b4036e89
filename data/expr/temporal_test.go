package expr

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// TestTemporalNamedZones holds Year, Month, Day and Hour of zoned timestamps against
// time.Time.In, hour by hour across daylight-saving changes and far from the epoch.
func TestTemporalNamedZones(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tz := range []string{"America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Asia/Kolkata", "+05:45", "-03:30", "UTC"} {
		loc, err := oracleZone(tz)
		if err != nil {
			t.Logf("%s: %v (no zoneinfo on this system; skipped)", tz, err)
			continue
		}
		typ := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: tz}
		schema := arrow.NewSchema([]arrow.Field{{Name: "t", Type: typ}}, nil)
		b := array.NewTimestampBuilder(mem, typ)
		var want []time.Time
		for _, start := range []time.Time{time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 26, 0, 0, 0, 0, time.UTC), time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)} {
			for h := range 80 {
				at := start.Add(time.Duration(h)*time.Hour + 17*time.Minute + 123*time.Millisecond)
				b.Append(arrow.Timestamp(at.UnixMilli()))
				want = append(want, at.In(loc))
			}
		}
		arr := b.NewArray()
		b.Release()
		rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
		arr.Release()
		for _, f := range []struct {
			e   Expr
			get func(time.Time) int
		}{
			{Col("t").Year(), time.Time.Year},
			{Col("t").Month(), func(t time.Time) int { return int(t.Month()) }},
			{Col("t").Day(), time.Time.Day},
			{Col("t").Hour(), time.Time.Hour},
		} {
			bd, err := Bind(f.e, schema)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bd.Eval(context.Background(), mem, rec)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				if g := got.(*array.Int64).Value(i); g != int64(f.get(w)) {
					t.Errorf("%s %s of %s: %d, want %d", tz, f.e, w, g, f.get(w))
					break
				}
			}
			got.Release()
		}
		rec.Release()
	}
}
