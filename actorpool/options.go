package actorpool

import (
	"fmt"
	"math"
	"time"
)

// Defaults that EnsureDefaults fills in.
const (
	// DefaultMaxRestarts is how many panicked actors a pool rebuilds over its life when
	// Options.MaxRestarts is zero.
	DefaultMaxRestarts = 3
	// DefaultGrowWindow is how long queued work must stay above the threshold before the pool
	// adds an actor.
	DefaultGrowWindow = 500 * time.Millisecond
	// DefaultIdleTimeout is how long an actor must sit idle before the pool retires it.
	DefaultIdleTimeout = 5 * time.Second

	// maxQueue bounds Max*MaxInFlight: the pool keeps a queue of that many calls.
	maxQueue = 1 << 20
)

// Options configure a Pool. They are read once, by New; the zero value asks for every default,
// which is one actor, one call in flight, no autoscaling. One actor is the default (not one per
// CPU) because an actor usually holds a loaded model: more of them is a memory decision the
// caller makes by setting Min and Max.
type Options struct {
	// Name labels the pool in error messages, for example the operator it serves.
	Name string
	// Min is the number of actors New builds and the pool never goes below. Zero means 1.
	Min int
	// Max is the most actors the pool grows to. Zero means Min (a fixed-size pool).
	Max int
	// MaxInFlight is how many calls one actor may have accepted and not finished, counting the
	// one it runs; the pool admits at most MaxInFlight times the live actors. Zero means 1 (a
	// call is admitted only when an actor is free to run it).
	MaxInFlight int
	// MaxRestarts is how many actors whose call panicked the pool rebuilds over its life. Zero
	// means DefaultMaxRestarts; a negative value means none (the first panic fails the pool).
	MaxRestarts int
	// GrowThreshold is the queued work per live actor above which the pool grows, where queued
	// work counts calls accepted but not started, Submit calls blocked on a full pool, a
	// TrySubmit refused since the last check, and the caller's SetBacklog figure. Zero (the
	// default) grows whenever work waits.
	GrowThreshold float64
	// GrowWindow is how long the queued work must stay above GrowThreshold before the pool adds
	// one actor. Zero means DefaultGrowWindow.
	GrowWindow time.Duration
	// IdleTimeout is how long an actor must be idle before the pool retires it (down to Min).
	// Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// EnsureDefaults fills the zero fields of o with defaults and returns it.
func (o Options) EnsureDefaults() Options {
	if o.Min == 0 {
		o.Min = 1
	}
	if o.Max == 0 {
		o.Max = o.Min
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = 1
	}
	if o.MaxRestarts == 0 {
		o.MaxRestarts = DefaultMaxRestarts
	}
	if o.GrowWindow == 0 {
		o.GrowWindow = DefaultGrowWindow
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	return o
}

// validate reports the first option a Pool cannot honour; o has its defaults filled in.
func (o Options) validate() error {
	p := "sluice: actorpool" + label(o.Name) + ": options"
	switch {
	case o.Min < 1:
		return fmt.Errorf("%s: Min: %d is not a count >= 1", p, o.Min)
	case o.Max < o.Min:
		return fmt.Errorf("%s: Max: %d is below Min %d", p, o.Max, o.Min)
	case o.MaxInFlight < 1:
		return fmt.Errorf("%s: MaxInFlight: %d is not a count >= 1", p, o.MaxInFlight)
	case o.Max > maxQueue/o.MaxInFlight:
		return fmt.Errorf("%s: Max*MaxInFlight: %d*%d is above %d", p, o.Max, o.MaxInFlight, maxQueue)
	case o.GrowThreshold < 0 || math.IsNaN(o.GrowThreshold) || math.IsInf(o.GrowThreshold, 0):
		return fmt.Errorf("%s: GrowThreshold: %v is not a finite figure >= 0", p, o.GrowThreshold)
	case o.GrowWindow < 0:
		return fmt.Errorf("%s: GrowWindow: %v is negative", p, o.GrowWindow)
	case o.IdleTimeout < 0:
		return fmt.Errorf("%s: IdleTimeout: %v is negative", p, o.IdleTimeout)
	}
	return nil
}

// tick is how often the autoscaler samples the pool: often enough to see a window through
// several samples, never a busy loop.
func (o Options) tick() time.Duration {
	t := min(o.GrowWindow, o.IdleTimeout) / 4
	return max(t, time.Millisecond)
}

// label formats a pool name for error messages: "" or "(name)".
func label(name string) string {
	if name == "" {
		return ""
	}
	return "(" + name + ")"
}
