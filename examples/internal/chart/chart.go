// Package chart draws the seed's closing figure: serial against parallel
// time per workload, as grouped bars (the pandas df.plot(kind="bar") of Ray's
// task examples), with gonum.org/v1/plot.
package chart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// FileName is the chart's file name in every example's output directory.
const FileName = "serial-vs-parallel.png"

// Workload is one pair of bars: how long a workload took run serially and
// run as parallel tasks.
type Workload struct {
	Name             string
	Serial, Parallel time.Duration
}

// Speedup is Serial / Parallel, or 0 when Parallel is zero.
func (w Workload) Speedup() float64 {
	if w.Parallel <= 0 {
		return 0
	}
	return w.Serial.Seconds() / w.Parallel.Seconds()
}

// SerialVsParallel writes a PNG bar chart of ws to path: one group per
// workload, a "serial" and a "parallel" bar in seconds, the workload labelled
// with its speed-up. The file is written
// to a temporary name in path's directory and renamed, so a reader never sees
// half a PNG. It fails on an empty list, a negative time, or an unwritable
// directory, naming the path.
func SerialVsParallel(path string, ws []Workload) error {
	if len(ws) == 0 {
		return fmt.Errorf("sluice: chart: %s: no workloads", path)
	}
	serial := make(plotter.Values, len(ws))
	parallel := make(plotter.Values, len(ws))
	names := make([]string, len(ws))
	top := 0.0
	for i, w := range ws {
		if w.Serial < 0 || w.Parallel < 0 {
			return fmt.Errorf("sluice: chart: %s: workload %q: negative time (serial %v, parallel %v)", path, w.Name, w.Serial, w.Parallel)
		}
		serial[i], parallel[i] = w.Serial.Seconds(), w.Parallel.Seconds()
		names[i] = fmt.Sprintf("%s (%.2fx)", w.Name, w.Speedup())
		top = max(top, serial[i], parallel[i])
	}

	p := plot.New()
	p.Title.Text = "Serial vs parallel"
	p.X.Label.Text = "Workload"
	p.Y.Label.Text = "Time (sec)"
	width := vg.Points(24)
	bars := []struct {
		label  string
		values plotter.Values
	}{{"serial", serial}, {"parallel", parallel}}
	for i, b := range bars {
		bc, err := plotter.NewBarChart(b.values, width)
		if err != nil {
			return fmt.Errorf("sluice: chart: %s: %w", path, err)
		}
		bc.LineStyle.Width = 0
		bc.Color = plotutil.Color(i)
		bc.Offset = vg.Length(2*i-1) * width / 2
		p.Add(bc)
		p.Legend.Add(b.label, bc)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	// Headroom above the tallest bar keeps the legend off it.
	p.Y.Min, p.Y.Max = 0, max(top*1.25, 1e-3)

	wt, err := p.WriterTo(5*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("sluice: chart: %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".chart-*.png")
	if err != nil {
		return fmt.Errorf("sluice: chart: %s: %w", path, err)
	}
	_, err = wt.WriteTo(f)
	err = errors.Join(err, f.Chmod(0o644), f.Close()) // CreateTemp makes it 0600
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("sluice: chart: %s: %w", path, err)
	}
	return nil
}
