// Monte Carlo pi: the second case of the seed's Ray Core tasks chapter.
// Scatter points at random in the 2x2 square around the unit circle; the
// share that falls inside tends to pi/4. One sampling task per CPU core, each
// of 10,000,000 points, run first in a serial loop and then as parallel tasks.
//
//	go run ./examples/montecarlopi [-samples 10000000] [-tasks <cores>] [-seed 0] [-out .]
//
// Each task prints its count as it finishes (the seed's "Task id: 1 | Samples
// in the circle: 7853098"); then each run prints its estimate and time, and
// the program prints the speed-up and writes serial-vs-parallel.png into -out.
//
// Each task draws from its own generator, seeded from -seed and the task id,
// so the tasks share no lock and the parallel run repeats the serial run's
// counts exactly: the speed-up compares the same work.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/sluicedata/sluice/examples/internal/chart"
	"github.com/sluicedata/sluice/exec"
)

// numSamplesPerTask is the seed's NUM_SAMPLES_PER_TASK.
const numSamplesPerTask = 10_000_000

// samplingTask is the seed's sampling_task: it scatters numSamples points
// uniformly in [-1, 1] x [-1, 1] and returns how many fall in the unit
// circle. When verbose is not nil it prints the count there.
func samplingTask(numSamples, taskID int, rng *rand.Rand, verbose io.Writer) int {
	numInside := 0
	for range numSamples {
		x, y := uniform(rng, -1, 1), uniform(rng, -1, 1)
		// The point is in the circle.
		if math.Hypot(x, y) <= 1 {
			numInside++
		}
	}
	if verbose != nil {
		fmt.Fprintf(verbose, "Task id: %d | Samples in the circle: %d\n", taskID, numInside)
	}
	return numInside
}

// uniform is Python's random.uniform(a, b).
func uniform(rng *rand.Rand, a, b float64) float64 {
	return a + (b-a)*rng.Float64()
}

// taskRand is task taskID's generator: the same in both runs.
func taskRand(seed uint64, taskID int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(taskID)))
}

// calculatePi is the seed's calculate_pi.
func calculatePi(results []int, totalNumSamples int) float64 {
	totalNumInside := 0
	for _, r := range results {
		totalNumInside += r
	}
	return float64(totalNumInside*4) / float64(totalNumSamples)
}

type config struct {
	samples int    // per task: NUM_SAMPLES_PER_TASK
	tasks   int    // NUM_SAMPLING_TASKS, os.cpu_count() in the seed
	seed    uint64 // 0: a random seed
	out     string // directory for the chart
}

type result struct {
	serial, parallel     []int // points inside, per task
	piSerial, piParallel float64
	timing               chart.Workload
	chartPath            string
}

// runSerial is the seed's run_serial: the tasks one after the other.
func runSerial(cfg config, w io.Writer) []int {
	var results []int
	for i := range cfg.tasks {
		results = append(results, samplingTask(cfg.samples, i+1, taskRand(cfg.seed, i+1), w))
	}
	return results
}

// runDistributed is the seed's run_disributed: one task each, gathered in
// task order with GetAll (ray.get on the list of futures).
func runDistributed(ctx context.Context, rt *exec.Runtime, cfg config, w io.Writer) ([]int, error) {
	var futures []*exec.Future[int]
	for i := range cfg.tasks {
		futures = append(futures, exec.Go(ctx, rt, func(context.Context) (int, error) {
			return samplingTask(cfg.samples, i+1, taskRand(cfg.seed, i+1), w), nil
		}, exec.Name(fmt.Sprintf("sampling task %d", i+1))))
	}
	return exec.GetAll(ctx, futures)
}

func run(ctx context.Context, cfg config, w io.Writer) (result, error) {
	if cfg.samples < 1 {
		return result{}, fmt.Errorf("sluice: montecarlopi: -samples %d: want 1 or more", cfg.samples)
	}
	if cfg.tasks < 1 {
		return result{}, fmt.Errorf("sluice: montecarlopi: -tasks %d: want 1 or more", cfg.tasks)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return result{}, fmt.Errorf("sluice: montecarlopi: -out %s: %w", cfg.out, err)
	}
	if cfg.seed == 0 {
		cfg.seed = rand.Uint64()
	}
	// The runtime starts before the clock, as ray.init() does in the seed.
	rt, err := exec.New(exec.Options{})
	if err != nil {
		return result{}, err
	}
	defer rt.Close()
	total := cfg.tasks * cfg.samples
	// Tasks print from their own goroutines: one line per Fprintf, whole.
	tasksOut := &lockedWriter{w: w}
	fmt.Fprintf(w, "%d tasks of %d samples, %g CPU slots, seed %d\n", cfg.tasks, cfg.samples, rt.Options().CPUs, cfg.seed)

	res := result{timing: chart.Workload{Name: "pi"}}
	start := time.Now()
	res.serial = runSerial(cfg, tasksOut)
	res.piSerial = calculatePi(res.serial, total)
	res.timing.Serial = time.Since(start)
	fmt.Fprintf(w, "Serial | estimated value of π is: %f, elapsed: %.2f sec\n", res.piSerial, res.timing.Serial.Seconds())

	start = time.Now()
	res.parallel, err = runDistributed(ctx, rt, cfg, tasksOut)
	if err != nil {
		return result{}, err
	}
	res.piParallel = calculatePi(res.parallel, total)
	res.timing.Parallel = time.Since(start)
	fmt.Fprintf(w, "Parallel | estimated value of π is: %f, elapsed: %.2f sec\n", res.piParallel, res.timing.Parallel.Seconds())
	fmt.Fprintf(w, "Speed-up: %.2fx\n", res.timing.Speedup())

	res.chartPath = filepath.Join(cfg.out, chart.FileName)
	if err := chart.SerialVsParallel(res.chartPath, []chart.Workload{res.timing}); err != nil {
		return result{}, err
	}
	fmt.Fprintf(w, "Wrote %s\n", res.chartPath)
	return res, nil
}

// lockedWriter serializes writes from concurrent tasks.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func main() {
	var cfg config
	flag.IntVar(&cfg.samples, "samples", numSamplesPerTask, "points per task")
	flag.IntVar(&cfg.tasks, "tasks", runtime.NumCPU(), "sampling tasks (the seed uses one per CPU core)")
	flag.Uint64Var(&cfg.seed, "seed", 0, "random seed (0: a random one)")
	flag.StringVar(&cfg.out, "out", ".", "directory to write "+chart.FileName+" into")
	flag.Parse()
	if _, err := run(context.Background(), cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
