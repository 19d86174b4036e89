// Fibonacci: the first case of the seed's Ray Core tasks chapter. Build a
// Fibonacci sequence of 200,000 numbers once per CPU core, first in a serial
// loop, then as one task per core, and compare the times.
//
//	go run ./examples/fibonacci [-n 200000] [-tasks <cores>] [-out .]
//
// The numbers are math/big integers, so the work is the seed's: Python adds
// arbitrary-precision integers, and F(199999) has 138,847 bits. Like the
// seed's list, the whole sequence is kept until the function returns (about
// 1.7 GiB per task at the default size), so the run measures memory traffic as
// much as additions; that is why the seed saw almost no speed-up (14.12 s
// serial against 13.88 s distributed on 8 cores).
//
// It prints both times and the speed-up, and writes serial-vs-parallel.png
// into -out.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/sluicedata/sluice/examples/internal/chart"
	"github.com/sluicedata/sluice/exec"
	"github.com/sluicedata/sluice/exec/progress"
)

// sequenceSize is the seed's SEQUENCE_SIZE.
const sequenceSize = 200_000

// generateFibonacci returns the first n Fibonacci numbers, F(0) = 0,
// F(1) = 1, F(i) = F(i-1) + F(i-2): the seed's generate_fibonacci, which
// appends each new number to a list (and returns the list's length).
func generateFibonacci(n int) []*big.Int {
	var fibonacci []*big.Int
	for i := range n {
		if i < 2 {
			fibonacci = append(fibonacci, big.NewInt(int64(i)))
			continue
		}
		fibonacci = append(fibonacci, new(big.Int).Add(fibonacci[i-1], fibonacci[i-2]))
	}
	return fibonacci
}

// fibonacciTask is generate_fibonacci_distributed: the same function as a
// task, returning the sequence's length as the seed's does.
func fibonacciTask(n int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		return len(generateFibonacci(n)), nil
	}
}

type config struct {
	n     int    // sequence size
	tasks int    // calls per run: os.cpu_count() in the seed
	out   string // directory for the chart
	bars  io.Writer
}

type result struct {
	serial, parallel []int // the lengths each run returned
	timing           chart.Workload
	chartPath        string
}

// runLocal is the seed's run_local: one call after the other.
func runLocal(cfg config) []int {
	bar := progress.NewBar("serial", cfg.tasks, progress.WithOutput(cfg.bars))
	defer bar.Close()
	var results []int
	for range cfg.tasks {
		results = append(results, len(generateFibonacci(cfg.n)))
		bar.Add(1)
	}
	return results
}

// runRemote is the seed's run_remote: one task per call, gathered with
// GetAll (ray.get on the list of futures).
func runRemote(ctx context.Context, rt *exec.Runtime, cfg config) ([]int, error) {
	var futures []*exec.Future[int]
	for i := range cfg.tasks {
		futures = append(futures, exec.Go(ctx, rt, fibonacciTask(cfg.n), exec.Name(fmt.Sprintf("fibonacci #%d", i+1))))
	}
	if err := progress.Futures(ctx, "parallel", futures, progress.WithOutput(cfg.bars)); err != nil {
		return nil, err
	}
	return exec.GetAll(ctx, futures)
}

func run(ctx context.Context, cfg config, w io.Writer) (result, error) {
	if cfg.n < 0 {
		return result{}, fmt.Errorf("sluice: fibonacci: -n %d: want a size of 0 or more", cfg.n)
	}
	if cfg.tasks < 1 {
		return result{}, fmt.Errorf("sluice: fibonacci: -tasks %d: want 1 or more", cfg.tasks)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return result{}, fmt.Errorf("sluice: fibonacci: -out %s: %w", cfg.out, err)
	}
	// The runtime starts before the clock, as ray.init() does in the seed.
	rt, err := exec.New(exec.Options{})
	if err != nil {
		return result{}, err
	}
	defer rt.Close()
	fmt.Fprintf(w, "Fibonacci sequence of %d numbers, %d calls, %g CPU slots\n", cfg.n, cfg.tasks, rt.Options().CPUs)

	res := result{timing: chart.Workload{Name: "fib"}}
	start := time.Now()
	res.serial = runLocal(cfg)
	res.timing.Serial = time.Since(start)
	fmt.Fprintf(w, "Serial | elapsed: %.2f sec\n", res.timing.Serial.Seconds())

	// Drop the serial run's garbage first, so that the parallel run does not
	// pay for collecting it.
	runtime.GC()
	start = time.Now()
	res.parallel, err = runRemote(ctx, rt, cfg)
	if err != nil {
		return result{}, err
	}
	res.timing.Parallel = time.Since(start)
	fmt.Fprintf(w, "Parallel | elapsed: %.2f sec\n", res.timing.Parallel.Seconds())
	fmt.Fprintf(w, "Speed-up: %.2fx\n", res.timing.Speedup())

	res.chartPath = filepath.Join(cfg.out, chart.FileName)
	if err := chart.SerialVsParallel(res.chartPath, []chart.Workload{res.timing}); err != nil {
		return result{}, err
	}
	fmt.Fprintf(w, "Wrote %s\n", res.chartPath)
	return res, nil
}

func main() {
	cfg := config{bars: os.Stderr}
	flag.IntVar(&cfg.n, "n", sequenceSize, "numbers in each Fibonacci sequence")
	flag.IntVar(&cfg.tasks, "tasks", runtime.NumCPU(), "calls per run (the seed uses one per CPU core)")
	flag.StringVar(&cfg.out, "out", ".", "directory to write "+chart.FileName+" into")
	flag.Parse()
	if _, err := run(context.Background(), cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
