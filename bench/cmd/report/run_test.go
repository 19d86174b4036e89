package main

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestExecute(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		args    []string
		timeout time.Duration
		err     string
		rows    int64
	}{
		{"result line", []string{"sh", "-c", `echo noise; echo '{"system":"x","rows":7,"seconds":0.5,"checksum":{"a":1}}'`}, time.Minute, "", 7},
		{"spawn time passed", []string{"sh", "-c", `test -n "$BENCH_SPAWN_UNIX_NS" && echo '{"rows":1}'`}, time.Minute, "", 1},
		{"failure keeps stderr", []string{"sh", "-c", "echo boom >&2; exit 3"}, time.Minute, "exit status 3: boom", 0},
		{"no result line", []string{"sh", "-c", "echo hello"}, time.Minute, "no result line", 0},
		{"missing program", []string{"/nonexistent/sluice-peer"}, time.Minute, "no such file", 0},
		{"timeout kills the group", []string{"sh", "-c", "sleep 30 & sleep 30"}, 300 * time.Millisecond, "killed", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := execute(context.Background(), c.args, dir, filepath.Join(dir, "log"), c.timeout, false)
			if c.err == "" && r.Error != "" || c.err != "" && !strings.Contains(r.Error, c.err) {
				t.Fatalf("error %q, want %q", r.Error, c.err)
			}
			if r.Result.Rows != c.rows {
				t.Errorf("rows %d, want %d", r.Result.Rows, c.rows)
			}
			if !strings.HasPrefix(r.Command, "BENCH_SPAWN_UNIX_NS=<spawn time> "+c.args[0]) {
				t.Errorf("command %q does not record the run", r.Command)
			}
			if c.err == "" && r.Wall <= 0 {
				t.Errorf("wall %v, want > 0", r.Wall)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"python", "a b.py", "it's", "--in", "/x"})
	if want := `python 'a b.py' 'it'\''s' --in /x`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSampleTreeSeesChildren(t *testing.T) {
	defer goleak.VerifyNone(t)
	// A shell with two children: the tree has at least three processes and some memory.
	r := execute(context.Background(), []string{"sh", "-c", `sleep 0.4 & sleep 0.4 & wait; echo '{"rows":1}'`}, t.TempDir(), filepath.Join(t.TempDir(), "log"), time.Minute, true)
	if r.Error != "" {
		t.Fatal(r.Error)
	}
	if r.Processes < 3 || r.PeakPSSMiB <= 0 || r.MaxRSSMiB <= 0 {
		t.Errorf("processes %d, peak %v MiB, maxrss %v MiB; want >= 3 and > 0", r.Processes, r.PeakPSSMiB, r.MaxRSSMiB)
	}
	if got := descendants(-5); got != nil {
		t.Errorf("descendants of a missing pid: %v, want none", got)
	}
	if got := pss(-5); got != 0 {
		t.Errorf("pss of a missing pid: %d, want 0", got)
	}
}

func TestDrawChart(t *testing.T) {
	dir := t.TempDir()
	rows := []row{
		{Metric: "T", Title: "time", Unit: "s", System: "sluice", Runs: 3, Median: 1, Min: 0.9, Max: 1.2},
		{Metric: "T", Title: "time", Unit: "s", System: "Ray Data", Runs: 3, Median: 8, Min: 7, Max: 9},
		{Metric: "T", Title: "time", Unit: "s", System: "Daft", Note: "not available"},
	}
	for _, c := range []struct {
		name string
		rows []row
		err  string
	}{
		{"bars", rows, ""},
		{"nothing to draw", rows[2:], "no figures"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".png")
			err := drawChart(path, c.rows)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
				t.Errorf("chart is %v", b)
			}
		})
	}
}

func TestRenderReadme(t *testing.T) {
	adv, slow := 8.0, 0.5
	rep := &report{
		Machine:  machine{CPU: "Test CPU", Cores: 2, MemoryGB: 24},
		Versions: map[string]string{"ray": "2.60.0", "go": "go1.26"},
		Missing:  map[string]string{"torch": "no module named torch"},
		Skipped:  map[string]string{"W1": "no corpus"},
		Rounds:   3,
		Workloads: []workloadReport{{ID: "W3", Title: "tables", Rows: []row{
			{Metric: "W3", Title: "W3 time", Unit: "s", System: "sluice", Runs: 3, Median: 1, Min: 1, Max: 1.5, Noisy: true},
			{Metric: "W3", Title: "W3 time", Unit: "s", System: "Ray Data", Runs: 3, Median: 8, Min: 8, Max: 8, Advantage: &adv},
			{Metric: "W6", Title: "W6 first", Unit: "s", System: "sluice", Runs: 3, Median: 1, Min: 1, Max: 1},
			{Metric: "W6", Title: "W6 first", Unit: "s", System: "Ray Data", Runs: 3, Median: 2, Min: 2, Max: 2, Advantage: &slow},
			{Metric: "W3", Title: "W3 time", Unit: "s", System: "Daft", Note: "outputs differ (rows 1, sluice 2): no ratio"},
		}}},
	}
	got := renderReadme(rep, []string{"chart-w3.png"}, "results", "Where the time goes.")
	for _, want := range []string{
		"Test CPU, 2 cores",
		"go go1.26, ray 2.60.0",
		"- torch: `no module named torch`",
		"| W3 time | sluice | 1 s | 1 s | 1.5 s | 1 (base) | ⚠ spread 50% |",
		"| W3 time | Ray Data | 8 s | 8 s | 8 s | 8.00× |  |",
		"| W3 time | Daft | – | – | – | – | outputs differ (rows 1, sluice 2): no ratio |",
		"- W1: no corpus",
		"W6 first: sluice 1 s against Ray Data 2 s: sluice behind by 2.00×",
		"![chart-w3](results/chart-w3.png)",
		"## Analysis\n\nWhere the time goes.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}

func TestRerender(t *testing.T) {
	dir := t.TempDir()
	adv := 3.0
	rep := report{Machine: machine{CPU: "Test CPU", Cores: 2}, Rounds: 3, Workloads: []workloadReport{{ID: "W3", Title: "tables", Rows: []row{
		{Metric: "W3", Title: "W3 time", Unit: "s", System: "sluice", Runs: 3, Median: 1, Min: 1, Max: 1},
		{Metric: "W3", Title: "W3 time", Unit: "s", System: "Ray Data", Runs: 3, Median: 3, Min: 3, Max: 3, Advantage: &adv},
	}}}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		write bool
		notes string
		err   string
	}{
		{"no results.json", false, "", "-render"},
		{"notes quoted", true, "Why W3 is fast.", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.write {
				if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "notes.md"), []byte(c.notes), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			readme := filepath.Join(dir, "README.md")
			err := rerender(options{results: dir, readme: readme})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(readme)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"| W3 time | Ray Data | 3 s | 3 s | 3 s | 3.00× |  |", c.notes, "chart-w3.png"} {
				if !strings.Contains(string(got), want) {
					t.Errorf("README lacks %q", want)
				}
			}
		})
	}
	if n, ok := autogroupNice(); ok && (n < -20 || n > 19) {
		t.Errorf("autogroup nice %d out of range", n)
	}
}
