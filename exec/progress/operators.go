package progress

import (
	"fmt"
	"strings"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/sluicedata/sluice/streaming"
)

// OperatorStats are one operator's figures at one moment of a Dataset run,
// as a stats snapshot reports them.
type OperatorStats struct {
	Name string
	// Rows and Blocks are the output produced so far.
	Rows, Blocks int64
	// TotalRows is the number of rows expected, when known (zero: unknown).
	// It only sizes the bar; the final frame shows Rows, whatever it is.
	TotalRows int64
	// ActiveTasks are the operator's tasks running now.
	ActiveTasks int
	// MemoryBytes are the bytes of the operator's blocks held in memory now.
	MemoryBytes int64
}

// Operators draws one line per operator of a Dataset run: a bar when the
// operator's total rows are known, a spinner otherwise, then its rows,
// blocks, active tasks and memory in use.
//
// Create it with NewOperators; call Update with each stats snapshot (from any
// goroutine, typically the run's snapshot callback); call Close exactly once
// when the run ends (later calls do nothing). Close draws the last frame
// from the last Update and stops the goroutines that draw. When the output is
// not a terminal, Operators starts no goroutine and writes nothing.
type Operators struct {
	cfg config

	// mu guards the figures, which the drawing goroutines read. It is never
	// held while calling into mpb: mpb draws a bar on the goroutine that
	// serves the bar's calls, so a call made under mu would wait for a
	// drawing that waits for mu.
	mu    sync.Mutex
	last  []OperatorStats
	final bool

	// barsMu serializes Update and Close and guards bars.
	barsMu sync.Mutex
	bars   []*mpb.Bar

	p      *mpb.Progress // nil when quiet
	closed sync.Once
}

// NewOperators returns an Operators display, drawing if its output is a
// terminal. The caller must call Close.
func NewOperators(opts ...Option) *Operators {
	o := &Operators{cfg: newConfig(opts)}
	if o.cfg.active() {
		o.p = o.cfg.container()
	}
	return o
}

// Update records a snapshot of every operator, in pipeline order. A line is
// added for each operator not seen before; operators are matched by position.
// Update after Close does nothing.
func (o *Operators) Update(ops []OperatorStats) {
	o.barsMu.Lock()
	defer o.barsMu.Unlock()
	o.mu.Lock()
	if o.final {
		o.mu.Unlock()
		return
	}
	// Keep operators an earlier snapshot had and this one lacks, so the
	// display never forgets a line (and a line's index stays valid).
	if len(ops) < len(o.last) {
		ops = append(append([]OperatorStats(nil), ops...), o.last[len(ops):]...)
	}
	o.last = append(o.last[:0], ops...)
	snap := append([]OperatorStats(nil), o.last...)
	o.mu.Unlock()
	if o.p == nil {
		return
	}
	for i, op := range snap {
		if i == len(o.bars) {
			o.bars = append(o.bars, o.addBar(i, op.TotalRows > 0))
		}
		b := o.bars[i]
		if op.TotalRows > 0 {
			b.SetTotal(max(op.TotalRows, op.Rows), false)
		}
		b.SetCurrent(op.Rows)
	}
}

// Last returns the last snapshot given to Update.
func (o *Operators) Last() []OperatorStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OperatorStats(nil), o.last...)
}

// Close ends the display: every line is drawn once more with the figures of
// the last Update, its rows as final (no estimate), and Close waits for that
// frame to be written.
func (o *Operators) Close() {
	o.closed.Do(func() {
		o.barsMu.Lock()
		defer o.barsMu.Unlock()
		o.mu.Lock()
		o.final = true
		o.mu.Unlock()
		if o.p == nil {
			return
		}
		for _, b := range o.bars {
			// The total becomes the real count: a run stopped by a limit
			// shows the rows it produced, not the estimate.
			b.SetTotal(-1, true)
		}
		o.p.Wait()
	})
}

// addBar adds the line of operator i; o.barsMu is held, o.mu is not.
func (o *Operators) addBar(i int, sized bool) *mpb.Bar {
	filler := mpb.BarFillerBuilder(mpb.SpinnerStyle())
	if sized {
		filler = mpb.BarStyle()
	}
	return o.p.New(0, filler, mpb.BarOptional(mpb.BarFillerOnComplete("done"), !sized),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return o.name(i) },
			decor.WC{C: decor.DindentRight | decor.DextraSpace | decor.DSyncWidth})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return o.figures(i) })),
	)
}

func (o *Operators) name(i int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last[i].Name
}

// figures is the text drawn after operator i's bar.
func (o *Operators) figures(i int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return formatFigures(o.last[i], o.final)
}

// formatFigures prints an operator's figures, such as "rows 1200/5000,
// blocks 12, tasks 2, mem 3.0 MiB"; final drops the expected total.
func formatFigures(op OperatorStats, final bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rows %d", op.Rows)
	if op.TotalRows > 0 && !final {
		fmt.Fprintf(&b, "/%d", op.TotalRows)
	}
	fmt.Fprintf(&b, ", blocks %d, tasks %d, mem %s", op.Blocks, op.ActiveTasks, streaming.FormatBytes(op.MemoryBytes))
	return b.String()
}
