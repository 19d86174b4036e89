package main

import (
	"fmt"
	"sort"
	"strings"
)

// renderReadme renders bench/README.md from a report. Every figure in it comes from rep
// (results.json); notes is bench/results/notes.md, the hand-written analysis, quoted as is.
func renderReadme(rep *report, charts []string, results, notes string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# sluice benchmarks\n\n")
	p("Two kinds live here. `bench/*_test.go` are Go micro-benchmarks of single parts " +
		"(`go test -run '^$' -bench . ./bench/`). The side-by-side report below runs the same work " +
		"with sluice and with its peers on the same machine and the same files.\n\n")
	p("This file is written by `go run ./bench/cmd/report`; do not edit it by hand " +
		"(the analysis at the end comes from `bench/results/notes.md`).\n\n")
	p("## Running it\n\n```sh\nbash bench/peers/install.sh     # venv at bench/peers/.venv: Ray Data, pyarrow, pandas, numpy, Pillow, torch, Daft, Polars, DuckDB (pinned)\n" +
		"sh bench/corpus/build.sh        # the W1/W4 and W2 image corpora (optional: those workloads are skipped without them)\n" +
		"sh scripts/install-libjpeg.sh   # optional: the sluice (libjpeg) rows\n" +
		"sh scripts/install-onnxruntime.sh   # W4's sluice rows (ONNX Runtime for -tags onnx)\n" +
		"go run ./bench/cmd/report       # -rounds 5, -only W1,W2,W3,W4,W5,W8-fib,W8-pi,R1,R2,R3,R4,E1 (the rest kept from results.json), -nice -10 on a shared machine (root)\n" +
		"go run ./bench/cmd/report -render   # redraw this file after editing bench/results/notes.md\n```\n\n")
	p("PyPI's Linux torch wheel is the CUDA build (the CPU index is not reachable here); it runs on the CPU " +
		"and makes the venv about 6 GB. Daft 0.7.26 needs pyarrow < 26, so it has its own venv in `.venv/daft`. " +
		"W4's Ray row needs `onnxruntime` in the venv (the same 1.30.0 as the sluice side's library: " +
		"`bench/peers/.venv/bin/python -m pip install onnxruntime==1.30.0`). " +
		"A peer that fails to install or import is listed below with its error and its rows say so.\n\n")
	p("The report builds `bench/cmd/workloads` (the sluice side), generates the inputs " +
		"deterministically into `bench/data/tables` (W3: 1,000,000 rows of id int64, x, y float64 and a " +
		"float32[32] tensor in 16 Parquet files; W5: 262,144 rows of a label and a float32[256] tensor, 256 MiB, " +
		"in 8 files; W1 and W4 read the 1,000 ImageNet-like JPEGs of bench/corpus, W2 its 40 photos of 4000x3000; " +
		"W4 classifies with `testdata/models/tiny_cnn.onnx`), then runs each system once per round in turn (A B C A B C ...). The peers' programs are in " +
		"`bench/peers/workloads.py`, written as each system's documentation writes them.\n\n")
	p("The relational and expression workloads (R1-R4 of issue 13, E1 of issue 14) read inputs that " +
		"`workloads gen-rel` writes into `bench/data/tables` (1.5 GB of Parquet in 16 files each: a TPC-H " +
		"lineitem-like table of 6M rows for R1 and E1, 10M orders and 1M customers for R2, 10M rows with a " +
		"unique int64 key for R3, 16M rows with 4M keys for R4). sluice runs them in `bench/cmd/workloads` " +
		"(`relational.go`); Ray Data 2.60 (its expressions, `groupby().aggregate`, `join`, `sort`), Daft, " +
		"Polars (lazy, default engine; streaming on R4), DuckDB (SQL over `read_parquet`) and, on E1, " +
		"pyarrow.dataset run the same query in `bench/peers/relational.py`. Every engine's result is folded " +
		"into the same checksums: every cell of Q1's four rows; the row count and column sums of the join " +
		"plus a sum over rows of (o_orderkey mod 1000) x c_nationkey, which only agrees when every order met " +
		"its own customer; for the sort, a position-weighted sum of the payload and the count of descending " +
		"steps (0), so the order is compared row for row; group sums and counts for R4; sums for E1. Integer " +
		"sums are exact; float sums agree to a relative 1e-9 (each engine adds in its own order). Work time " +
		"ends with the result in the process as Arrow (Ray: its blocks fetched from the object store); the " +
		"sluice side's clock also covers folding its output into the checksums, the peers' does not. *CPU " +
		"time* is user + system time of the whole process tree.\n\n")
	p("Honesty checks: every run's output is compared with sluice's (row counts and column sums; W3's " +
		"written files are read back by one checker, `bench/peers/check.py`, for every system) and a row whose " +
		"outputs differ gets no ratio; rows whose max exceeds their min by more than 25%% are marked ⚠; " +
		"`results.json` holds every run's exact command, its log is in `bench/results/logs/`.\n\n")
	p("Metrics: *work time* is measured inside the process from the consuming call to its end (Ray's " +
		"`ray.init()` is outside it, as the runtime start is for sluice); *whole process* is spawn to exit. " +
		"*Peak memory* is the largest sum of PSS over the process and all its descendants (Ray's GCS, raylet and " +
		"workers included; shared pages split, not double counted), sampled every 100 ms on W1 and W3. " +
		"*sluice advantage* is how many times better sluice's median is (time and memory: theirs ÷ ours; " +
		"throughput: ours ÷ theirs); above 1 means sluice is ahead.\n\n")

	p("## Machine and versions\n\n")
	m := rep.Machine
	p("%s, %d cores, %.1f GiB, Linux %s. Last run %s, %d rounds, at nice %d (the machine is shared with other work; "+
		"the spread columns show how much that moved the figures; each workload below says when it ran).\n\n", m.CPU, m.Cores, m.MemoryGB, m.Kernel,
		rep.Started.Format("2006-01-02 15:04 UTC"), rep.Rounds, rep.Nice)
	var keys []string
	for k := range rep.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var vs []string
	for _, k := range keys {
		vs = append(vs, fmt.Sprintf("%s %s", k, rep.Versions[k]))
	}
	p("%s.\n\n", strings.Join(vs, ", "))
	if len(rep.Missing) > 0 {
		p("Peers that could not be installed or started:\n\n")
		for _, k := range sortedKeys(rep.Missing) {
			p("- %s: `%s`\n", k, rep.Missing[k])
		}
		p("\n")
	}

	p("## Results\n\n")
	for _, w := range rep.Workloads {
		p("### %s: %s\n\n", w.ID, w.Title)
		if !w.Started.IsZero() {
			p("Run %s, %d rounds, nice %d", w.Started.Format("2006-01-02 15:04 UTC"), w.Rounds, w.Nice)
			if w.Sluice != "" {
				p(", sluice %s", w.Sluice)
			}
			p(".\n\n")
		}
		p("| metric | system | median | min | max | sluice advantage | notes |\n|---|---|---:|---:|---:|---:|---|\n")
		for _, r := range w.Rows {
			p("| %s | %s | %s | %s | %s | %s | %s |\n", r.Title, r.System, fig(r, r.Median), fig(r, r.Min), fig(r, r.Max), advantage(r), rowNote(r))
		}
		p("\n")
	}
	if len(rep.Skipped) > 0 {
		p("Not run:\n\n")
		for _, k := range sortedKeys(rep.Skipped) {
			p("- %s: %s\n", k, rep.Skipped[k])
		}
		p("\n")
	}
	if behind := notAhead(rep); len(behind) > 0 {
		p("### Where sluice is not ahead of Ray Data\n\n")
		for _, s := range behind {
			p("- %s\n", s)
		}
		p("\n")
	}
	if len(charts) > 0 {
		p("### Charts\n\n")
		for _, c := range charts {
			p("![%s](%s/%s)\n", strings.TrimSuffix(c, ".png"), results, c)
		}
		p("\n")
	}
	if n := strings.TrimSpace(notes); n != "" {
		p("## Analysis\n\n%s\n", n)
	}
	return b.String()
}

func fig(r row, v float64) string {
	if r.Runs == 0 {
		return "–"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, r.Unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, r.Unit)
	default:
		return fmt.Sprintf("%.3g %s", v, r.Unit)
	}
}

func advantage(r row) string {
	if r.System == "sluice" {
		return "1 (base)"
	}
	if r.Advantage == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f×", *r.Advantage)
}

func rowNote(r row) string {
	var n []string
	if r.Noisy {
		n = append(n, fmt.Sprintf("⚠ spread %.0f%%", 100*(r.Max-r.Min)/r.Min))
	}
	if r.Note != "" {
		n = append(n, strings.ReplaceAll(r.Note, "|", "/"))
	}
	return strings.Join(n, "; ")
}

// notAhead lists the Ray rows where sluice's median is not better.
func notAhead(rep *report) []string {
	var out []string
	for _, w := range rep.Workloads {
		for _, r := range w.Rows {
			if !strings.HasPrefix(r.System, "Ray") || r.Advantage == nil || *r.Advantage > 1 {
				continue
			}
			var ours float64
			for _, b := range w.Rows {
				if b.Metric == r.Metric && b.System == "sluice" {
					ours = b.Median
				}
			}
			out = append(out, fmt.Sprintf("%s: sluice %s against %s %s: sluice behind by %.2f×", r.Title, fig(r, ours), r.System, fig(r, r.Median), 1 / *r.Advantage))
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
