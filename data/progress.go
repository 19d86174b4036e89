package data

import (
	"os"
	"sync"
	"time"

	"github.com/sluicedata/sluice/exec/progress"
	"github.com/sluicedata/sluice/streaming"
)

// progressBars shows one bar per operator of a run (rows, blocks, active tasks, memory) on
// stderr while it runs, refreshed from the executor's live stats. It is on when stderr is a
// terminal unless Context.NoProgress; the last frame shows the run's final figures.
type progressBars struct {
	bars *progress.Operators
	stop chan struct{}
	done sync.WaitGroup
}

func (ds *Dataset) startProgress(e *streaming.Execution) *progressBars {
	if ds.context().NoProgress || !progress.IsTerminal(os.Stderr) {
		return nil
	}
	p := &progressBars{bars: progress.NewOperators(progress.WithOutput(os.Stderr)), stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.bars.Update(operatorFigures(e.Stats()))
			}
		}
	}()
	return p
}

// finish draws the final figures and removes the goroutine.
func (p *progressBars) finish(final streaming.Stats) {
	if p == nil {
		return
	}
	close(p.stop)
	p.done.Wait()
	p.bars.Update(operatorFigures(final))
	p.bars.Close()
}

func operatorFigures(st streaming.Stats) []progress.OperatorStats {
	out := make([]progress.OperatorStats, len(st.Ops))
	for i, o := range st.Ops {
		out[i] = progress.OperatorStats{
			Name: o.Name, Rows: o.OutputRows, Blocks: int64(o.OutputBlocks),
			ActiveTasks: o.ActiveTasks, MemoryBytes: o.QueuedBytes,
		}
	}
	return out
}
