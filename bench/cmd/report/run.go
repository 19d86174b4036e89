package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is the JSON line a workload prints (bench/cmd/workloads and bench/peers/workloads.py).
type result struct {
	System              string             `json:"system"`
	Workload            string             `json:"workload"`
	Rows                int64              `json:"rows"`
	Checksum            map[string]float64 `json:"checksum"`
	Seconds             float64            `json:"seconds"`
	Bytes               int64              `json:"bytes,omitempty"`
	FirstBatch          float64            `json:"first_batch_s,omitempty"`
	FirstBatchFromStart float64            `json:"first_batch_from_start_s,omitempty"`
}

// output is what a run produced, compared across systems before any time is trusted.
type output struct {
	Rows     int64              `json:"rows"`
	Checksum map[string]float64 `json:"checksum"`
}

// run is one execution of one system on one workload.
type run struct {
	Workload string  `json:"workload"`
	System   string  `json:"system"`
	Round    int     `json:"round"`
	Command  string  `json:"command"`
	Error    string  `json:"error,omitempty"`
	Result   result  `json:"result"`
	Output   *output `json:"output,omitempty"`
	// Mismatch says how the output differs from sluice's, when it does.
	Mismatch string `json:"mismatch,omitempty"`
	// Wall is the process's life, spawn to exit, in seconds.
	Wall float64 `json:"wall_s"`
	// PeakPSSMiB is the peak of the summed proportional set size of the process and all its
	// descendants (Ray's raylet, GCS and workers included), sampled every 100 ms.
	PeakPSSMiB float64 `json:"peak_pss_mib"`
	// MaxRSSMiB is the kernel's peak RSS of the top process alone (getrusage).
	MaxRSSMiB float64 `json:"max_rss_mib"`
	// Processes is the largest number of processes in the tree at one sample.
	Processes int `json:"processes"`
	// CPUSeconds is the user + system time of the process tree: the larger of the kernel's
	// count for the process and the descendants it waited for (getrusage), and, on workloads
	// that sample memory, the sum over every process seen in the tree at its last sample
	// (Ray's raylet and workers are not waited for by the driver).
	CPUSeconds float64 `json:"cpu_s,omitempty"`
}

// shellQuote renders args as a command a person can paste.
func shellQuote(args []string) string {
	var parts []string
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\;&|<>()*?[]#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// execute runs args with BENCH_SPAWN_UNIX_NS set, samples the memory of its process tree,
// and parses the last JSON line of its stdout. stderr goes to logPath. A failed command
// returns a run with Error set (its last stderr lines), not an error.
func execute(ctx context.Context, args []string, dir, logPath string, timeout time.Duration, sample bool) run {
	r := run{Command: "BENCH_SPAWN_UNIX_NS=<spawn time> " + shellQuote(args)}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	logf, err := os.Create(logPath)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer logf.Close()
	cmd.Stderr = logf
	// Its own process group, so a timeout ends Ray's helpers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	spawn := time.Now()
	cmd.Env = append(os.Environ(), "BENCH_SPAWN_UNIX_NS="+strconv.FormatInt(spawn.UnixNano(), 10), "PYTHONUNBUFFERED=1")
	if err := cmd.Start(); err != nil {
		r.Error = err.Error()
		return r
	}
	stop := make(chan struct{})
	done := make(chan treePeak)
	go func() {
		if !sample {
			<-stop
			done <- treePeak{}
			return
		}
		done <- sampleTree(cmd.Process.Pid, 100*time.Millisecond, stop)
	}()
	waitErr := cmd.Wait()
	r.Wall = time.Since(spawn).Seconds()
	close(stop)
	peak := <-done
	r.PeakPSSMiB = float64(peak.pss) / (1 << 20)
	r.Processes = peak.procs
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSSMiB = float64(ru.Maxrss) / 1024
		r.CPUSeconds = timeval(ru.Utime) + timeval(ru.Stime)
	}
	r.CPUSeconds = max(r.CPUSeconds, peak.cpu)
	if waitErr != nil {
		r.Error = fmt.Sprintf("%v: %s", waitErr, tail(logPath, 6))
		return r
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), &r.Result); err != nil {
		r.Error = fmt.Sprintf("no result line (%v): %q", err, last)
	}
	return r
}

func timeval(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// tail returns the last n lines of a file, joined by " | ".
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// checkParquet runs check.py on a run's output directory.
func checkParquet(ctx context.Context, e *env, dir string) (*output, error) {
	cmd := exec.CommandContext(ctx, e.python, e.script("check.py"), dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sluice: report: check %s: %v: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var o output
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("sluice: report: check %s: %w", dir, err)
	}
	return &o, nil
}

// freshDir returns an empty directory for one run's output under base.
func freshDir(base, name string) (string, error) {
	d := filepath.Join(base, name)
	if err := os.RemoveAll(d); err != nil {
		return "", err
	}
	return d, nil
}
