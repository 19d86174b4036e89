package streaming

import (
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// Failure is one failure a run tolerated (Options.MaxErroredBlocks), as given to
// Options.OnFailure: a task whose input is skipped, or a row a stage dropped.
type Failure struct {
	// Op names the operator or stage that failed; Origin its input (a file, a row range).
	Op, Origin string
	// Err is the cause, without the operator and the input (they are Op and Origin).
	Err error
	// Rows are the input blocks of a failed map task (nil for a read task or a row failure);
	// Row is the row a stage reported (TaskContext.RowFailed). Valid only during OnFailure.
	Rows []arrow.RecordBatch
	Row  any
}

// failureCount counts the failures tolerated so far against the run's cap.
type failureCount struct{ n atomic.Int64 }

// take counts one failure if the cap (MaxErroredBlocks: -1 any, 0 none) allows it.
func (c *failureCount) take(max int) bool {
	if max == 0 {
		return false
	}
	for {
		n := c.n.Load()
		if max > 0 && n >= int64(max) {
			return false
		}
		if c.n.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// rowFailure is the TaskContext.RowFailed of op o's tasks.
func (s *scheduler) rowFailure(o *opState) func(tc *TaskContext, row any, err error) bool {
	return func(tc *TaskContext, row any, err error) bool {
		if !s.failures.take(s.opts.MaxErroredBlocks) {
			return false
		}
		o.rowsSkipped.Add(1)
		if s.opts.OnFailure != nil {
			op := tc.Stage
			if op == "" {
				op = tc.Op
			}
			s.opts.OnFailure(Failure{Op: op, Origin: tc.Origin, Err: err, Row: row})
		}
		return true
	}
}

// RowFailed reports that the stage could not process one row (a user function's error on it):
// when the run tolerates failures (Options.MaxErroredBlocks), the failure is counted, given to
// OnFailure with the row, and RowFailed returns true: drop the row and go on. Otherwise it
// returns false: fail the task with err.
func (tc *TaskContext) RowFailed(row any, err error) bool {
	return tc.rowFailed != nil && tc.rowFailed(tc, row, err)
}

// counters are an operator's named counts, added to by its tasks (TaskContext.Count).
type counters struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *counters) add(name string, n int64) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[name] += n
	c.mu.Unlock()
}

func (c *counters) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) == 0 {
		return nil
	}
	out := make(map[string]int64, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// Count adds n to the operator's counter name, reported in OpStats.Counters: what a source
// pruned ("row_groups_skipped", "files_skipped"), or any figure a stage wants in the stats.
// Safe for concurrent use.
func (tc *TaskContext) Count(name string, n int64) {
	if tc.counters != nil {
		tc.counters.add(name, n)
	}
}
