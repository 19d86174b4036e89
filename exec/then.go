package exec

import (
	"context"
	"errors"
	"fmt"
)

// Then runs fn on the value of in once in has resolved, as a task on rt; it
// takes no slot while it waits. If in fails, the task fails with in's error
// and fn is not called. Options and errors are as for Go.
func Then[A, T any](ctx context.Context, rt *Runtime, in *Future[A], fn func(context.Context, A) (T, error), opts ...TaskOption) *Future[T] {
	f := &Future[T]{}
	if fn == nil || in == nil {
		f.st.complete(errors.New("sluice: exec: then: nil function or input future"))
		return f
	}
	t, err := rt.newTask(ctx, opts)
	if err != nil {
		f.st.complete(fmt.Errorf("sluice: exec: then: %w", err))
		return f
	}
	t.body = func(ctx context.Context) error {
		v, err := fn(ctx, in.val)
		if err == nil {
			f.val = v
		}
		return err
	}
	t.complete = f.st.complete
	rt.launch(t, []*state{&in.st})
	return f
}

// Then2 is Then for two input futures.
func Then2[A, B, T any](ctx context.Context, rt *Runtime, a *Future[A], b *Future[B], fn func(context.Context, A, B) (T, error), opts ...TaskOption) *Future[T] {
	f := &Future[T]{}
	if fn == nil || a == nil || b == nil {
		f.st.complete(errors.New("sluice: exec: then2: nil function or input future"))
		return f
	}
	t, err := rt.newTask(ctx, opts)
	if err != nil {
		f.st.complete(fmt.Errorf("sluice: exec: then2: %w", err))
		return f
	}
	t.body = func(ctx context.Context) error {
		v, err := fn(ctx, a.val, b.val)
		if err == nil {
			f.val = v
		}
		return err
	}
	t.complete = f.st.complete
	rt.launch(t, []*state{&a.st, &b.st})
	return f
}

// ThenAll is Then for a list of input futures; fn gets their values in input
// order. The task fails with the first input error to arrive.
func ThenAll[A, T any](ctx context.Context, rt *Runtime, ins []*Future[A], fn func(context.Context, []A) (T, error), opts ...TaskOption) *Future[T] {
	f := &Future[T]{}
	if fn == nil {
		f.st.complete(errors.New("sluice: exec: thenall: nil function"))
		return f
	}
	deps := make([]*state, len(ins))
	for i, in := range ins {
		if in == nil {
			f.st.complete(fmt.Errorf("sluice: exec: thenall: input %d: nil future", i))
			return f
		}
		deps[i] = &in.st
	}
	t, err := rt.newTask(ctx, opts)
	if err != nil {
		f.st.complete(fmt.Errorf("sluice: exec: thenall: %w", err))
		return f
	}
	t.body = func(ctx context.Context) error {
		vals := make([]A, len(ins))
		for i, in := range ins {
			vals[i] = in.val
		}
		v, err := fn(ctx, vals)
		if err == nil {
			f.val = v
		}
		return err
	}
	t.complete = f.st.complete
	rt.launch(t, deps)
	return f
}

// inputDone counts one resolved input and queues the task after the last.
func (t *task) inputDone(i int, d *state) {
	if err := d.err; err != nil {
		if t.state.CompareAndSwap(stWaiting, stDone) {
			if t.stopCancel != nil { // written before the subscription
				t.stopCancel()
			}
			t.finish(fmt.Errorf("input %d: %w", i, err))
		}
		return
	}
	if t.pending.Add(-1) == 0 && t.state.CompareAndSwap(stWaiting, stQueued) {
		t.rt.submit(&t.ticket)
	}
}
