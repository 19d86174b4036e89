package exec

import (
	"fmt"
	"math"
)

// Resource amounts are kept in fixed point so that fractional requests (0.5
// CPU, as Ray allows) add up exactly.
const (
	resourceScale = 10000
	maxResource   = float64(math.MaxInt64/resourceScale) / 4
	cpuResource   = "CPU"
)

// amounts is a resource vector: index 0 is CPUs, the rest follow the
// runtime's sorted custom resource names.
type amounts []int64

func toFixed(v float64) int64 { return int64(math.Round(v * resourceScale)) }

// fits reports whether req can be taken from a.
func (a amounts) fits(req amounts) bool {
	for i, r := range req {
		if r > a[i] {
			return false
		}
	}
	return true
}

func (a amounts) sub(req amounts) {
	for i, r := range req {
		a[i] -= r
	}
}

func (a amounts) add(req amounts) {
	for i, r := range req {
		a[i] += r
	}
}

// request converts a task's CPUs and custom resources into a vector of the
// runtime, refusing names the runtime does not have, negative amounts and
// amounts larger than the runtime's total (which could never be granted).
func (rt *Runtime) request(cpus float64, custom map[string]float64) (amounts, error) {
	if cpus < 0 || math.IsNaN(cpus) || math.IsInf(cpus, 0) {
		return nil, fmt.Errorf("sluice: exec: CPUs(%v): not a finite count >= 0", cpus)
	}
	if cpus > rt.opts.CPUs {
		return nil, fmt.Errorf("sluice: exec: CPUs(%v): the runtime has %v CPUs", cpus, rt.opts.CPUs)
	}
	if len(custom) == 0 && cpus == 1 && rt.oneCPU != nil {
		return rt.oneCPU, nil
	}
	req := make(amounts, len(rt.total))
	req[0] = toFixed(cpus)
	for _, name := range sortedNames(custom) {
		v := custom[name]
		i, ok := rt.resourceIndex[name]
		if !ok {
			return nil, fmt.Errorf("sluice: exec: Resources: %q: the runtime has no such resource (has %v)", name, sortedNames(rt.opts.Resources))
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sluice: exec: Resources: %q: %v is not a finite amount >= 0", name, v)
		}
		if v > rt.opts.Resources[name] {
			return nil, fmt.Errorf("sluice: exec: Resources: %q: asks %v, the runtime has %v", name, v, rt.opts.Resources[name])
		}
		req[i] = toFixed(v)
	}
	return req, nil
}
