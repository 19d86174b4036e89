package main

import (
	"strings"
	"testing"
)

func testWorkload() workload {
	return workload{
		ID: "W0",
		Metrics: []metric{
			{"T", "time", "s", false, seconds},
			{"G", "throughput", "GB/s", true, gbps},
		},
		Systems: []system{{Name: "sluice"}, {Name: "Ray Data", Peer: "ray"}, {Name: "loop", Peer: "base"}, {Name: "Daft", Peer: "daft"}},
	}
}

func mkRun(system string, secs float64, bytes int64) run {
	return run{System: system, Result: result{Seconds: secs, Bytes: bytes}}
}

func TestSummarize(t *testing.T) {
	for _, c := range []struct {
		name        string
		runs        []run
		unavailable map[string]string
		// want per "metric/system": advantage (0: none), noisy, note prefix
		want map[string]struct {
			adv   float64
			noisy bool
			note  string
		}
	}{
		{
			name: "ratios from medians",
			runs: []run{mkRun("sluice", 1, 1e9), mkRun("Ray Data", 4, 1e9), mkRun("sluice", 1.1, 1e9), mkRun("Ray Data", 4, 1e9), mkRun("sluice", 1, 1e9), mkRun("Ray Data", 4, 1e9)},
			want: map[string]struct {
				adv   float64
				noisy bool
				note  string
			}{
				"T/Ray Data": {adv: 4},
				"G/Ray Data": {adv: 4},
				"T/loop":     {note: "no figure"},
				"T/Daft":     {note: "no figure"},
			},
		},
		{
			name: "outputs differ: no ratio",
			runs: []run{mkRun("sluice", 1, 1e9), {System: "Ray Data", Result: result{Seconds: 2, Bytes: 1e9}, Mismatch: "rows 3, sluice 4"}},
			want: map[string]struct {
				adv   float64
				noisy bool
				note  string
			}{"T/Ray Data": {note: "outputs differ (rows 3, sluice 4)"}},
		},
		{
			name: "spread over 25% is flagged",
			runs: []run{mkRun("sluice", 1, 1e9), mkRun("sluice", 1.3, 1e9), mkRun("Ray Data", 2, 1e9), mkRun("Ray Data", 2.1, 1e9)},
			want: map[string]struct {
				adv   float64
				noisy bool
				note  string
			}{"T/sluice": {noisy: true}, "T/Ray Data": {adv: 2.05 / 1.15}},
		},
		{
			name:        "unavailable and failed peers are listed",
			runs:        []run{mkRun("sluice", 1, 1e9), {System: "loop", Error: "exit status 1: boom"}},
			unavailable: map[string]string{"ray": "no module named ray"},
			want: map[string]struct {
				adv   float64
				noisy bool
				note  string
			}{"T/Ray Data": {note: "not available: no module named ray"}, "T/loop": {note: "failed: exit status 1: boom"}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := summarize(testWorkload(), c.runs, c.unavailable)
			if len(rows) != 8 {
				t.Fatalf("%d rows, want 2 metrics x 4 systems", len(rows))
			}
			for _, r := range rows {
				w, ok := c.want[r.Metric+"/"+r.System]
				if !ok {
					continue
				}
				switch {
				case w.adv == 0 && r.Advantage != nil:
					t.Errorf("%s/%s: advantage %v, want none", r.Metric, r.System, *r.Advantage)
				case w.adv != 0 && (r.Advantage == nil || abs64(*r.Advantage-w.adv) > 1e-9):
					t.Errorf("%s/%s: advantage %v, want %v", r.Metric, r.System, r.Advantage, w.adv)
				}
				if r.Noisy != w.noisy {
					t.Errorf("%s/%s: noisy %v, want %v", r.Metric, r.System, r.Noisy, w.noisy)
				}
				if !strings.HasPrefix(r.Note, w.note) {
					t.Errorf("%s/%s: note %q, want %q", r.Metric, r.System, r.Note, w.note)
				}
			}
		})
	}
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestSameOutput(t *testing.T) {
	base := &output{Rows: 10, Checksum: map[string]float64{"a": 1.5, "emb": -8327.9501953125}}
	for _, c := range []struct {
		name string
		b    *output
		ok   bool
		why  string
	}{
		{"equal", &output{Rows: 10, Checksum: map[string]float64{"a": 1.5, "emb": -8327.9501953125}}, true, ""},
		{"last bit", &output{Rows: 10, Checksum: map[string]float64{"a": 1.5000000000001, "emb": -8327.9501953125}}, true, ""},
		{"rows", &output{Rows: 9, Checksum: base.Checksum}, false, "rows 9, sluice 10"},
		{"sum", &output{Rows: 10, Checksum: map[string]float64{"a": 1.6, "emb": -8327.9501953125}}, false, "sum of a 1.6"},
		{"missing column", &output{Rows: 10, Checksum: map[string]float64{"a": 1.5}}, false, "checksum columns"},
		{"renamed column", &output{Rows: 10, Checksum: map[string]float64{"a": 1.5, "emb2": 1}}, false, "no checksum of emb"},
		{"nothing", nil, false, "no output"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok, why := sameOutput(base, c.b, 0)
			if ok != c.ok || !strings.Contains(why, c.why) {
				t.Errorf("got %v %q, want %v %q", ok, why, c.ok, c.why)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 2, 3}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median %v = %v, want %v", c.in, got, c.want)
		}
	}
}
