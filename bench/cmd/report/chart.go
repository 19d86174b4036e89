package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// spread is the min-max range around each bar's median, as plotter error bars.
type spread struct{ rows []row }

func (s spread) Len() int                    { return len(s.rows) }
func (s spread) XY(i int) (float64, float64) { return float64(i), s.rows[i].Median }
func (s spread) YError(i int) (float64, float64) {
	return s.rows[i].Median - s.rows[i].Min, s.rows[i].Max - s.rows[i].Median
}

// drawChart writes a PNG bar chart of one metric's medians with min-max bars. Systems
// without a figure are left out of the chart (the table says why).
func drawChart(path string, rows []row) error {
	var have []row
	for _, r := range rows {
		if r.Runs > 0 {
			have = append(have, r)
		}
	}
	if len(have) == 0 {
		return fmt.Errorf("sluice: report: chart %s: no figures", path)
	}
	vals := make(plotter.Values, len(have))
	names := make([]string, len(have))
	top := 0.0
	for i, r := range have {
		vals[i] = r.Median
		names[i] = r.System
		top = max(top, r.Max)
	}
	p := plot.New()
	p.Title.Text = have[0].Title
	p.Y.Label.Text = have[0].Unit + " (median; bars: min-max)"
	bc, err := plotter.NewBarChart(vals, vg.Points(36))
	if err != nil {
		return fmt.Errorf("sluice: report: chart %s: %w", path, err)
	}
	bc.LineStyle.Width = 0
	bc.Color = plotutil.Color(0)
	p.Add(bc)
	eb, err := plotter.NewYErrorBars(spread{have})
	if err != nil {
		return fmt.Errorf("sluice: report: chart %s: %w", path, err)
	}
	p.Add(eb)
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, max(top*1.15, 1e-6)
	wt, err := p.WriterTo(6*vg.Inch, 3.5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("sluice: report: chart %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".chart-*.png")
	if err != nil {
		return fmt.Errorf("sluice: report: chart %s: %w", path, err)
	}
	_, err = wt.WriteTo(f)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("sluice: report: chart %s: %w", path, err)
	}
	return nil
}
