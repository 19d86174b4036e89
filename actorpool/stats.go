package actorpool

import "time"

// Bounds on what Stats keeps, so a long run with a busy autoscaler stays small.
const (
	maxHistory = 1024 // samples of the actor count; the oldest are dropped
	maxSlots   = 1024 // actors listed; the oldest stopped ones are dropped
)

// Stats is a snapshot of a pool's figures, as numbers for programs and tests.
type Stats struct {
	// Actors is the number of live actors now (built, serving, not retired or failed).
	Actors int
	// History is the live actor count over time: one Sample at each change, oldest first
	// (at most 1024: the oldest are dropped).
	History []Sample
	// PerActor lists the actors that have served, in the order they were built: the live ones
	// and the stopped ones (the oldest stopped are dropped past 1024).
	PerActor []ActorStats
	// Restarts counts actors rebuilt after a panic.
	Restarts int
	// Calls counts calls finished, successfully or not; Failed those that finished with an error.
	Calls, Failed int64
	// InFlight is the calls accepted and not finished now; Queued those not yet started.
	InFlight, Queued int
}

// Sample is the live actor count from Time on.
type Sample struct {
	Time   time.Time
	Actors int
}

// ActorStats are one actor's figures. A restart keeps the actor's place (its ID and lifetime)
// and counts in Restarts.
type ActorStats struct {
	ID int
	// Started is when the actor was built; Stopped when it stopped serving (zero while live).
	Started, Stopped time.Time
	// Calls counts the calls run on this actor, a retry after a panic included.
	Calls    int64
	Restarts int
	// Busy is the time spent in calls; BusyFraction is Busy over the actor's lifetime (from
	// Started to Stopped, or to now).
	Busy         time.Duration
	BusyFraction float64
}

// Stats returns the pool's figures now. It may be called at any time, also after Close; a zero
// Pool returns zero Stats.
func (p *Pool[A]) Stats() Stats {
	if p == nil || p.work == nil {
		return Stats{}
	}
	t := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{
		Actors:   p.live,
		History:  append([]Sample(nil), p.history...),
		Restarts: p.restarts,
		Calls:    p.calls.Load(),
		Failed:   p.failed.Load(),
		InFlight: p.inflight,
		Queued:   len(p.work),
		PerActor: make([]ActorStats, 0, len(p.slots)),
	}
	for _, s := range p.slots {
		st.PerActor = append(st.PerActor, s.stats(t))
	}
	return st
}

// stats reads slot s's figures at time t.
func (s *slot) stats(t time.Time) ActorStats {
	a := ActorStats{
		ID:       s.id,
		Started:  s.started,
		Calls:    s.calls.Load(),
		Restarts: int(s.restarts.Load()),
		Busy:     time.Duration(s.busyNanos.Load()),
	}
	if since := s.busySince.Load(); since != 0 {
		a.Busy += t.Sub(time.Unix(0, since))
	}
	end := t
	if stopped := s.stopped.Load(); stopped != 0 {
		a.Stopped = time.Unix(0, stopped)
		end = a.Stopped
	}
	if life := end.Sub(s.started); life > 0 {
		a.BusyFraction = min(float64(a.Busy)/float64(life), 1)
	}
	return a
}

// recordLocked appends the live count to the history.
func (p *Pool[A]) recordLocked() {
	if len(p.history) == maxHistory {
		p.history = append(p.history[:0], p.history[1:]...)
	}
	p.history = append(p.history, Sample{Time: time.Now(), Actors: p.live})
}

// trimSlotsLocked drops the oldest stopped actors from the list Stats reports.
func (p *Pool[A]) trimSlotsLocked() {
	keep := p.slots[:0]
	drop := len(p.slots) - maxSlots
	for _, s := range p.slots {
		if drop > 0 && s.stopped.Load() != 0 {
			drop--
			continue
		}
		keep = append(keep, s)
	}
	clear(p.slots[len(keep):])
	p.slots = keep
}
