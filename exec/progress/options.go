package progress

import (
	"io"
	"os"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/cwriter"
)

// Option sets a per-bar knob for NewBar, Futures and NewOperators.
type Option func(*config)

type config struct {
	out     io.Writer
	force   bool
	width   int
	refresh time.Duration
}

// WithOutput sets where bars are drawn. The default is os.Stderr, so that a
// program's own output on stdout stays clean. A nil w means io.Discard.
func WithOutput(w io.Writer) Option {
	return func(c *config) {
		if w == nil {
			w = io.Discard
		}
		c.out = w
	}
}

// WithForceTerminal draws bars even when the output is not a terminal, as if
// it were one (refreshing frames separated by cursor-movement escapes). Tests
// use it to render into a buffer; a CI log may too.
func WithForceTerminal() Option {
	return func(c *config) { c.force = true }
}

// WithWidth sets the width of a bar line in columns. Zero means the
// terminal's width, or 80 off a terminal.
func WithWidth(n int) Option {
	return func(c *config) { c.width = n }
}

// WithRefreshRate sets how often bars are redrawn (default 150ms).
func WithRefreshRate(d time.Duration) Option {
	return func(c *config) { c.refresh = d }
}

func newConfig(opts []Option) config {
	c := config{out: os.Stderr}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// active reports whether bars are drawn at all.
func (c config) active() bool {
	return c.force || IsTerminal(c.out)
}

// container starts the mpb container that draws the bars; call only when
// active. Its goroutines end at Wait.
func (c config) container() *mpb.Progress {
	opts := []mpb.ContainerOption{mpb.WithOutput(c.out)}
	if c.force {
		opts = append(opts, mpb.WithAutoRefresh())
	}
	if c.width > 0 {
		opts = append(opts, mpb.WithWidth(c.width))
	}
	if c.refresh > 0 {
		opts = append(opts, mpb.WithRefreshRate(c.refresh))
	}
	return mpb.New(opts...)
}

// IsTerminal reports whether w is an *os.File open on a terminal. A regular
// file, a pipe and /dev/null are not terminals (os.ModeCharDevice alone would
// take /dev/null for one), nor is any other io.Writer.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	return cwriter.IsTerminal(int(f.Fd()))
}
