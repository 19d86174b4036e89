package actorpool

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestBusyFraction(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name   string
		work   time.Duration // spent in calls, back to back
		idle   time.Duration // then spent idle
		lo, hi float64
	}{
		{"busy", 60 * time.Millisecond, 0, 0.6, 1},
		{"idle", 0, 60 * time.Millisecond, 0, 0.2},
		{"half", 40 * time.Millisecond, 40 * time.Millisecond, 0.25, 0.75},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			ctx := context.Background()
			p, err := New(ctx, reg.newActor, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for end := time.Now().Add(c.work); time.Now().Before(end); {
				if err := p.Do(ctx, func(context.Context, *testActor) error { time.Sleep(5 * time.Millisecond); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(c.idle)
			live := p.Stats()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			closed := p.Stats()
			if len(live.PerActor) != 1 || len(closed.PerActor) != 1 {
				t.Fatalf("PerActor has %d then %d entries, want 1", len(live.PerActor), len(closed.PerActor))
			}
			a := live.PerActor[0]
			if a.BusyFraction < c.lo || a.BusyFraction > c.hi {
				t.Errorf("BusyFraction = %.2f (busy %v), want in [%.2f, %.2f]", a.BusyFraction, a.Busy, c.lo, c.hi)
			}
			if a.Started.IsZero() || !a.Stopped.IsZero() {
				t.Errorf("live actor: Started %v, Stopped %v; want set, zero", a.Started, a.Stopped)
			}
			if b := closed.PerActor[0]; b.Stopped.IsZero() || b.Calls != a.Calls {
				t.Errorf("closed actor: Stopped %v, %d calls; want set, %d", b.Stopped, b.Calls, a.Calls)
			}
			if closed.Calls != a.Calls {
				t.Errorf("pool Calls %d, actor Calls %d; want equal", closed.Calls, a.Calls)
			}
		})
	}
}

func TestHistoryIsBounded(t *testing.T) {
	p := &Pool[int]{}
	for i := range maxHistory + 10 {
		p.live = i
		p.recordLocked()
	}
	if len(p.history) != maxHistory || p.history[0].Actors != 10 || p.history[maxHistory-1].Actors != maxHistory+9 {
		t.Errorf("history: %d samples from %d to %d; want %d from 10 to %d",
			len(p.history), p.history[0].Actors, p.history[len(p.history)-1].Actors, maxHistory, maxHistory+9)
	}
}

func TestTrimSlots(t *testing.T) {
	cases := []struct {
		name             string
		live, stopped    int
		wantLen, wantOld int // length after trimming; how many stopped remain
	}{
		{"only stopped", 0, maxSlots + 5, maxSlots, maxSlots},
		{"mixed", 10, maxSlots, maxSlots, maxSlots - 10},
		{"all live", maxSlots + 3, 0, maxSlots + 3, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Pool[int]{}
			for i := range c.stopped {
				s := &slot{id: i}
				s.stopped.Store(1)
				p.slots = append(p.slots, s)
			}
			for i := range c.live {
				p.slots = append(p.slots, &slot{id: c.stopped + i})
			}
			p.trimSlotsLocked()
			old := 0
			for _, s := range p.slots {
				if s.stopped.Load() != 0 {
					old++
				}
			}
			if len(p.slots) != c.wantLen || old != c.wantOld {
				t.Errorf("after trim: %d slots, %d stopped; want %d, %d", len(p.slots), old, c.wantLen, c.wantOld)
			}
		})
	}
}
