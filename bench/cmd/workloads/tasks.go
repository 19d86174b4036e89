package main

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/sluicedata/sluice/exec"
)

// fibonacciLength is the seed's generate_fibonacci: build the first n Fibonacci numbers
// (math/big, as Python's integers), keep them all, return how many there are and, as a
// checksum, the bit length of the last.
func fibonacciLength(n int) (int, int) {
	var seq []*big.Int
	for i := range n {
		if i < 2 {
			seq = append(seq, big.NewInt(int64(i)))
			continue
		}
		seq = append(seq, new(big.Int).Add(seq[i-1], seq[i-2]))
	}
	if n == 0 {
		return 0, 0
	}
	return len(seq), seq[n-1].BitLen()
}

// samplesInside is the seed's sampling_task: points uniform in [-1, 1)^2, counted when
// math.Hypot(x, y) <= 1.
func samplesInside(n int, rng *rand.Rand) int {
	inside := 0
	for range n {
		x, y := -1+2*rng.Float64(), -1+2*rng.Float64()
		if math.Hypot(x, y) <= 1 {
			inside++
		}
	}
	return inside
}

// fib is W8's first case: tasks calls of fibonacciLength, in a loop (serial) or as exec
// tasks gathered with GetAll (the seed's run_remote). The runtime starts before the clock,
// as ray.init() does in the seed.
func fib(ctx context.Context, n, tasks int, serial bool) (result, error) {
	if n < 0 || tasks < 1 {
		return result{}, fmt.Errorf("sluice: workloads fib: -n %d -tasks %d: want n >= 0 and tasks >= 1", n, tasks)
	}
	call := func(context.Context) ([2]int, error) {
		l, bits := fibonacciLength(n)
		return [2]int{l, bits}, nil
	}
	out, secs, err := runTasks(ctx, tasks, serial, call)
	if err != nil {
		return result{}, err
	}
	res := result{Rows: int64(len(out)), Seconds: secs, Checksum: map[string]float64{}}
	for _, o := range out {
		res.Checksum["length"] += float64(o[0])
		res.Checksum["bits"] += float64(o[1])
	}
	return res, nil
}

// pi is W8's second case: tasks sampling calls of samples points each, then pi from the
// counts. Random streams differ between systems, so the checksum is the estimate rounded
// to two decimals: 3.14 for every system at the seed's size (2 tasks of 10M samples: four
// standard deviations of the estimate are 0.0015, the rounding edges 3.135 and 3.145).
func pi(ctx context.Context, samples, tasks int, serial bool) (result, error) {
	if samples < 1 || tasks < 1 {
		return result{}, fmt.Errorf("sluice: workloads pi: -samples %d -tasks %d: want both >= 1", samples, tasks)
	}
	// Each call has its own random stream, seeded by its index.
	fns := make([]func(context.Context) (int, error), tasks)
	for i := range fns {
		fns[i] = func(context.Context) (int, error) {
			return samplesInside(samples, rand.New(rand.NewPCG(7, uint64(i)))), nil
		}
	}
	counts, secs, err := runEach(ctx, serial, fns)
	if err != nil {
		return result{}, err
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	est := 4 * float64(total) / float64(samples*tasks)
	return result{Rows: int64(tasks), Seconds: secs, Checksum: map[string]float64{"pi2": math.Round(est*100) / 100}}, nil
}

// runTasks runs the same call tasks times: see runEach.
func runTasks[T any](ctx context.Context, tasks int, serial bool, call func(context.Context) (T, error)) ([]T, float64, error) {
	fns := make([]func(context.Context) (T, error), tasks)
	for i := range fns {
		fns[i] = call
	}
	return runEach(ctx, serial, fns)
}

// runEach runs fns one after the other (serial) or as exec tasks on a runtime with one slot
// per CPU, and returns their results and the seconds from the first call to the last
// result; the runtime is started before the clock.
func runEach[T any](ctx context.Context, serial bool, fns []func(context.Context) (T, error)) ([]T, float64, error) {
	out := make([]T, 0, len(fns))
	if serial {
		start := time.Now()
		for _, fn := range fns {
			v, err := fn(ctx)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
		}
		return out, time.Since(start).Seconds(), nil
	}
	rt, err := exec.New(exec.Options{})
	if err != nil {
		return nil, 0, err
	}
	defer rt.Close()
	start := time.Now()
	futures := make([]*exec.Future[T], len(fns))
	for i, fn := range fns {
		futures[i] = exec.Go(ctx, rt, fn)
	}
	out, err = exec.GetAll(ctx, futures)
	return out, time.Since(start).Seconds(), err
}
