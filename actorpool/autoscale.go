package actorpool

import "time"

// autoscale is the pool's one autoscaler goroutine, started by New when Max > Min. Every tick
// it samples the queued work and the actors' idleness and takes at most one step (one actor
// more or one less); it waits for a step to complete before it decides again.
func (p *Pool[A]) autoscale() {
	defer close(p.scalerDone)
	tick := time.NewTicker(p.opts.tick())
	defer tick.Stop()
	var over time.Time // since when the queued work has been above the threshold; zero if not
	for {
		var t time.Time
		select {
		case <-p.stop:
			return
		case t = <-tick.C:
		}
		step := p.decide(t, &over)
		if step == nil {
			continue
		}
		select {
		case <-p.stop:
			return
		case <-step:
		}
		over = time.Time{} // a new window starts after each step
	}
}

// decide takes at most one scaling step at time t and returns a channel closed when the step
// is complete, or nil if it took none. over carries the start of the current window of queued
// work above the threshold between calls.
func (p *Pool[A]) decide(t time.Time, over *time.Time) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.err != nil {
		return nil
	}
	queued := len(p.work) + p.waiters + int(p.backlog.Load())
	if p.refused {
		queued++
		p.refused = false
	}
	if float64(queued) > p.opts.GrowThreshold*float64(p.live) && p.live < p.opts.Max {
		if over.IsZero() {
			*over = t
		}
		if t.Sub(*over) < p.opts.GrowWindow {
			return nil
		}
		return p.growLocked()
	}
	*over = time.Time{}
	if queued > 0 || p.live <= p.opts.Min {
		return nil
	}
	return p.shrinkLocked(t)
}

// growLocked starts building one more actor; the returned channel closes once it is built (it
// counts in then) or has failed (which fails the pool, unless the pool is closing).
func (p *Pool[A]) growLocked() <-chan struct{} {
	step := make(chan struct{})
	p.startSlotLocked(p.growCtx, func(err error) {
		if err != nil {
			p.mu.Lock()
			if !p.closed {
				p.failLocked(err)
			}
			p.mu.Unlock()
		}
		close(step)
	})
	return step
}

// shrinkLocked retires the actor idle the longest, if it has been idle IdleTimeout at time t;
// the returned channel closes once that actor is closed.
func (p *Pool[A]) shrinkLocked(t time.Time) <-chan struct{} {
	var pick *slot
	var pickIdle int64
	for _, s := range p.slots {
		if s.dead || s.retired || s.stopped.Load() != 0 || s.busySince.Load() != 0 {
			continue
		}
		if idle := s.idleSince.Load(); pick == nil || idle < pickIdle {
			pick, pickIdle = s, idle
		}
	}
	if pick == nil || t.Sub(time.Unix(0, pickIdle)) < p.opts.IdleTimeout {
		return nil
	}
	pick.retired = true
	pick.stopped.Store(t.UnixNano())
	p.live--
	p.recordLocked()
	pick.quit <- struct{}{}
	return pick.exited
}
