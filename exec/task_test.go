package exec

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func newRuntime(t *testing.T, opts Options) *Runtime {
	t.Helper()
	rt, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

var errBoom = errors.New("boom")

func TestGoResults(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	ctx := context.Background()
	tests := []struct {
		name    string
		fn      func(context.Context) (int, error)
		opts    []TaskOption
		want    int
		wantErr string
		check   func(t *testing.T, err error)
	}{
		{name: "value", fn: func(context.Context) (int, error) { return 42, nil }, want: 42},
		{
			name: "error", fn: func(context.Context) (int, error) { return 7, errBoom },
			wantErr: "sluice: exec: task #",
			check: func(t *testing.T, err error) {
				if !errors.Is(err, errBoom) {
					t.Fatalf("err = %v, want it to wrap errBoom", err)
				}
			},
		},
		{
			name: "named error", fn: func(context.Context) (int, error) { return 0, errBoom },
			opts: []TaskOption{Name("resize cat.jpg")}, wantErr: `sluice: exec: task "resize cat.jpg": boom`,
		},
		{
			name: "panic", fn: func(context.Context) (int, error) { panic("bad pixel") },
			wantErr: "panic: bad pixel",
			check: func(t *testing.T, err error) {
				var pe *PanicError
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a *PanicError", err)
				}
				if pe.Value != "bad pixel" || !strings.Contains(string(pe.Stack), "TestGoResults") {
					t.Fatalf("PanicError = %v / stack %q, want the value and the test's frame", pe.Value, pe.Stack)
				}
			},
		},
		{
			name: "runtime panic", fn: func(context.Context) (int, error) { var m map[string]int; m["x"] = 1; return 0, nil },
			wantErr: "assignment to entry in nil map",
			check: func(t *testing.T, err error) {
				var re runtime.Error
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want a runtime.Error inside", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Go(ctx, rt, tt.fn, tt.opts...).Get(ctx)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Get = %d, %v; want %d, nil", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Get error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got != 0 {
				t.Fatalf("Get value = %d with an error, want the zero value", got)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestGoRejectsBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2, Resources: map[string]float64{"GPU": 1}})
	defer rt.Close()
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		name string
		f    *Future[int]
		want string
	}{
		{"nil runtime", Go(ctx, nil, ok), "nil runtime"},
		{"nil context", Go(nil, rt, ok), "nil context"},
		{"nil function", Go[int](ctx, rt, nil), "nil function"},
		{"negative CPUs", Go(ctx, rt, ok, CPUs(-1)), "CPUs(-1)"},
		{"more CPUs than the runtime", Go(ctx, rt, ok, CPUs(3)), "CPUs(3): the runtime has 2 CPUs"},
		{"unknown resource", Go(ctx, rt, ok, Resources(map[string]float64{"TPU": 1})), `"TPU": the runtime has no such resource`},
		{"too much of a resource", Go(ctx, rt, ok, Resources(map[string]float64{"GPU": 2})), `"GPU": asks 2, the runtime has 1`},
		{"negative retries", Go(ctx, rt, ok, MaxRetries(-1)), "MaxRetries(-1)"},
		{"nil input future", Then[int, int](ctx, rt, nil, func(context.Context, int) (int, error) { return 0, nil }), "nil function or input future"},
		{"nil input in a list", ThenAll(ctx, rt, []*Future[int]{nil}, func(context.Context, []int) (int, error) { return 0, nil }), "input 0: nil future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.Get(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "sluice: exec: ") {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if s := rt.Stats(); s.TasksSubmitted != 0 {
		t.Fatalf("rejected tasks were counted as submitted: %+v", s)
	}
}

// TestSlotsBoundConcurrency checks that tasks hold their CPUs and custom
// resources while they run.
func TestSlotsBoundConcurrency(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		opts    Options
		task    []TaskOption
		wantMax int64
	}{
		{"one CPU each", Options{CPUs: 2}, nil, 2},
		{"two CPUs each", Options{CPUs: 2}, []TaskOption{CPUs(2)}, 1},
		{"half a CPU each", Options{CPUs: 2}, []TaskOption{CPUs(0.5)}, 4},
		{"one GPU each", Options{CPUs: 2, Resources: map[string]float64{"GPU": 1}}, []TaskOption{Resources(map[string]float64{"GPU": 1})}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntime(t, tt.opts)
			defer rt.Close()
			ctx := context.Background()
			var running, peak atomic.Int64
			fs := make([]*Future[int], 12)
			for i := range fs {
				fs[i] = Go(ctx, rt, func(context.Context) (int, error) {
					n := running.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					time.Sleep(2 * time.Millisecond)
					running.Add(-1)
					return i, nil
				}, tt.task...)
			}
			got, err := GetAll(ctx, fs)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("GetAll[%d] = %d, want input order", i, v)
				}
			}
			if peak.Load() != tt.wantMax {
				t.Fatalf("peak concurrency = %d, want %d", peak.Load(), tt.wantMax)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name        string
		failures    int // attempts that fail before one succeeds
		panics      bool
		opts        []TaskOption
		wantErr     string
		wantCalls   int64
		wantRetried int64
	}{
		{"no retries by default", 1, false, nil, "boom", 1, 0},
		{"retries until success", 2, false, []TaskOption{MaxRetries(2)}, "", 3, 2},
		{"retries a panic", 1, true, []TaskOption{MaxRetries(1)}, "", 2, 1},
		{"gives up after MaxRetries", 5, false, []TaskOption{MaxRetries(2)}, "after 3 attempts: boom", 3, 2},
		{"RetryOn refuses", 5, false, []TaskOption{MaxRetries(3), RetryOn(func(err error) bool { return !errors.Is(err, errBoom) })}, "boom", 1, 0},
		{"RetryOn accepts", 1, false, []TaskOption{MaxRetries(3), RetryOn(func(err error) bool { return errors.Is(err, errBoom) })}, "", 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntime(t, Options{CPUs: 1})
			defer rt.Close()
			ctx := context.Background()
			var calls atomic.Int64
			_, err := Go(ctx, rt, func(context.Context) (int, error) {
				if calls.Add(1) <= int64(tt.failures) {
					if tt.panics {
						panic(errBoom)
					}
					return 0, errBoom
				}
				return 1, nil
			}, tt.opts...).Get(ctx)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasSuffix(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if calls.Load() != tt.wantCalls {
				t.Fatalf("calls = %d, want %d", calls.Load(), tt.wantCalls)
			}
			if s := rt.Stats(); s.TasksRetried != tt.wantRetried {
				t.Fatalf("TasksRetried = %d, want %d", s.TasksRetried, tt.wantRetried)
			}
		})
	}
}

// TestCancellation covers a task that never returns on its own: cancelled
// while pending, while running, by a deadline, and a Get that gives up.
func TestCancellation(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 1})
	defer rt.Close()
	bg := context.Background()
	blockUntilDone := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }

	t.Run("pending task leaves the queue", func(t *testing.T) {
		gate := make(chan struct{})
		blocker := Go(bg, rt, func(context.Context) (int, error) { <-gate; return 1, nil })
		ctx, cancel := context.WithCancel(bg)
		var called atomic.Bool
		pending := Go(ctx, rt, func(context.Context) (int, error) { called.Store(true); return 2, nil })
		waitFor(t, func() bool { return rt.Stats().TasksQueued == 1 })
		cancel()
		if _, err := pending.Get(bg); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled pending task: err = %v, want context.Canceled", err)
		}
		if q := rt.Stats().TasksQueued; q != 0 {
			t.Fatalf("TasksQueued = %d after cancel, want 0", q)
		}
		close(gate)
		if v, err := blocker.Get(bg); err != nil || v != 1 {
			t.Fatalf("blocker = %d, %v", v, err)
		}
		if called.Load() {
			t.Fatal("a task cancelled while pending was run")
		}
	})
	t.Run("running task sees cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		f := Go(ctx, rt, blockUntilDone)
		waitFor(t, func() bool { return rt.Stats().TasksRunning == 1 })
		cancel()
		if _, err := f.Get(bg); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("task that never returns times out", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		if _, err := Go(ctx, rt, blockUntilDone).Get(bg); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("already cancelled task never runs", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		cancel()
		var called atomic.Bool
		_, err := Go(ctx, rt, func(context.Context) (int, error) { called.Store(true); return 0, nil }).Get(bg)
		if !errors.Is(err, context.Canceled) || called.Load() {
			t.Fatalf("err = %v, called = %v; want context.Canceled and not called", err, called.Load())
		}
	})
	t.Run("Get gives up, the task goes on", func(t *testing.T) {
		gate := make(chan struct{})
		f := Go(bg, rt, func(context.Context) (int, error) { <-gate; return 3, nil })
		ctx, cancel := context.WithTimeout(bg, 10*time.Millisecond)
		defer cancel()
		if _, err := f.Get(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "sluice: exec: get: ") {
			t.Fatalf("Get err = %v, want a deadline error", err)
		}
		close(gate)
		if v, err := f.Get(bg); v != 3 || err != nil {
			t.Fatalf("Get after the task finished = %d, %v; want 3, nil", v, err)
		}
	})
	t.Run("cancelled head of the queue unblocks those behind", func(t *testing.T) {
		rt := newRuntime(t, Options{CPUs: 2})
		defer rt.Close()
		release, err := rt.Acquire(bg)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		ctx, cancel := context.WithCancel(bg)
		big := Go(ctx, rt, func(context.Context) (int, error) { return 2, nil }, CPUs(2))
		small := Go(bg, rt, func(context.Context) (int, error) { return 1, nil })
		waitFor(t, func() bool { return rt.Stats().TasksQueued == 2 })
		if small.Ready() {
			t.Fatal("a task ran ahead of the queue's head")
		}
		cancel()
		if v, err := small.Get(bg); v != 1 || err != nil {
			t.Fatalf("small = %d, %v", v, err)
		}
		if _, err := big.Get(bg); !errors.Is(err, context.Canceled) {
			t.Fatalf("big err = %v, want context.Canceled", err)
		}
	})
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestManyTasksFromManyGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt := newRuntime(t, Options{CPUs: 2})
	defer rt.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	var sum atomic.Int64
	for g := range 4 {
		wg.Go(func() {
			fs := make([]*Future[int], 500)
			for i := range fs {
				fs[i] = Go(ctx, rt, func(context.Context) (int, error) { return g*1000 + i, nil })
			}
			vs, err := GetAll(ctx, fs)
			if err != nil {
				t.Error(err)
				return
			}
			for _, v := range vs {
				sum.Add(int64(v))
			}
		})
	}
	wg.Wait()
	// sum over g of (500*g*1000 + 0+..+499)
	want := int64(500*1000*(0+1+2+3) + 4*(499*500/2))
	if sum.Load() != want {
		t.Fatalf("sum = %d, want %d", sum.Load(), want)
	}
	if s := rt.Stats(); s.TasksSucceeded != 2000 {
		t.Fatalf("stats = %+v, want 2000 succeeded", s)
	}
	// A future resolves just before its worker gives the slot back.
	waitFor(t, func() bool { return rt.Stats().CPUsAvailable == 2 })
}
