package progress

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestOperatorsFinalFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	read := OperatorStats{Name: "ReadCSV", Rows: 400, TotalRows: 1000, Blocks: 4, ActiveTasks: 2, MemoryBytes: 3 << 20}
	mapOp := OperatorStats{Name: "MapBatches(f)", Rows: 300, Blocks: 3, ActiveTasks: 1, MemoryBytes: 512}
	for _, tc := range []struct {
		name    string
		updates [][]OperatorStats
		want    []string // one per line of the final frame
	}{
		{
			name: "run to the end",
			updates: [][]OperatorStats{
				{read},
				{read, mapOp},
				{{Name: "ReadCSV", Rows: 1000, TotalRows: 1000, Blocks: 10}, {Name: "MapBatches(f)", Rows: 1000, Blocks: 10}},
			},
			want: []string{
				"rows 1000, blocks 10, tasks 0, mem 0 B",
				"rows 1000, blocks 10, tasks 0, mem 0 B",
			},
		},
		{
			// A limit stopped the run early: the rows shown are the rows
			// produced, not the estimate.
			name:    "stopped by a limit",
			updates: [][]OperatorStats{{read, mapOp}},
			want: []string{
				"rows 400, blocks 4, tasks 2, mem 3.0 MiB",
				"rows 300, blocks 3, tasks 1, mem 512 B",
			},
		},
		{
			name:    "shorter snapshot keeps lines",
			updates: [][]OperatorStats{{read, mapOp}, {{Name: "ReadCSV", Rows: 1000, TotalRows: 1000, Blocks: 10}}},
			want: []string{
				"rows 1000, blocks 10, tasks 0, mem 0 B",
				"rows 300, blocks 3, tasks 1, mem 512 B",
			},
		},
		{name: "no updates", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			o := NewOperators(forced(&buf)...)
			for _, u := range tc.updates {
				o.Update(u)
			}
			o.Close()
			o.Close()                        // idempotent
			o.Update([]OperatorStats{mapOp}) // after Close: ignored
			if tc.want == nil {
				if buf.Len() != 0 {
					t.Errorf("drew %q with no operators", buf.String())
				}
				return
			}
			lines := strings.Split(strings.TrimSuffix(lastFrame(t, buf.String()), "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("last frame has %d lines, want %d: %q", len(lines), len(tc.want), lines)
			}
			last := o.Last()
			for i, line := range lines {
				if !strings.HasPrefix(line, last[i].Name+" ") || !strings.HasSuffix(line, tc.want[i]) {
					t.Errorf("line %d = %q, want %q ... %q", i, line, last[i].Name, tc.want[i])
				}
			}
		})
	}
}

// Updates race with drawing: run with -race.
func TestOperatorsConcurrentUpdates(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf bytes.Buffer
	o := NewOperators(forced(&buf)...)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				o.Update([]OperatorStats{
					{Name: "Read", Rows: int64(i), TotalRows: 200, Blocks: int64(g)},
					{Name: "Map", Rows: int64(i)},
				})
			}
		})
	}
	wg.Wait()
	o.Update([]OperatorStats{{Name: "Read", Rows: 200, TotalRows: 200, Blocks: 20}, {Name: "Map", Rows: 200, Blocks: 20}})
	o.Close()
	frame := lastFrame(t, buf.String())
	if strings.Count(frame, "rows 200, blocks 20,") != 2 {
		t.Errorf("last frame %q, want both operators at 200 rows, 20 blocks", frame)
	}
}

func TestOperatorsQuiet(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, open := range quietCases(t) {
		t.Run(name, func(t *testing.T) {
			w, written := open()
			before := goleak.IgnoreCurrent()
			o := NewOperators(WithOutput(w))
			snap := []OperatorStats{{Name: "Read", Rows: 10, Blocks: 1}, {Name: "Map", Rows: 5, ActiveTasks: 1}}
			o.Update(snap)
			if err := goleak.Find(before); err != nil {
				t.Errorf("quiet Operators started a goroutine: %v", err)
			}
			o.Close()
			if s := written(); s != "" {
				t.Errorf("quiet Operators wrote %q", s)
			}
			if got := o.Last(); !reflect.DeepEqual(got, snap) {
				t.Errorf("Last = %v, want %v", got, snap)
			}
		})
	}
}

func TestFormatFigures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    OperatorStats
		final bool
		want  string
	}{
		{"running with total", OperatorStats{Rows: 5, TotalRows: 10, Blocks: 1, ActiveTasks: 2, MemoryBytes: 2048}, false, "rows 5/10, blocks 1, tasks 2, mem 2.0 KiB"},
		{"final drops total", OperatorStats{Rows: 5, TotalRows: 10, Blocks: 1}, true, "rows 5, blocks 1, tasks 0, mem 0 B"},
		{"unknown total", OperatorStats{Rows: 7, MemoryBytes: 5 << 30}, false, "rows 7, blocks 0, tasks 0, mem 5.00 GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatFigures(tc.op, tc.final); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
