package progress

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Bar counts finished items out of a known total, like tqdm around a loop.
//
// Create it with NewBar; call Add or AddFailed as items finish, from any
// goroutine; call Close exactly once at the end (later calls do nothing).
// Close draws the last frame with the real counts and stops the goroutines
// that draw the bar. A Bar that is quiet (its output is not a terminal)
// starts no goroutine and writes nothing, but counts all the same.
type Bar struct {
	name   string
	total  int64
	done   atomic.Int64
	failed atomic.Int64
	start  time.Time
	end    atomic.Int64 // UnixNano at Close, 0 before

	p      *mpb.Progress // nil when quiet
	bar    *mpb.Bar
	closed sync.Once
}

// NewBar returns a Bar named name over total items (zero or less: unknown)
// and starts drawing it if its output is a terminal. The caller must call
// Close.
func NewBar(name string, total int, opts ...Option) *Bar {
	b := &Bar{name: name, total: int64(max(total, 0)), start: time.Now()}
	c := newConfig(opts)
	if !c.active() {
		return b
	}
	b.p = c.container()
	b.bar = b.p.New(b.total, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name(name, decor.WC{C: decor.DindentRight | decor.DextraSpace})),
		// The counts come from the Bar's own counters, not from mpb's
		// current value, which mpb caps at the total.
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return b.counts() })),
	)
	return b
}

// Add records n more items finished.
func (b *Bar) Add(n int) {
	if n <= 0 {
		return
	}
	b.done.Add(int64(n))
	if b.bar != nil {
		b.bar.IncrInt64(int64(n))
	}
}

// AddFailed records n more items finished with an error; they count as
// finished and are shown as failed.
func (b *Bar) AddFailed(n int) {
	if n <= 0 {
		return
	}
	b.failed.Add(int64(n))
	b.Add(n)
}

// Count returns the items finished so far and how many of them failed.
func (b *Bar) Count() (done, failed int64) {
	return b.done.Load(), b.failed.Load()
}

// Close ends the bar: it is drawn complete when every item has finished
// (or the total was unknown), and stopped where it is otherwise. Close waits
// for the last frame to be written.
func (b *Bar) Close() {
	b.closed.Do(func() {
		b.end.Store(time.Now().UnixNano())
		if b.p == nil {
			return
		}
		if b.total == 0 || b.done.Load() >= b.total {
			// Completes a bar of unknown total at its count; a no-op for a
			// bar that mpb already completed at its total.
			b.bar.SetTotal(-1, true)
		} else {
			b.bar.Abort(false)
		}
		b.p.Wait()
	})
}

// Elapsed returns the time from NewBar to Close, or to now before Close.
func (b *Bar) Elapsed() time.Duration {
	if end := b.end.Load(); end != 0 {
		return time.Unix(0, end).Sub(b.start)
	}
	return time.Since(b.start)
}

// counts is the text drawn after the bar, such as "7/8 (1 failed) [2.1s,
// 3.3/s]", tqdm's figures.
func (b *Bar) counts() string {
	done, failed := b.Count()
	s := fmt.Sprintf("%d/%d", done, b.total)
	if b.total == 0 {
		s = fmt.Sprintf("%d", done)
	}
	if failed > 0 {
		s += fmt.Sprintf(" (%d failed)", failed)
	}
	el := b.Elapsed()
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	return s + fmt.Sprintf(" [%s, %.1f/s]", el.Round(100*time.Millisecond), rate)
}
