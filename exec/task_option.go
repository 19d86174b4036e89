package exec

import "maps"

// TaskOption sets a per-task knob for Go, Then, Then2, ThenAll and Acquire.
type TaskOption func(*taskConfig)

type taskConfig struct {
	name       string
	cpus       float64
	resources  map[string]float64
	maxRetries int
	retryOn    func(error) bool
}

// CPUs sets how many CPU slots the task holds while it runs (default 1).
// Fractions share a CPU; 0 runs the task without taking a slot.
func CPUs(n float64) TaskOption { return func(c *taskConfig) { c.cpus = n } }

// Resources sets the custom resources the task holds while it runs; each
// name must be one of Options.Resources.
func Resources(r map[string]float64) TaskOption {
	r = maps.Clone(r)
	return func(c *taskConfig) { c.resources = r }
}

// MaxRetries reruns a failed task up to n more times, at once and on the
// same slot, while its error satisfies RetryOn (by default every error) and
// its context is live. A panic counts as an error.
func MaxRetries(n int) TaskOption { return func(c *taskConfig) { c.maxRetries = n } }

// RetryOn sets which errors MaxRetries retries; nil means every error.
func RetryOn(fn func(error) bool) TaskOption { return func(c *taskConfig) { c.retryOn = fn } }

// Name names the task in its errors (the default is "task #<id>").
func Name(name string) TaskOption { return func(c *taskConfig) { c.name = name } }
