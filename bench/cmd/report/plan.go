package main

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// env is where the pieces of a report run live.
type env struct {
	repo       string // repository root (the working directory)
	workloads  string // the built bench/cmd/workloads binary
	libjpeg    string // the same built with -tags libjpeg ("" when that build failed)
	onnx       string // the same built with -tags onnx (W4)
	onnxJPEG   string // the same built with -tags onnx,libjpeg (W4)
	imagesDir  string // the ImageNet-like corpus (bench/corpus)
	largeDir   string // the large-photo corpus (bench/corpus)
	model      string // the ONNX classifier of W4
	python     string // the peers' venv python (Ray, pyarrow, torch)
	daftPython string // Daft's own venv python
	peersDir   string // bench/peers
	tablesDir  string // generated W3/W5 inputs
	fibN       int
	piSamples  int
	tasks      int
}

func (e *env) script(name string) string { return filepath.Join(e.peersDir, name) }

// system is one contender in a workload: sluice or a peer.
type system struct {
	Name string // as shown in the table
	// Peer is the availability probe this system needs ("" for sluice: always there).
	Peer string
	// Args builds the command; out is a fresh output directory for workloads that write.
	Args func(e *env, out string) []string
}

// metric is one row kind of the table, read from a run.
type metric struct {
	ID, Title, Unit string
	HigherBetter    bool
	Value           func(r *run) (float64, bool)
}

// workload is one of issue 8's workloads with the systems that run it.
type workload struct {
	ID, Title string
	// WritesParquet: each run writes Parquet into out, checked by check.py for every system.
	WritesParquet bool
	// Tolerance is the absolute difference allowed between checksums (0: exact up to a
	// relative 1e-9). W1's decoders differ in the last bit of a few pixels.
	Tolerance float64
	// SampleMemory: the run's process tree is sampled for W7 (it costs some CPU, so only
	// workloads with a memory row pay it).
	SampleMemory bool
	Metrics      []metric
	Systems      []system
}

func seconds(r *run) (float64, bool) { return r.Result.Seconds, r.Result.Seconds > 0 }
func wall(r *run) (float64, bool)    { return r.Wall, r.Wall > 0 }
func peakMiB(r *run) (float64, bool) { return r.PeakPSSMiB, r.PeakPSSMiB > 0 }
func gbps(r *run) (float64, bool) {
	if r.Result.Seconds <= 0 || r.Result.Bytes <= 0 {
		return 0, false
	}
	return float64(r.Result.Bytes) / r.Result.Seconds / 1e9, true
}
func firstFromStart(r *run) (float64, bool) {
	return r.Result.FirstBatchFromStart, r.Result.FirstBatchFromStart > 0
}
func perSecond(r *run) (float64, bool) {
	if r.Result.Seconds <= 0 || r.Result.Rows <= 0 {
		return 0, false
	}
	return float64(r.Result.Rows) / r.Result.Seconds, true
}
func firstFromCall(r *run) (float64, bool) { return r.Result.FirstBatch, r.Result.FirstBatch > 0 }

func py(e *env, args ...string) []string {
	return append([]string{e.python, e.script("workloads.py")}, args...)
}

// plan is the benchmark: every workload, metric and system, in the order of the table.
func plan(e *env) []workload {
	tasks := strconv.Itoa(e.tasks)
	fibN, samples := strconv.Itoa(e.fibN), strconv.Itoa(e.piSamples)
	w3in, w5in := filepath.Join(e.tablesDir, "w3"), filepath.Join(e.tablesDir, "w5")
	return append([]workload{
		{
			ID: "W1", Title: "images: read 1,000 ImageNet-like JPEGs, resize 224, normalize, batches of 64", Tolerance: 1e-3, SampleMemory: true,
			Metrics: []metric{
				{"W1", "W1 images throughput", "images/s", true, perSecond},
				{"W1-wall", "W1 images, whole process", "s", false, wall},
				{"W6-img-start", "W6 first image batch from process start", "s", false, firstFromStart},
				{"W7-img", "W7 peak memory (PSS, process tree) on W1", "MiB", false, peakMiB},
			},
			Systems: []system{
				{"sluice", "", func(e *env, out string) []string { return []string{e.workloads, "w1", "-in", e.imagesDir} }},
				{"sluice (libjpeg)", "libjpeg", func(e *env, out string) []string { return []string{e.libjpeg, "w1", "-in", e.imagesDir} }},
				{"Ray Data", "ray", func(e *env, out string) []string { return py(e, "ray", "w1", "--in", e.imagesDir) }},
				{"DataLoader", "torch", func(e *env, out string) []string { return py(e, "torch", "w1", "--in", e.imagesDir) }},
				{"PIL loop", "base", func(e *env, out string) []string { return py(e, "loop", "w1", "--in", e.imagesDir) }},
			},
		},
		{
			ID: "W2", Title: "large photos: seed 000 case 3 (grayscale, 4 random 224 crops, TrivialAugmentWide, uint8 tensor math, thumbnail 64) over 40 photos of about 12 MP (bench/corpus large)",
			Metrics: []metric{
				{"W2", "W2 large photos, work time", "s", false, seconds},
				{"W2-wall", "W2 large photos, whole process", "s", false, wall},
			},
			Systems: []system{
				{"sluice", "", func(e *env, out string) []string { return []string{e.workloads, "w2", "-in", e.largeDir} }},
				{"sluice (libjpeg)", "libjpeg", func(e *env, out string) []string { return []string{e.libjpeg, "w2", "-in", e.largeDir} }},
				{"Ray tasks", "ray", func(e *env, out string) []string { return py(e, "ray", "w2", "--in", e.largeDir) }},
				{"Python loop", "torch", func(e *env, out string) []string { return py(e, "loop", "w2", "--in", e.largeDir) }},
			},
		},
		{
			ID: "W3", Title: "tables: Parquet (numeric + tensor) -> map_batches -> Parquet", WritesParquet: true, SampleMemory: true,
			Metrics: []metric{
				{"W3", "W3 tables, work time", "s", false, seconds},
				{"W3-wall", "W3 tables, whole process", "s", false, wall},
				{"W7", "W7 peak memory (PSS, process tree) on W3", "MiB", false, peakMiB},
			},
			Systems: []system{
				{"sluice", "", func(e *env, out string) []string { return []string{e.workloads, "w3", "-in", w3in, "-out", out} }},
				{"Ray Data", "ray", func(e *env, out string) []string { return py(e, "ray", "w3", "--in", w3in, "--out", out) }},
				{"Daft", "daft", func(e *env, out string) []string {
					return []string{e.daftPython, "-W", "ignore", e.script("workloads.py"), "daft", "w3", "--in", w3in, "--out", out}
				}},
				{"pyarrow loop", "base", func(e *env, out string) []string { return py(e, "loop", "w3", "--in", w3in, "--out", out) }},
			},
		},
		{
			// The pure-Go JPEG decoder differs from libjpeg-turbo in the last bit of some
			// pixels, which moves one image of 1,000 across a class boundary of this
			// random-weight model; the class counts may differ by that much.
			ID: "W4", Title: "batch inference: 1,000 ImageNet-like JPEGs, resize 224, normalize, ONNX tiny_cnn on a 2-actor pool, batches of 64", Tolerance: 2,
			Metrics: []metric{
				{"W4", "W4 inference throughput", "images/s", true, perSecond},
				{"W4-wall", "W4 inference, whole process", "s", false, wall},
			},
			Systems: []system{
				{"sluice", "onnx", func(e *env, out string) []string {
					return []string{e.onnx, "w4", "-in", e.imagesDir, "-model", e.model}
				}},
				{"sluice (libjpeg)", "onnx-libjpeg", func(e *env, out string) []string {
					return []string{e.onnxJPEG, "w4", "-in", e.imagesDir, "-model", e.model}
				}},
				{"Ray Data", "ray-onnx", func(e *env, out string) []string {
					return py(e, "ray", "w4", "--in", e.imagesDir, "--model", e.model)
				}},
			},
		},
		{
			ID: "W5", Title: "training ingest: iter_batches(256) with a 10,000-row local shuffle over float32[256] tensors",
			Metrics: []metric{
				{"W5", "W5 ingest throughput", "GB/s", true, gbps},
				{"W6-start", "W6 first batch from process start", "s", false, firstFromStart},
				{"W6-call", "W6 first batch from the consuming call", "s", false, firstFromCall},
			},
			Systems: []system{
				{"sluice", "", func(e *env, out string) []string { return []string{e.workloads, "w5", "-in", w5in} }},
				{"Ray Data", "ray", func(e *env, out string) []string { return py(e, "ray", "w5", "--in", w5in) }},
				{"DataLoader", "torch", func(e *env, out string) []string { return py(e, "torch", "w5", "--in", w5in) }},
				{"numpy loop", "base", func(e *env, out string) []string { return py(e, "loop", "w5", "--in", w5in) }},
			},
		},
		{
			ID: "W8-fib", Title: fmt.Sprintf("seed 000 case 1: Fibonacci sequence of %d, %s calls", e.fibN, tasks),
			Metrics: []metric{{"W8-fib", "W8 fib", "s", false, seconds}},
			Systems: []system{
				{"sluice", "", func(e *env, out string) []string { return []string{e.workloads, "fib", "-n", fibN, "-tasks", tasks} }},
				{"Go loop", "", func(e *env, out string) []string {
					return []string{e.workloads, "fib", "-n", fibN, "-tasks", tasks, "-serial"}
				}},
				{"Ray tasks", "ray", func(e *env, out string) []string { return py(e, "ray", "fib", "--n", fibN, "--tasks", tasks) }},
				{"Python loop", "base", func(e *env, out string) []string { return py(e, "loop", "fib", "--n", fibN, "--tasks", tasks) }},
			},
		},
		{
			ID: "W8-pi", Title: fmt.Sprintf("seed 000 case 2: Monte Carlo pi, %s tasks of %d samples", tasks, e.piSamples),
			Metrics: []metric{{"W8-pi", "W8 pi", "s", false, seconds}},
			Systems: []system{
				{"sluice", "", func(e *env, out string) []string {
					return []string{e.workloads, "pi", "-samples", samples, "-tasks", tasks}
				}},
				{"Go loop", "", func(e *env, out string) []string {
					return []string{e.workloads, "pi", "-samples", samples, "-tasks", tasks, "-serial"}
				}},
				{"Ray tasks", "ray", func(e *env, out string) []string {
					return py(e, "ray", "pi", "--samples", samples, "--tasks", tasks)
				}},
				{"Python loop", "base", func(e *env, out string) []string {
					return py(e, "loop", "pi", "--samples", samples, "--tasks", tasks)
				}},
			},
		},
	}, relationalPlan(e)...)
}
