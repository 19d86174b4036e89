// Command workloads runs one workload of the side-by-side benchmarks (issue 8) with sluice
// and prints its result as one JSON line on stdout: rows, checksums of the output, and the
// seconds the work took. bench/cmd/report runs it next to the Python peers in
// bench/peers/workloads.py, which print the same line, and compares the two.
//
//	workloads gen  -dir bench/data/tables             # the deterministic W3 and W5 inputs
//	workloads w3   -in DIR -out DIR                   # Parquet -> MapBatches -> Parquet
//	workloads w5   -in DIR                            # iterate with local shuffle, GB/s
//	workloads fib  -n 200000 -tasks 2 [-serial]       # seed 000 case 1
//	workloads pi   -samples 10000000 -tasks 2 [-serial] # seed 000 case 2
//	workloads w1   -in DIR                            # images: decode, resize 224, normalize
//	workloads w2   -in DIR [-serial]                  # seed 000 case 3 over large photos
//	workloads w4   -in DIR -model FILE.onnx           # batch inference on 2 actors (-tags onnx)
//	workloads gen-rel -dir bench/data/tables          # the R1-R4 and E1 inputs (1.5 GB of Parquet)
//	workloads r1   -in DIR                            # TPC-H Q1 over lineitem (6M rows)
//	workloads r2   -in DIR                            # inner join orders (10M) x customers (1M)
//	workloads r3   -in DIR                            # sort 10M rows by an int64 key
//	workloads r4   -in DIR                            # group-by of 512 MiB under a 64 MiB budget
//	workloads e1   -in DIR                            # filter + with_column + select over lineitem
//
// When the environment variable BENCH_SPAWN_UNIX_NS holds the Unix time (ns) at which the
// report started the process, time-to-first-batch is also given from process start.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
)

// result is the line every workload prints; the Python peers print the same fields.
type result struct {
	System   string             `json:"system"`
	Workload string             `json:"workload"`
	Rows     int64              `json:"rows"`
	Checksum map[string]float64 `json:"checksum"`
	// Seconds is the time of the work itself, from the consuming call to its end.
	Seconds float64 `json:"seconds"`
	// Bytes is the payload the work moved (W5: tensor and label bytes iterated).
	Bytes int64 `json:"bytes,omitempty"`
	// FirstBatch is the time from the consuming call to the first batch (W5, W1).
	FirstBatch float64 `json:"first_batch_s,omitempty"`
	// FirstBatchFromStart is the time from process start to the first batch.
	FirstBatchFromStart float64 `json:"first_batch_from_start_s,omitempty"`
}

// spawnTime is when the report started this process, or the zero time.
func spawnTime() time.Time {
	ns, err := strconv.ParseInt(os.Getenv("BENCH_SPAWN_UNIX_NS"), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, w io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("sluice: workloads: want a workload: gen, gen-rel, w1, w2, w3, w4, w5, fib, pi, r1, r2, r3, r4 or e1")
	}
	name := args[0]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	in := fs.String("in", "", "input directory")
	out := fs.String("out", "", "output directory")
	dir := fs.String("dir", "bench/data/tables", "gen: directory for the generated inputs")
	n := fs.Int("n", 200_000, "fib: sequence size")
	samples := fs.Int("samples", 10_000_000, "pi: samples per task")
	tasks := fs.Int("tasks", 2, "fib, pi: number of calls")
	serial := fs.Bool("serial", false, "fib, pi, w2: a plain loop instead of exec tasks")
	model := fs.String("model", "testdata/models/tiny_cnn.onnx", "w4: the ONNX classifier")
	scale := fs.Float64("scale", 1, "gen: fraction of the default sizes")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	unordered := fs.Bool("unordered", false, "w1, w3, w5: let blocks overtake each other (Context.Unordered; Ray Data's default)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("sluice: workloads: -cpuprofile %s: %w", *cpuProfile, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("sluice: workloads: -cpuprofile %s: %w", *cpuProfile, err)
		}
		defer pprof.StopCPUProfile()
	}
	start := spawnTime()
	dc := &data.Context{NoProgress: true, Unordered: *unordered}
	var (
		res result
		err error
	)
	switch name {
	case "gen":
		return generate(ctx, *dir, *scale, nil)
	case "gen-rel":
		return generateRelational(ctx, *dir, *scale, memory.NewGoAllocator())
	case "r1", "r2", "r3", "r4", "e1":
		res, err = relational(ctx, name, *in, dc)
	case "w3":
		res, err = tables(ctx, *in, *out, dc)
	case "w5":
		res, err = ingest(ctx, *in, start, dc)
	case "w1":
		res, err = images(ctx, *in, start, dc)
	case "w2":
		res, err = photos(ctx, *in, *serial)
	case "w4":
		res, err = inference(ctx, *in, *model, start, dc)
	case "fib":
		res, err = fib(ctx, *n, *tasks, *serial)
	case "pi":
		res, err = pi(ctx, *samples, *tasks, *serial)
	default:
		return fmt.Errorf("sluice: workloads: unknown workload %q", name)
	}
	if err != nil {
		return err
	}
	res.System, res.Workload = "sluice", name
	return json.NewEncoder(w).Encode(res)
}
