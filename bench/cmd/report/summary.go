package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// spreadLimit flags a row whose max exceeds its min by more than this fraction.
const spreadLimit = 0.25

// row is one line of the table: a metric of one system over its rounds.
type row struct {
	Metric string  `json:"metric"`
	Title  string  `json:"title"`
	Unit   string  `json:"unit"`
	System string  `json:"system"`
	Runs   int     `json:"runs"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Advantage is how many times better sluice's median is than this system's (time or
	// memory: theirs / ours; throughput: ours / theirs); nil when it may not be given.
	Advantage *float64 `json:"sluice_advantage,omitempty"`
	// Noisy: min and max differ by more than 25%.
	Noisy bool `json:"noisy,omitempty"`
	// Note says why there is no figure or no ratio (not installed, failed, outputs differ).
	Note string `json:"note,omitempty"`
}

// sameOutput reports whether two outputs agree: equal row counts, the same checksum columns,
// and sums equal to a relative 1e-9 (they are exact by construction; the tolerance only
// forgives a last-bit difference in a float64 print), or to tol absolute when tol > 0.
func sameOutput(a, b *output, tol float64) (bool, string) {
	if a == nil || b == nil {
		return false, "no output to compare"
	}
	if a.Rows != b.Rows {
		return false, fmt.Sprintf("rows %d, sluice %d", b.Rows, a.Rows)
	}
	keys := make([]string, 0, len(a.Checksum))
	for k := range a.Checksum {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(a.Checksum) != len(b.Checksum) {
		return false, fmt.Sprintf("checksum columns %v, sluice %v", mapKeys(b.Checksum), keys)
	}
	for _, k := range keys {
		x, y := a.Checksum[k], b.Checksum[k]
		if _, ok := b.Checksum[k]; !ok {
			return false, fmt.Sprintf("no checksum of %s", k)
		}
		if math.Abs(x-y) > max(tol, 1e-9*math.Max(math.Abs(x), math.Abs(y))) {
			return false, fmt.Sprintf("sum of %s %v, sluice %v", k, y, x)
		}
	}
	return true, ""
}

func mapKeys(m map[string]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// median of a non-empty slice (sorted in place).
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// summarize turns a workload's runs into table rows, one per metric and system, in plan
// order. unavailable maps a peer to why it cannot run.
func summarize(w workload, runs []run, unavailable map[string]string) []row {
	var rows []row
	for _, m := range w.Metrics {
		var base *row
		for _, s := range w.Systems {
			r := row{Metric: m.ID, Title: m.Title, Unit: m.Unit, System: s.Name}
			if why, ok := unavailable[s.Peer]; ok && s.Peer != "" {
				r.Note = "not available: " + why
				rows = append(rows, r)
				continue
			}
			var vals []float64
			var failed, differs string
			for i := range runs {
				x := &runs[i]
				if x.System != s.Name {
					continue
				}
				if x.Error != "" {
					failed = x.Error
					continue
				}
				if x.Mismatch != "" {
					differs = x.Mismatch
				}
				if v, ok := m.Value(x); ok {
					vals = append(vals, v)
				}
			}
			switch {
			case len(vals) == 0 && failed != "":
				r.Note = "failed: " + failed
			case len(vals) == 0:
				r.Note = "no figure"
			default:
				r.Runs = len(vals)
				r.Min, r.Max = slices.Min(vals), slices.Max(vals)
				r.Median = median(vals)
				r.Noisy = r.Min > 0 && (r.Max-r.Min)/r.Min > spreadLimit
				if failed != "" {
					r.Note = "some runs failed: " + failed
				}
			}
			if differs != "" {
				r.Note = "outputs differ (" + differs + "): no ratio"
			}
			rows = append(rows, r)
			if s.Name == "sluice" {
				base = &rows[len(rows)-1]
			}
		}
		// Ratios once sluice's figure is known: only for rows with a figure, equal outputs,
		// and a sluice figure of their own.
		for i := range rows {
			r := &rows[i]
			if r.Metric != m.ID || r.System == "sluice" || base == nil || base.Runs == 0 || r.Runs == 0 {
				continue
			}
			if r.Note != "" && r.Note[:min(len(r.Note), 8)] == "outputs " {
				continue
			}
			if base.Median <= 0 || r.Median <= 0 {
				continue
			}
			adv := r.Median / base.Median
			if m.HigherBetter {
				adv = base.Median / r.Median
			}
			r.Advantage = &adv
		}
	}
	return rows
}
