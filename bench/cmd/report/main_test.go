package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMergeEarlier(t *testing.T) {
	early := time.Date(2026, 11, 23, 13, 4, 0, 0, time.UTC)
	late := early.Add(time.Hour)
	for _, c := range []struct {
		name        string
		ran         []string
		prev        []string
		skipped     []string // skipped by this run (none of them ran)
		wantIDs     []string
		wantSkipped []string
	}{
		{"new workloads go in plan order", []string{"W2", "W4"}, []string{"W1", "W3", "W5"}, nil, []string{"W1", "W2", "W3", "W4", "W5"}, nil},
		{"a rerun replaces the earlier run", []string{"W3"}, []string{"W1", "W3"}, []string{"W4"}, []string{"W1", "W3"}, []string{"W4"}},
		{"an earlier run replaces a skip", []string{"W1"}, []string{"W4"}, []string{"W2", "W4"}, []string{"W1", "W4"}, []string{"W2"}},
		{"unknown earlier IDs go last", []string{"W1"}, []string{"W9", "W3"}, nil, []string{"W1", "W3", "W9"}, nil},
		{"nothing earlier", []string{"W1"}, nil, []string{"W4"}, []string{"W1"}, []string{"W4"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := &report{Started: late, Rounds: 3, Versions: map[string]string{"go": "new"}, Skipped: map[string]string{}}
			for _, id := range c.skipped {
				rep.Skipped[id] = "no input"
			}
			for _, id := range c.ran {
				rep.Workloads = append(rep.Workloads, workloadReport{ID: id, Started: late, Rounds: 3, Title: "now"})
			}
			prev := &report{Started: early, Rounds: 5, Nice: -10, Versions: map[string]string{"go": "old", "ray": "2.60.0", "sluice": "abc1234"}}
			for _, id := range c.prev {
				prev.Workloads = append(prev.Workloads, workloadReport{ID: id, Title: "before"})
			}
			mergeEarlier(rep, prev, []string{"W1", "W2", "W3", "W4", "W5"})
			var ids []string
			for _, w := range rep.Workloads {
				ids = append(ids, w.ID)
				ran := slices.Contains(c.ran, w.ID)
				if ran && (w.Title != "now" || !w.Started.Equal(late)) {
					t.Errorf("%s: the new run was not kept: %+v", w.ID, w)
				}
				if !ran && (w.Title != "before" || !w.Started.Equal(early) || w.Rounds != 5 || w.Nice != -10 || w.Sluice != "abc1234") {
					t.Errorf("%s: the earlier run lost its own time, rounds or nice: %+v", w.ID, w)
				}
			}
			if !slices.Equal(ids, c.wantIDs) {
				t.Errorf("workloads %v, want %v", ids, c.wantIDs)
			}
			if got := sortedKeys(rep.Skipped); !slices.Equal(got, c.wantSkipped) {
				t.Errorf("skipped %v, want %v", got, c.wantSkipped)
			}
			if rep.Versions["go"] != "new" || rep.Versions["ray"] != "2.60.0" {
				t.Errorf("versions %v: want this run's go and the earlier ray", rep.Versions)
			}
		})
	}
}

func TestReadmeSaysWhenEachWorkloadRan(t *testing.T) {
	rep := &report{Started: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), Rounds: 3, Versions: map[string]string{},
		Workloads: []workloadReport{
			{ID: "W1", Title: "images", Started: time.Date(2026, 11, 23, 13, 4, 0, 0, time.UTC), Rounds: 5, Nice: -10},
			{ID: "W2", Title: "photos", Started: time.Date(2026, 11, 23, 14, 1, 0, 0, time.UTC), Rounds: 3, Nice: -10, Sluice: "abc1234"},
		}}
	md := renderReadme(rep, nil, "results", "")
	for _, want := range []string{
		"### W1: images\n\nRun 2026-11-23 13:04 UTC, 5 rounds, nice -10.",
		"### W2: photos\n\nRun 2026-11-23 14:01 UTC, 3 rounds, nice -10, sluice abc1234.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}
