package streaming

import (
	"fmt"
	"maps"
	"slices"

	"github.com/sluicedata/sluice/actorpool"
	"strings"
	"time"
)

// OpStats are one operator's figures for one run.
type OpStats struct {
	Name string
	// Tasks is the number of tasks launched; TasksSkipped those that failed and were tolerated
	// (Options.MaxErroredBlocks).
	Tasks, TasksSkipped int
	// Retries is how many times a failed task was run again (see RetryPolicy); RowsSkipped how
	// many rows its stages dropped as failed (TaskContext.RowFailed).
	Retries     int
	RowsSkipped int64
	// Counters are figures the operator's tasks reported (TaskContext.Count): what a read
	// pruned by pushdown, for example.
	Counters     map[string]int64
	OutputBlocks int
	OutputRows   int64
	OutputBytes  int64
	// TaskTime is the sum of the tasks' wall times (on one machine, close to CPU time for
	// CPU-bound stages); Wall runs from the first task's start to the last one's end.
	TaskTime, Wall time.Duration
	// Backpressure is the total time tasks spent paused because their output was not being
	// consumed fast enough, plus the time the operator had input but no memory to start a task.
	Backpressure time.Duration
	// PeakQueuedBytes is the most output this operator ever had waiting downstream.
	PeakQueuedBytes int64
	// Skipped names the inputs of tolerated failures with their errors.
	Skipped []string
	// Partitions is an exchange's number of reduce tasks; SpilledBytes the Arrow bytes its
	// store wrote to disk because they did not fit in its share of the budget.
	Partitions   int
	SpilledBytes int64
	// Actors are an actor stage's pool figures (nil for task stages).
	Actors *actorpool.Stats
	// ActiveTasks and QueuedBytes are the operator's running tasks and its output waiting
	// downstream at the time of the snapshot (zero once the run has ended).
	ActiveTasks int
	QueuedBytes int64

	first, last time.Time
}

// Stats are the figures of one run: a struct to read in code, a report through String.
type Stats struct {
	Ops []OpStats
	// Wall is the run's duration; CPUTime the process's user+system CPU time over it.
	Wall, CPUTime time.Duration
	// PeakMemory is the most bytes the run's allocator had live at once; MemoryBudget the limit
	// the scheduler worked to.
	PeakMemory, MemoryBudget int64
	// LiveMemory is the run's allocator's live bytes at the snapshot.
	LiveMemory int64
	// PeakResident is the largest resident set size of the whole process seen during the run
	// (sampled every 100 ms, so short peaks may be missed), beside PeakMemory's exact count of
	// Arrow bytes.
	PeakResident int64
	// DeadLetters is the file a run's tolerated failures were written to, if any (set by the
	// data layer's dead-letter output).
	DeadLetters string
	CPUs        int
}

// String is a readable report, one paragraph per operator.
func (s Stats) String() string {
	var b strings.Builder
	for i, o := range s.Ops {
		fmt.Fprintf(&b, "Operator %d %s: %d tasks executed, %d blocks produced in %s\n",
			i, o.Name, o.Tasks, o.OutputBlocks, round(o.Wall))
		if o.Retries > 0 {
			fmt.Fprintf(&b, "* Retries: %d failed attempts run again\n", o.Retries)
		}
		if len(o.Counters) > 0 {
			names := slices.Sorted(maps.Keys(o.Counters))
			var parts []string
			for _, n := range names {
				parts = append(parts, fmt.Sprintf("%s %d", n, o.Counters[n]))
			}
			fmt.Fprintf(&b, "* Counters: %s\n", strings.Join(parts, ", "))
		}
		if o.RowsSkipped > 0 {
			fmt.Fprintf(&b, "* Skipped: %d failed rows dropped\n", o.RowsSkipped)
		}
		if o.TasksSkipped > 0 {
			fmt.Fprintf(&b, "* Skipped: %d failed tasks tolerated\n", o.TasksSkipped)
			for _, sk := range o.Skipped {
				fmt.Fprintf(&b, "  - %s\n", sk)
			}
		}
		fmt.Fprintf(&b, "* Output: %d rows, %s\n", o.OutputRows, FormatBytes(o.OutputBytes))
		if o.Tasks > 0 {
			fmt.Fprintf(&b, "* Task time: %s total, %s mean per task\n", round(o.TaskTime), round(o.TaskTime/time.Duration(o.Tasks)))
		}
		if o.OutputRows > 0 && o.Wall > 0 {
			fmt.Fprintf(&b, "* Throughput: %.0f rows/s\n", float64(o.OutputRows)/o.Wall.Seconds())
		}
		fmt.Fprintf(&b, "* Peak queued output: %s; backpressure: %s\n", FormatBytes(o.PeakQueuedBytes), round(o.Backpressure))
		if o.Partitions > 0 {
			fmt.Fprintf(&b, "* Exchange: %d partitions, %s spilled to disk\n", o.Partitions, FormatBytes(o.SpilledBytes))
		}
		if a := o.Actors; a != nil {
			peak := 0
			for _, h := range a.History {
				peak = max(peak, h.Actors)
			}
			fmt.Fprintf(&b, "* Actors: %d at the end, %d at most, %d restarts, %d calls", a.Actors, peak, a.Restarts, a.Calls)
			for _, pa := range a.PerActor {
				fmt.Fprintf(&b, "; actor %d busy %.0f%%", pa.ID, 100*pa.BusyFraction)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	util := 0.0
	if s.Wall > 0 && s.CPUs > 0 {
		util = s.CPUTime.Seconds() / (s.Wall.Seconds() * float64(s.CPUs))
	}
	fmt.Fprintf(&b, "Dataset: %s wall, %s CPU (%.0f%% of %d cores); peak memory %s of a %s budget",
		round(s.Wall), round(s.CPUTime), 100*util, s.CPUs, FormatBytes(s.PeakMemory), FormatBytes(s.MemoryBudget))
	if s.PeakResident > 0 {
		fmt.Fprintf(&b, "; peak resident %s", FormatBytes(s.PeakResident))
	}
	b.WriteString("\n")
	if s.DeadLetters != "" {
		fmt.Fprintf(&b, "Failures kept in %s\n", s.DeadLetters)
	}
	return b.String()
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// FormatBytes prints n in B, KiB, MiB or GiB.
func FormatBytes(n int64) string {
	const k = 1024
	switch {
	case n >= k*k*k:
		return fmt.Sprintf("%.2f GiB", float64(n)/(k*k*k))
	case n >= k*k:
		return fmt.Sprintf("%.1f MiB", float64(n)/(k*k))
	case n >= k:
		return fmt.Sprintf("%.1f KiB", float64(n)/k)
	}
	return fmt.Sprintf("%d B", n)
}
