package exec

import "context"

// A task that waits on another future inside its function (a nested
// Future.Get, GetAll or Wait, as in a recursive task) gives its resources
// back while it waits and takes them again, in FIFO order with everything
// else, before it goes on. Otherwise tasks waiting on queued tasks could hold
// every slot and deadlock, as Ray avoids by releasing a worker's CPU inside
// ray.get. The task is found through the context its function received.

type taskKey struct{}

// enterBlocking gives back the resources of the task running with ctx, if
// any, and returns the function that takes them again (nil if ctx belongs to
// no running task). Concurrent waits inside one task are counted: the first
// gives the resources back, the last takes them again.
func enterBlocking(ctx context.Context) (resume func()) {
	t, _ := ctx.Value(taskKey{}).(*task)
	if t == nil {
		return nil
	}
	t.slotMu.Lock()
	defer t.slotMu.Unlock()
	if t.ended {
		return nil
	}
	t.blocked++
	if t.blocked == 1 {
		t.rt.release(t.req, false)
	}
	return t.resume
}

// resume takes the task's resources back once its last wait is over. It
// waits for them without a context: the task's function is still running
// and its worker will give them back when it returns.
func (t *task) resume() {
	t.slotMu.Lock()
	defer t.slotMu.Unlock()
	t.blocked--
	if t.blocked > 0 || t.ended {
		return
	}
	tk := &ticket{req: t.req, granted: make(chan struct{})}
	tk.state.Store(stQueued)
	t.rt.submit(tk)
	<-tk.granted
}
