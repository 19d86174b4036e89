package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// treePeak is the largest memory a process tree held at one sample.
type treePeak struct {
	pss   int64 // bytes
	procs int
	// cpu is the CPU time (user + system) of every process seen in the tree, each at its
	// last sample: a process's last interval before it exits is missed.
	cpu float64 // seconds
}

// sampleTree samples root and its descendants every interval until stop is closed, and
// returns the peak of their summed PSS (proportional set size: shared pages, such as Ray's
// object store, are split between the processes that map them, so nothing is counted
// twice).
func sampleTree(root int, interval time.Duration, stop <-chan struct{}) treePeak {
	var peak treePeak
	cpu := map[int]float64{}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pids := descendants(root)
		var sum int64
		for _, pid := range pids {
			sum += pss(pid)
			if c, ok := cpuSeconds(pid); ok {
				cpu[pid] = c
			}
		}
		peak.pss = max(peak.pss, sum)
		peak.procs = max(peak.procs, len(pids))
		select {
		case <-stop:
			peak.cpu = 0
			for _, c := range cpu {
				peak.cpu += c
			}
			return peak
		case <-t.C:
		}
	}
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's times (100 on every
// Linux architecture Go supports).
const clockTicks = 100

// cpuSeconds reads a process's own user and system time from /proc/<pid>/stat (fields 14
// and 15; the fields after the command name start at field 3).
func cpuSeconds(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+s) / clockTicks, true
}

// descendants returns root and every process below it, from /proc.
func descendants(root int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(pid); ok {
			children[pp] = append(children[pp], pid)
		}
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(root)); err != nil {
		return nil
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// parentOf reads the parent pid from /proc/<pid>/stat (the field after the command name,
// which may itself hold spaces and parentheses).
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// pss is a process's proportional set size in bytes, 0 if it is gone.
func pss(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Pss:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
