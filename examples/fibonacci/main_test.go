package main

import (
	"bytes"
	"context"
	"image/png"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestGenerateFibonacci(t *testing.T) {
	f100, _ := new(big.Int).SetString("354224848179261915075", 10)
	for _, tc := range []struct {
		name string
		n    int
		last *big.Int
	}{
		{"empty", 0, nil},
		{"F0", 1, big.NewInt(0)},
		{"F1", 2, big.NewInt(1)},
		{"F10", 11, big.NewInt(55)},
		{"F100 past 64 bits", 101, f100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := generateFibonacci(tc.n)
			if len(seq) != tc.n {
				t.Fatalf("len = %d, want %d", len(seq), tc.n)
			}
			if tc.last != nil && seq[len(seq)-1].Cmp(tc.last) != 0 {
				t.Errorf("F(%d) = %v, want %v", tc.n-1, seq[len(seq)-1], tc.last)
			}
		})
	}
}

// Every number of a longer sequence obeys F(2k) = F(k) * (2F(k+1) - F(k)),
// which does not use the recurrence the function is built on.
func TestGenerateFibonacciDoubling(t *testing.T) {
	seq := generateFibonacci(2001)
	for k := 1; 2*k < len(seq); k++ {
		want := new(big.Int).Lsh(seq[k+1], 1)
		want.Sub(want, seq[k]).Mul(want, seq[k])
		if seq[2*k].Cmp(want) != 0 {
			t.Fatalf("F(%d) = %v, want %v", 2*k, seq[2*k], want)
		}
	}
	if bits := seq[2000].BitLen(); bits != 1388 {
		t.Errorf("F(2000) has %d bits, want 1388", bits)
	}
}

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name     string
		n, tasks int
	}{
		{"two tasks", 3000, 2},
		{"more tasks than cores", 500, 5},
		{"empty sequences", 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "new", "dir")
			var stdout, bars bytes.Buffer
			res, err := run(context.Background(), config{n: tc.n, tasks: tc.tasks, out: out, bars: &bars}, &stdout)
			if err != nil {
				t.Fatal(err)
			}
			for name, lens := range map[string][]int{"serial": res.serial, "parallel": res.parallel} {
				if len(lens) != tc.tasks {
					t.Errorf("%s run made %d calls, want %d", name, len(lens), tc.tasks)
				}
				for i, l := range lens {
					if l != tc.n {
						t.Errorf("%s call %d returned length %d, want %d", name, i, l, tc.n)
					}
				}
			}
			if res.timing.Serial <= 0 || res.timing.Parallel <= 0 {
				t.Errorf("timings %+v", res.timing)
			}
			for _, want := range []string{"Serial | elapsed: ", "Parallel | elapsed: ", "Speed-up: ", "Wrote " + res.chartPath} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
			if bars.Len() != 0 {
				t.Errorf("progress bars drawn off a terminal: %q", bars.String())
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
		{"negative size", config{n: -1, tasks: 2, out: t.TempDir()}, "sluice: fibonacci: -n -1: "},
		{"no tasks", config{n: 10, tasks: 0, out: t.TempDir()}, "sluice: fibonacci: -tasks 0: "},
		{"out under a file", config{n: 10, tasks: 1, out: filepath.Join(file, "dir")}, "sluice: fibonacci: -out " + filepath.Join(file, "dir") + ": "},
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
