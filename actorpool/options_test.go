package actorpool

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEnsureDefaults(t *testing.T) {
	cases := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero", Options{}, Options{Min: 1, Max: 1, MaxInFlight: 1, MaxRestarts: DefaultMaxRestarts,
			GrowWindow: DefaultGrowWindow, IdleTimeout: DefaultIdleTimeout}},
		{"min only is a fixed size", Options{Min: 4}, Options{Min: 4, Max: 4, MaxInFlight: 1,
			MaxRestarts: DefaultMaxRestarts, GrowWindow: DefaultGrowWindow, IdleTimeout: DefaultIdleTimeout}},
		{"set fields stay", Options{Name: "p", Min: 2, Max: 5, MaxInFlight: 3, MaxRestarts: -1,
			GrowThreshold: 1.5, GrowWindow: time.Second, IdleTimeout: time.Minute},
			Options{Name: "p", Min: 2, Max: 5, MaxInFlight: 3, MaxRestarts: -1, GrowThreshold: 1.5,
				GrowWindow: time.Second, IdleTimeout: time.Minute}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.in.EnsureDefaults(); got != c.want {
				t.Errorf("EnsureDefaults(%+v) = %+v, want %+v", c.in, got, c.want)
			}
		})
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	reg := newRegistry()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name     string
		ctx      context.Context
		opts     Options
		nilCtor  bool
		contains string
	}{
		{"negative Min", context.Background(), Options{Min: -1}, false, "Min: -1"},
		{"Max below Min", context.Background(), Options{Min: 3, Max: 2}, false, "Max: 2 is below Min 3"},
		{"negative MaxInFlight", context.Background(), Options{MaxInFlight: -2}, false, "MaxInFlight: -2"},
		{"queue too large", context.Background(), Options{Max: 1 << 15, MaxInFlight: 1 << 10}, false, "Max*MaxInFlight"},
		{"NaN threshold", context.Background(), Options{GrowThreshold: math.NaN()}, false, "GrowThreshold"},
		{"negative threshold", context.Background(), Options{GrowThreshold: -1}, false, "GrowThreshold"},
		{"negative window", context.Background(), Options{GrowWindow: -time.Second}, false, "GrowWindow"},
		{"negative idle", context.Background(), Options{IdleTimeout: -time.Second}, false, "IdleTimeout"},
		{"nil constructor", context.Background(), Options{Name: "infer"}, true, "actorpool(infer): New: the actor constructor is nil"},
		{"cancelled context", cancelled, Options{}, false, "context canceled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctor := reg.newActor
			if c.nilCtor {
				ctor = nil
			}
			p, err := New(c.ctx, ctor, c.opts)
			if err == nil {
				p.Close()
				t.Fatalf("New(%+v) succeeded, want an error containing %q", c.opts, c.contains)
			}
			if !strings.HasPrefix(err.Error(), "sluice: actorpool") || !strings.Contains(err.Error(), c.contains) {
				t.Errorf("New(%+v) error %q, want the sluice: actorpool prefix and %q", c.opts, err, c.contains)
			}
		})
	}
	if n := reg.checkClosedOnce(t); n != 0 {
		t.Errorf("%d actors built for rejected options, want 0", n)
	}
}

func TestTick(t *testing.T) {
	cases := []struct {
		grow, idle, want time.Duration
	}{
		{time.Second, 4 * time.Second, 250 * time.Millisecond},
		{time.Second, 100 * time.Millisecond, 25 * time.Millisecond},
		{time.Microsecond, time.Microsecond, time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.grow.String()+"/"+c.idle.String(), func(t *testing.T) {
			if got := (Options{GrowWindow: c.grow, IdleTimeout: c.idle}).tick(); got != c.want {
				t.Errorf("tick = %v, want %v", got, c.want)
			}
		})
	}
}
