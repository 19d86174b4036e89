package data

import (
	"context"
	"fmt"
	"maps"

	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/streaming"
)

// Resume makes a write resumable (Ray Data has no such option; Daft's skip_existing is the
// nearest). The run records, inside its staging area, every write task it completes: the
// task's input (a file, a row range) and the files it staged, with their sizes and CRC-32s,
// written atomically per task (data/write/MANIFEST.md). When the run fails or is cancelled,
// its staging area stays; when it is killed, it stays as it was. A rerun of the same write
// with Resume adopts the newest such staging area: it checks every recorded file, skips the
// inputs whose files are all intact (they are not read again; the source's OpStats.Counters
// count them as "inputs_resumed"), writes the rest, and commits exactly the files a clean run
// would have written, under the same names. A rerun whose plan fingerprint (the physical
// plan and the write's options) or save mode differs is refused, with an error wrapping
// write.ErrResumeRefused that says what differs and what to do; a rerun without Resume
// discards the staging area, as it discards any killed run's.
//
// Resume needs the write to run inside the read tasks (reads, then row and batch functions
// on task pools, then the write), so that each staged file comes from one input; a plan with
// an exchange, an actor stage, a limit, a union, or MinRowsPerFile before the write is
// refused. The result is that of a clean run only when the functions give the same rows for
// the same input (deterministic). On S3 a resumable write uses the copy committer.
//
// Applies to WriteParquet, WriteCSV, WriteJSON, WriteNumpy and WriteImages.
func Resume() Option {
	return opt("Resume", func(c *config) error { c.resume = true; return nil })
}

// resumeCounter counts, per source, the inputs a resumed write skipped.
const resumeCounter = "inputs_resumed"

// resumablePlan checks that the write named label runs inside the read tasks of its plan.
func resumablePlan(ds *Dataset, label string) error {
	plan, err := physical(optimize(ds.op))
	if err != nil {
		return err
	}
	return checkResumable(plan, label)
}

func checkResumable(plan streaming.Plan, label string) error {
	if len(plan) == 1 && plan[0].Source != nil {
		if st := plan[0].Source.Stages; len(st) > 0 && st[len(st)-1].Name == label {
			return nil
		}
	}
	return fmt.Errorf("Resume needs the write to run inside the read tasks (a read, then row and batch functions, then the write), so that each staged file belongs to one input; in this plan the write runs in operator %s (%d operators): write without Resume, or write the dataset before the exchange, actor stage, limit, union or MinRowsPerFile first",
		plan[len(plan)-1].Name(), len(plan))
}

// skipResumed makes the plan's source skip the inputs that the resumed run completed: each
// keeps its place (so the tasks after it keep their indexes, which name their files) but
// reads nothing.
func skipResumed(plan streaming.Plan, label string, run *write.Run) error {
	if err := checkResumable(plan, label); err != nil {
		return err
	}
	if len(run.ResumedTasks()) == 0 {
		return nil
	}
	src := plan[0].Source
	tasks := src.Tasks
	src.Tasks = func(ctx context.Context, yield func(streaming.Input) error) error {
		next := 0
		return tasks(ctx, func(in streaming.Input) error {
			if in.Read == nil {
				return yield(in) // counts only, not a task
			}
			task := next
			next++
			if !run.Resumed(task, in.Origin) {
				return yield(in)
			}
			if in.Release != nil {
				in.Release()
			}
			counts := maps.Clone(in.Counts)
			if counts == nil {
				counts = map[string]int64{}
			}
			counts[resumeCounter]++
			return yield(streaming.Input{Origin: in.Origin, Counts: counts,
				Read: func(context.Context, *streaming.TaskContext, streaming.Emit) error { return nil }})
		})
	}
	return nil
}
