package streaming

import (
	"bytes"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
)

// The Go memory limit of a run. Blocks live on the Go heap (with the default allocator), and
// the garbage collector lets the heap grow to about twice its live size between collections,
// so a run that holds its budget of Arrow bytes could still take two to four times that in
// resident memory. Unless the user has set a limit (GOMEMLIMIT, or runtime/debug.SetMemoryLimit
// before the first run), a run sets the Go memory limit to twice its budget for its duration, summed over the runs going on at once, and puts the limit back when the last
// ends. BenchmarkRandomShuffle measures the effect.

var memLimit struct {
	sync.Mutex
	active   int64 // sum of the limits wanted by the runs going on
	runs     int
	previous int64 // the limit before the first of them
	userSet  bool  // decided at the first run: the process had a limit of its own
	checked  bool
}

// memoryLimitFor is what a run with this budget adds to the Go memory limit.
func memoryLimitFor(budget int64) int64 { return 2 * budget }

// holdMemoryLimit raises the Go memory limit for a run and returns the function that ends it.
func holdMemoryLimit(opts Options) func() {
	if opts.NoMemoryLimit {
		return func() {}
	}
	want := memoryLimitFor(opts.MemoryBudget)
	memLimit.Lock()
	defer memLimit.Unlock()
	if !memLimit.checked {
		memLimit.checked = true
		memLimit.userSet = os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64
	}
	if memLimit.userSet {
		return func() {}
	}
	if memLimit.runs == 0 {
		memLimit.previous = debug.SetMemoryLimit(-1)
	}
	memLimit.runs++
	memLimit.active += want
	debug.SetMemoryLimit(memLimit.active)
	return func() {
		memLimit.Lock()
		defer memLimit.Unlock()
		memLimit.runs--
		memLimit.active -= want
		if memLimit.runs == 0 {
			debug.SetMemoryLimit(memLimit.previous)
		} else {
			debug.SetMemoryLimit(memLimit.active)
		}
	}
}

// residentBytes is the process's resident set size now, from /proc/self/statm (0 where there
// is none).
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
