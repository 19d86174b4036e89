package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestSamplingTask(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples int
		seed    uint64
	}{
		{"one sample", 1, 1},
		{"small", 1000, 2},
		{"larger", 100_000, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			got := samplingTask(tc.samples, 4, taskRand(tc.seed, 4), &out)
			if got < 0 || got > tc.samples {
				t.Fatalf("%d of %d samples inside", got, tc.samples)
			}
			if again := samplingTask(tc.samples, 4, taskRand(tc.seed, 4), nil); again != got {
				t.Errorf("same seed and task: %d then %d", got, again)
			}
			if want := fmt.Sprintf("Task id: 4 | Samples in the circle: %d\n", got); out.String() != want {
				t.Errorf("printed %q, want %q", out.String(), want)
			}
			if tc.samples >= 100_000 {
				// pi/4 of the points, within 5 standard deviations.
				p := math.Pi / 4
				sd := math.Sqrt(p * (1 - p) * float64(tc.samples))
				if d := math.Abs(float64(got) - p*float64(tc.samples)); d > 5*sd {
					t.Errorf("%d inside of %d: %.0f from the expected count", got, tc.samples, d)
				}
			}
		})
	}
}

func TestCalculatePi(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []int
		total   int
		want    float64
	}{
		{"seed's first run", []int{7853098, 7854985, 7853756, 7851068, 7851407, 7852987, 7855916, 7852873}, 80_000_000, 3.1413045},
		{"all inside", []int{5, 5}, 10, 4},
		{"none inside", []int{0}, 7, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := calculatePi(tc.results, tc.total); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name           string
		samples, tasks int
	}{
		{"two tasks", 200_000, 2},
		{"more tasks than cores", 100_000, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "charts")
			var stdout bytes.Buffer
			res, err := run(context.Background(), config{samples: tc.samples, tasks: tc.tasks, seed: 7, out: out}, &stdout)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.serial) != tc.tasks || fmt.Sprint(res.serial) != fmt.Sprint(res.parallel) {
				t.Errorf("per-task counts: serial %v, parallel %v; want %d equal counts", res.serial, res.parallel, tc.tasks)
			}
			for _, pi := range []float64{res.piSerial, res.piParallel} {
				if math.Abs(pi-math.Pi) > 0.015 {
					t.Errorf("estimate %v, want pi within 0.015", pi)
				}
			}
			text := stdout.String()
			for i, n := range res.serial {
				line := fmt.Sprintf("Task id: %d | Samples in the circle: %d\n", i+1, n)
				if c := strings.Count(text, line); c != 2 {
					t.Errorf("%q printed %d times, want once per run", line, c)
				}
			}
			for _, want := range []string{
				fmt.Sprintf("Serial | estimated value of π is: %f, elapsed: ", res.piSerial),
				fmt.Sprintf("Parallel | estimated value of π is: %f, elapsed: ", res.piParallel),
				"Speed-up: ",
				"Wrote " + res.chartPath,
			} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			checkPNG(t, filepath.Join(out, "serial-vs-parallel.png"))
		})
	}
}

func TestRunBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  config
		want string
	}{
		{"no samples", config{samples: 0, tasks: 2, out: t.TempDir()}, "sluice: montecarlopi: -samples 0: "},
		{"no tasks", config{samples: 10, tasks: -1, out: t.TempDir()}, "sluice: montecarlopi: -tasks -1: "},
		{"out under a file", config{samples: 10, tasks: 1, out: filepath.Join(file, "dir")}, "sluice: montecarlopi: -out " + filepath.Join(file, "dir") + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			_, err := run(context.Background(), tc.cfg, &stdout)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want an error starting %q", err, tc.want)
			}
		})
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Empty() {
		t.Errorf("%s: empty image", path)
	}
}
