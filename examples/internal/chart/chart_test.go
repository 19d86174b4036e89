package chart

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSerialVsParallel(t *testing.T) {
	for _, tc := range []struct {
		name string
		ws   []Workload
	}{
		{"one workload", []Workload{{"pi", 2 * time.Second, time.Second}}},
		{"the seed's three", []Workload{{"fib", 14 * time.Second, 13 * time.Second}, {"pi", 51 * time.Second, 17 * time.Second}, {"img", 111 * time.Second, 92 * time.Second}}},
		{"zero times", []Workload{{"nothing", 0, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := SerialVsParallel(path, tc.ws); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("%s is not a PNG: %v", path, err)
			}
			if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
				t.Errorf("image is %v", b)
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 1 {
				t.Errorf("directory holds %v (%v), want only the chart", entries, err)
			}
		})
	}
}

func TestSerialVsParallelBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path string
		ws         []Workload
		want       string
	}{
		{"no workloads", filepath.Join(dir, "a.png"), nil, "no workloads"},
		{"negative time", filepath.Join(dir, "b.png"), []Workload{{"pi", -time.Second, time.Second}}, `workload "pi": negative time`},
		{"missing directory", filepath.Join(dir, "nope", "c.png"), []Workload{{"pi", time.Second, time.Second}}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := SerialVsParallel(tc.path, tc.ws)
			if err == nil || !strings.HasPrefix(err.Error(), "sluice: chart: "+tc.path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s and saying %q", err, tc.path, tc.want)
			}
			if _, err := os.Stat(tc.path); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failure", tc.path)
			}
		})
	}
}

func TestSpeedup(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    Workload
		want float64
	}{
		{"twice as fast", Workload{Serial: 2 * time.Second, Parallel: time.Second}, 2},
		{"zero parallel", Workload{Serial: time.Second}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.w.Speedup(); got != tc.want {
				t.Errorf("Speedup = %v, want %v", got, tc.want)
			}
		})
	}
}
