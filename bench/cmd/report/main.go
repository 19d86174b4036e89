// Command report runs issue 8's side-by-side benchmarks: every workload of bench/cmd/workloads
// (sluice) next to its peers in bench/peers/workloads.py (Ray Data, Ray tasks, Daft, plain
// Python loops) and, for the relational and expression workloads R1-R4 and E1,
// bench/peers/relational.py (Ray Data, Daft, Polars, DuckDB, pyarrow.dataset), alternately
// (A B C A B C ...) for several rounds, checks that every system's output equals sluice's
// before trusting a time, and writes
//
//	bench/results/results.json   machine, versions, every run with its exact command
//	bench/results/*.png          one chart per metric (median, with min-max bars)
//	bench/README.md              the table (median, min, max, sluice's advantage)
//
// Run from the repository root after bash bench/peers/install.sh:
//
//	go run ./bench/cmd/report [-rounds 3] [-only W1,W2,W3,W4,W5,W8-fib,W8-pi,R1,R2,R3,R4,E1]
//
// With -only, the workloads not run are kept from the existing results.json, each with the
// time and rounds of its own run, so the README always has every row.
//
// A peer that is not installed or cannot start is listed with its error, not dropped. A ratio
// is printed only when the outputs agree; a row whose max exceeds its min by more than 25% is
// flagged.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// report is results.json.
type report struct {
	Started   time.Time         `json:"started"`
	Finished  time.Time         `json:"finished"`
	Machine   machine           `json:"machine"`
	Versions  map[string]string `json:"versions"`
	Missing   map[string]string `json:"unavailable,omitempty"`
	Rounds    int               `json:"rounds"`
	Nice      int               `json:"nice"`
	Workloads []workloadReport  `json:"workloads"`
	Skipped   map[string]string `json:"skipped,omitempty"`
}

type workloadReport struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Started, Rounds and Nice are this workload's own run (a report run with -only keeps
	// the other workloads of the previous results.json, run at other times).
	Started time.Time `json:"started"`
	Rounds  int       `json:"rounds"`
	Nice    int       `json:"nice"`
	Sluice  string    `json:"sluice"` // the commit measured
	Rows    []row     `json:"rows"`
	Runs    []run     `json:"runs"`
}

type options struct {
	rounds    int
	only      string
	results   string
	readme    string
	data      string
	venv      string
	images    string
	large     string
	model     string
	fibN      int
	piSamples int
	timeout   time.Duration
	nice      int
	render    bool
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per system (each round runs every system once)")
	flag.StringVar(&o.only, "only", "", "comma-separated workload IDs to run (W1,W2,W3,W4,W5,W8-fib,W8-pi,R1,R2,R3,R4,E1; default all); the others are kept from results.json")
	flag.StringVar(&o.results, "results", "bench/results", "directory for results.json and charts")
	flag.StringVar(&o.readme, "readme", "bench/README.md", "README to write")
	flag.StringVar(&o.data, "data", "bench/data/tables", "directory for the generated inputs")
	flag.StringVar(&o.images, "images", "bench/data/images/imagenet", "the ImageNet-like corpus for W1 (sh bench/corpus/build.sh)")
	flag.StringVar(&o.large, "large", "bench/data/images/large", "the large-photo corpus for W2 (sh bench/corpus/build.sh)")
	flag.StringVar(&o.model, "model", "testdata/models/tiny_cnn.onnx", "the ONNX classifier for W4")
	flag.StringVar(&o.venv, "venv", "bench/peers/.venv", "the peers' virtualenv (bench/peers/install.sh)")
	flag.IntVar(&o.fibN, "fib-n", 200_000, "W8 fib: sequence size (the seed's)")
	flag.IntVar(&o.piSamples, "pi-samples", 10_000_000, "W8 pi: samples per task (the seed's)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "limit for one run")
	flag.BoolVar(&o.render, "render", false, "only redraw the charts and README from the existing results.json (after editing notes.md)")
	flag.IntVar(&o.nice, "nice", 0, "scheduling priority for the report and every run (negative: ahead of other work on a shared machine; needs root)")
	flag.Parse()
	if err := runReport(context.Background(), o, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func runReport(ctx context.Context, o options, log io.Writer) error {
	if o.render {
		return rerender(o)
	}
	if o.rounds < 1 {
		return fmt.Errorf("sluice: report: -rounds %d: want 1 or more", o.rounds)
	}
	if o.nice != 0 {
		// Children inherit the priority, so every run gets the same.
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, 0, o.nice); err != nil {
			return fmt.Errorf("sluice: report: -nice %d: %w", o.nice, err)
		}
		// With the kernel's autogroup scheduling, nice only orders processes of one session;
		// the session's own weight against other sessions is set here (Linux only; best effort).
		// The group outlives the report (it is the caller's session), so its weight is restored.
		if old, ok := autogroupNice(); ok {
			if err := os.WriteFile("/proc/self/autogroup", []byte(strconv.Itoa(o.nice)), 0); err != nil {
				fmt.Fprintf(log, "report: -nice %d: autogroup not set: %v\n", o.nice, err)
			} else {
				defer os.WriteFile("/proc/self/autogroup", []byte(strconv.Itoa(old)), 0)
			}
		}
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(repo, "bench", "peers", "workloads.py")); err != nil {
		return fmt.Errorf("sluice: report: %s: run from the repository root (%w)", repo, err)
	}
	work, err := os.MkdirTemp("", "sluice-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	e := &env{
		repo:       repo,
		workloads:  filepath.Join(work, "workloads"),
		libjpeg:    filepath.Join(work, "workloads-libjpeg"),
		onnx:       filepath.Join(work, "workloads-onnx"),
		onnxJPEG:   filepath.Join(work, "workloads-onnx-libjpeg"),
		imagesDir:  abs(repo, o.images),
		largeDir:   abs(repo, o.large),
		model:      abs(repo, o.model),
		python:     abs(repo, filepath.Join(o.venv, "bin", "python")),
		daftPython: abs(repo, filepath.Join(o.venv, "daft", "bin", "python")),
		peersDir:   filepath.Join(repo, "bench", "peers"),
		tablesDir:  abs(repo, o.data),
		fibN:       o.fibN,
		piSamples:  o.piSamples,
		tasks:      runtime.NumCPU(),
	}
	rep := report{Started: time.Now().UTC(), Machine: describeMachine(), Rounds: o.rounds, Nice: o.nice,
		Versions: map[string]string{"go": runtime.Version()}, Missing: map[string]string{}, Skipped: map[string]string{}}
	rep.Versions["sluice"] = gitCommit(repo)

	fmt.Fprintln(log, "report: building bench/cmd/workloads")
	build := exec.CommandContext(ctx, "go", "build", "-o", e.workloads, "./bench/cmd/workloads")
	build.Stdout, build.Stderr = log, log
	if err := build.Run(); err != nil {
		return fmt.Errorf("sluice: report: go build ./bench/cmd/workloads: %w", err)
	}
	// The libjpeg build needs cgo and Debian's libjpeg62-turbo-dev (scripts/install-libjpeg.sh).
	lj := exec.CommandContext(ctx, "go", "build", "-tags", "libjpeg", "-o", e.libjpeg, "./bench/cmd/workloads")
	if out, err := lj.CombinedOutput(); err != nil {
		rep.Missing["libjpeg"] = fmt.Sprintf("go build -tags libjpeg ./bench/cmd/workloads: %v: %s", err, lastLine(string(out)))
	}
	// W4's builds need ONNX Runtime (scripts/install-onnxruntime.sh) at run time.
	for _, b := range []struct{ peer, tags, out string }{{"onnx", "onnx", e.onnx}, {"onnx-libjpeg", "onnx,libjpeg", e.onnxJPEG}} {
		if _, bad := rep.Missing["libjpeg"]; bad && b.peer == "onnx-libjpeg" {
			rep.Missing[b.peer] = "needs the libjpeg build"
			continue
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", b.tags, "-o", b.out, "./bench/cmd/workloads")
		if out, err := cmd.CombinedOutput(); err != nil {
			rep.Missing[b.peer] = fmt.Sprintf("go build -tags %s ./bench/cmd/workloads: %v: %s", b.tags, err, lastLine(string(out)))
		}
	}
	if _, err := os.Stat(e.model); err != nil {
		rep.Missing["onnx"] = fmt.Sprintf("W4 model: %v", err)
		rep.Missing["onnx-libjpeg"] = rep.Missing["onnx"]
	}
	probePeers(ctx, e, rep.Versions, rep.Missing)
	fmt.Fprintln(log, "report: generating inputs in", e.tablesDir)
	gen := exec.CommandContext(ctx, e.workloads, "gen", "-dir", e.tablesDir)
	gen.Stdout, gen.Stderr = log, log
	if err := gen.Run(); err != nil {
		return fmt.Errorf("sluice: report: generate %s: %w", e.tablesDir, err)
	}
	fmt.Fprintln(log, "report: generating the relational inputs in", e.tablesDir)
	genRel := exec.CommandContext(ctx, e.workloads, "gen-rel", "-dir", e.tablesDir)
	genRel.Stdout, genRel.Stderr = log, log
	if err := genRel.Run(); err != nil {
		return fmt.Errorf("sluice: report: generate %s: %w", e.tablesDir, err)
	}
	if n, _ := filepath.Glob(filepath.Join(e.imagesDir, "*.jpg")); len(n) == 0 {
		rep.Skipped["W1"] = e.imagesDir + " holds no JPEGs: build the corpus with sh bench/corpus/build.sh"
	}
	if n, _ := filepath.Glob(filepath.Join(e.largeDir, "*.jpg")); len(n) == 0 {
		rep.Skipped["W2"] = e.largeDir + " holds no JPEGs: build the corpus with sh bench/corpus/build.sh"
	}
	if _, skip := rep.Skipped["W1"]; skip {
		rep.Skipped["W4"] = rep.Skipped["W1"]
	}

	only := map[string]bool{}
	for _, id := range strings.Split(o.only, ",") {
		if id = strings.TrimSpace(id); id != "" {
			only[strings.ToUpper(id)] = true
		}
	}
	if err := os.MkdirAll(filepath.Join(abs(repo, o.results), "logs"), 0o755); err != nil {
		return err
	}
	for _, w := range plan(e) {
		if len(only) > 0 && !only[strings.ToUpper(w.ID)] {
			continue
		}
		if _, skip := rep.Skipped[w.ID]; skip {
			continue
		}
		started := time.Now().UTC()
		runs := runWorkload(ctx, e, w, o, work, rep.Missing, log)
		rep.Workloads = append(rep.Workloads, workloadReport{ID: w.ID, Title: w.Title, Started: started, Rounds: o.rounds, Nice: o.nice,
			Sluice: rep.Versions["sluice"], Rows: summarize(w, runs, rep.Missing), Runs: runs})
	}
	rep.Finished = time.Now().UTC()
	if len(only) > 0 {
		prev, err := readReport(filepath.Join(abs(repo, o.results), "results.json"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if prev != nil {
			mergeEarlier(&rep, prev, planOrder(plan(e)))
		}
	}
	return writeOutputs(&rep, abs(repo, o.results), abs(repo, o.readme))
}

// runWorkload runs every available system of w once per round, in plan order, and checks
// each output against sluice's first.
func runWorkload(ctx context.Context, e *env, w workload, o options, work string, missing map[string]string, log io.Writer) []run {
	var runs []run
	var ref *output
	for round := 1; round <= o.rounds; round++ {
		for _, s := range w.Systems {
			if _, ok := missing[s.Peer]; ok && s.Peer != "" {
				continue
			}
			out, _ := freshDir(work, "out")
			args := s.Args(e, out)
			logName := fmt.Sprintf("%s-%s-%d.log", w.ID, strings.ReplaceAll(strings.ToLower(s.Name), " ", "-"), round)
			logPath := filepath.Join(abs(e.repo, o.results), "logs", logName)
			r := execute(ctx, args, e.repo, logPath, o.timeout, w.SampleMemory)
			r.Workload, r.System, r.Round = w.ID, s.Name, round
			if r.Error == "" {
				if w.WritesParquet {
					got, err := checkParquet(ctx, e, out)
					if err != nil {
						r.Error = err.Error()
					}
					r.Output = got
				} else {
					r.Output = &output{Rows: r.Result.Rows, Checksum: r.Result.Checksum}
				}
			}
			if r.Error == "" {
				if ref == nil && s.Name == "sluice" {
					ref = r.Output
				}
				if ok, why := sameOutput(ref, r.Output, w.Tolerance); !ok {
					r.Mismatch = why
				}
			}
			os.RemoveAll(out)
			fmt.Fprintf(log, "report: %s round %d %-12s wall %6.2fs work %6.2fs peak %7.1f MiB %s%s\n",
				w.ID, round, s.Name, r.Wall, r.Result.Seconds, r.PeakPSSMiB, r.Error, r.Mismatch)
			runs = append(runs, r)
		}
	}
	return runs
}

// probePeers asks each peer environment for its versions; a peer that cannot be imported is
// recorded in missing with the error.
func probePeers(ctx context.Context, e *env, versions, missing map[string]string) {
	probes := []struct{ peer, python, code string }{
		{"base", e.python, "import numpy, pyarrow, pandas, PIL, sys; print('python', sys.version.split()[0]); print('numpy', numpy.__version__); print('pyarrow', pyarrow.__version__); print('pandas', pandas.__version__); print('pillow', PIL.__version__)"},
		{"ray", e.python, "import ray, ray.data; print('ray', ray.__version__)"},
		{"torch", e.python, "import torch, torchvision; print('torch', torch.__version__); print('torchvision', torchvision.__version__)"},
		{"ray-onnx", e.python, "import ray, onnxruntime; print('onnxruntime', onnxruntime.__version__)"},
		{"daft", e.daftPython, "import daft, pyarrow; print('daft', daft.__version__); print('daft-pyarrow', pyarrow.__version__)"},
		{"polars", e.python, "import polars; print('polars', polars.__version__)"},
		{"duckdb", e.python, "import duckdb; print('duckdb', duckdb.__version__)"},
	}
	for _, p := range probes {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		out, err := exec.CommandContext(ctx, p.python, "-c", p.code).CombinedOutput()
		cancel()
		if err != nil {
			msg := lastLine(string(out))
			missing[p.peer] = fmt.Sprintf("%s -c ...: %v %s (install with bash bench/peers/install.sh)", p.python, err, msg)
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if k, v, ok := strings.Cut(line, " "); ok {
				versions[k] = v
			}
		}
	}
}

// autogroupNice reads the nice value of this process's scheduling autogroup
// ("/autogroup-23 nice 0").
func autogroupNice() (int, bool) {
	b, err := os.ReadFile("/proc/self/autogroup")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[1] != "nice" {
		return 0, false
	}
	n, err := strconv.Atoi(f[2])
	return n, err == nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func abs(repo, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(repo, p)
}

func gitCommit(repo string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	s := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", repo, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		s += " (with uncommitted changes)"
	}
	return s
}

// writeOutputs writes results.json, the charts and the README.
func writeOutputs(rep *report, results, readme string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(results, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var charts []string
	var errs []error
	for _, w := range rep.Workloads {
		seen := map[string]bool{}
		for _, r := range w.Rows {
			if seen[r.Metric] {
				continue
			}
			seen[r.Metric] = true
			name := "chart-" + strings.ToLower(r.Metric) + ".png"
			if err := drawChart(filepath.Join(results, name), metricRows(w.Rows, r.Metric)); err != nil {
				errs = append(errs, err)
				continue
			}
			charts = append(charts, name)
		}
	}
	slices.Sort(charts)
	notes, _ := os.ReadFile(filepath.Join(results, "notes.md"))
	relResults, err := filepath.Rel(filepath.Dir(readme), results)
	if err != nil {
		relResults = results
	}
	if err := os.WriteFile(readme, []byte(renderReadme(rep, charts, relResults, string(notes))), 0o644); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// rerender redraws the charts and the README from results.json.
func rerender(o options) error {
	rep, err := readReport(filepath.Join(o.results, "results.json"))
	if err != nil {
		return fmt.Errorf("sluice: report: -render: %w", err)
	}
	return writeOutputs(rep, o.results, o.readme)
}

// readReport reads a results.json; the error wraps os.ErrNotExist when there is none.
func readReport(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("sluice: report: %s: %w", path, err)
	}
	return &rep, nil
}

// mergeEarlier adds to rep the workloads of prev that rep did not run (a run with -only),
// each keeping the time, rounds and priority of its own run, and the versions rep did not
// probe. The workloads end in order (IDs not in order go last, as they came). A workload
// rep skipped but prev holds is no longer listed as skipped.
func mergeEarlier(rep, prev *report, order []string) {
	have := map[string]bool{}
	for _, w := range rep.Workloads {
		have[w.ID] = true
	}
	for _, w := range prev.Workloads {
		if have[w.ID] {
			continue
		}
		if w.Started.IsZero() {
			w.Started, w.Rounds, w.Nice, w.Sluice = prev.Started, prev.Rounds, prev.Nice, prev.Versions["sluice"]
		}
		rep.Workloads = append(rep.Workloads, w)
		delete(rep.Skipped, w.ID)
	}
	for k, v := range prev.Versions {
		if _, ok := rep.Versions[k]; !ok {
			rep.Versions[k] = v
		}
	}
	rank := func(id string) int {
		if i := slices.Index(order, id); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(rep.Workloads, func(a, b workloadReport) int { return rank(a.ID) - rank(b.ID) })
}

// planOrder is the workload IDs in plan order.
func planOrder(ws []workload) []string {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	return ids
}

func metricRows(rows []row, id string) []row {
	var out []row
	for _, r := range rows {
		if r.Metric == id {
			out = append(out, r)
		}
	}
	return out
}
