package data

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/streaming"
)

// Context holds the engine-wide settings of a run (Ray's DataContext). The zero value is
// usable: unset fields take the defaults documented on each.
type Context struct {
	// CPUs is the number of task slots (default GOMAXPROCS).
	CPUs int
	// MemoryBudget is the number of bytes of blocks the executor keeps live at most, outside
	// what the consumer holds (default a quarter of physical memory). It counts Arrow bytes.
	// With the default Go allocator those live on the Go heap, which the garbage collector
	// lets grow to two or more times its live size between collections, so a run holds the
	// Go memory limit at twice its budget (see NoMemoryLimit). BenchmarkRandomShuffle, 64 MiB
	// budget, 256 MiB shuffled: 180-188 MiB peak resident with it, 308-322 MiB without.
	MemoryBudget int64
	// TargetMaxBlockSize splits blocks larger than this (default 128 MiB, like Ray).
	TargetMaxBlockSize int64
	// TargetMinBlockSize coalesces a task's blocks smaller than this (default 256 KiB).
	TargetMinBlockSize int64
	// Allocator allocates every block (default memory.DefaultAllocator). Tests pass a
	// memory.CheckedAllocator here.
	Allocator memory.Allocator
	// MaxErroredBlocks is how many failures a run tolerates, skipping their inputs and
	// listing them in Stats (Ray's max_errored_blocks; default 0, -1 for any number). With
	// OnError set to skip or dead-letter, 0 means any number.
	MaxErroredBlocks int
	// OnError is what a run does with a failed input or row: fail (the default), skip it, or
	// skip it and keep it in DeadLetter (see OnError's values).
	OnError OnError
	// DeadLetter is the directory (or storage URL) where DeadLetterOnError writes failures.
	DeadLetter string
	// Unordered lets blocks overtake each other for throughput (default: input order).
	Unordered bool
	// NoProgress turns off the progress bars a run draws on stderr when it is a terminal.
	NoProgress bool
	// SpillDir is where exchanges (group-by, join, sort, shuffles) spill what does not fit in
	// their share of the budget (default os.TempDir()). Each run makes its own directory there
	// and removes it when the run ends: on success, failure and cancellation alike.
	SpillDir string
	// NoMemoryLimit leaves the Go memory limit alone. By default a run holds the Go memory limit
	// at twice its budget (summed over runs at once) unless the process set one
	// itself (GOMEMLIMIT or runtime/debug.SetMemoryLimit), so that resident memory stays near
	// the budget; Stats.PeakResident reports what it was.
	NoMemoryLimit bool
	// Backend, if set, runs the plans of this Context instead of the local streaming executor
	// (see Backend; the Apache Beam backend is package streaming/beam, a module of its own).
	Backend Backend
}

var (
	defaultMu  sync.Mutex
	defaultCtx = &Context{}
)

// DefaultContext returns the Context used by Datasets that were not given one. Changing its
// fields changes later runs (like Ray's DataContext.get_current()).
func DefaultContext() *Context {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultCtx
}

// tolerant says whether runs skip failures (and so row functions may drop rows).
func (c *Context) tolerant() bool { return c.OnError != FailOnError || c.MaxErroredBlocks != 0 }

// executorOptions turns the context into the executor's options with a fresh counting
// allocator for the run.
func (c *Context) executorOptions() streaming.Options {
	o := streaming.Options{
		CPUs:                c.CPUs,
		MemoryBudget:        c.MemoryBudget,
		TargetMaxBlockBytes: c.TargetMaxBlockSize,
		TargetMinBlockBytes: c.TargetMinBlockSize,
		Unordered:           c.Unordered,
		MaxErroredBlocks:    c.MaxErroredBlocks,
		SpillDir:            c.SpillDir,
		NoMemoryLimit:       c.NoMemoryLimit,
	}
	if o.CPUs <= 0 {
		o.CPUs = runtime.GOMAXPROCS(0)
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = physicalMemory() / 4
	}
	if c.OnError != FailOnError && o.MaxErroredBlocks == 0 {
		o.MaxErroredBlocks = -1
	}
	o.Mem = streaming.NewCountingAllocator(c.allocator())
	o.EnsureDefaults()
	return o
}

func (c *Context) allocator() memory.Allocator {
	if c.Allocator == nil {
		return memory.DefaultAllocator
	}
	return c.Allocator
}

// physicalMemory reads MemTotal from /proc/meminfo (4 GiB when it cannot).
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 4 << 30
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 4 << 30
}
