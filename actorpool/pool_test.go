package actorpool

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestDefaultPoolRunsCalls(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name  string
		opts  Options
		calls int
	}{
		{"zero options", Options{}, 10},
		{"three actors", Options{Min: 3}, 30},
		{"queued calls", Options{Min: 2, MaxInFlight: 4}, 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			ctx := context.Background()
			p, err := New(ctx, reg.newActor, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var sum atomic.Int64
			for i := range c.calls {
				err := p.Do(ctx, func(_ context.Context, a *testActor) error {
					a.calls++ // no lock: one goroutine owns a
					sum.Add(int64(i))
					return nil
				})
				if err != nil {
					t.Fatalf("Do %d: %v", i, err)
				}
			}
			st := p.Stats()
			if err := p.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if want := int64(c.calls * (c.calls - 1) / 2); sum.Load() != want {
				t.Errorf("sum of call inputs = %d, want %d", sum.Load(), want)
			}
			want := c.opts.EnsureDefaults().Min
			if st.Actors != want || st.Calls != int64(c.calls) || st.Failed != 0 || st.Restarts != 0 {
				t.Errorf("Stats = %d actors, %d calls, %d failed, %d restarts; want %d, %d, 0, 0",
					st.Actors, st.Calls, st.Failed, st.Restarts, want, c.calls)
			}
			var perActor int64
			for _, a := range st.PerActor {
				perActor += a.Calls
			}
			if perActor != int64(c.calls) || len(st.PerActor) != want {
				t.Errorf("PerActor: %d actors with %d calls, want %d with %d", len(st.PerActor), perActor, want, c.calls)
			}
			if n := reg.checkClosedOnce(t); n != want {
				t.Errorf("%d actors built, want %d", n, want)
			}
		})
	}
}

func TestZeroPool(t *testing.T) {
	var p Pool[*testActor]
	ctx := context.Background()
	noop := func(context.Context, *testActor) error { return nil }
	cases := []struct {
		name string
		call func() error
	}{
		{"Submit", func() error { return p.Submit(ctx, noop, nil) }},
		{"TrySubmit", func() error { return p.TrySubmit(ctx, noop, nil) }},
		{"Do", func() error { return p.Do(ctx, noop) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, ErrNotBuilt) {
				t.Errorf("%s on a zero Pool = %v, want ErrNotBuilt", c.name, err)
			}
		})
	}
	p.SetBacklog(3)
	if err := p.Close(); err != nil {
		t.Errorf("Close on a zero Pool = %v, want nil", err)
	}
	if st := p.Stats(); st.Actors != 0 || st.History != nil || p.Err() != nil {
		t.Errorf("zero Pool: Stats %+v, Err %v; want zero", st, p.Err())
	}
}

func TestSubmitBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	reg := newRegistry()
	p, err := New(context.Background(), reg.newActor, Options{Name: "stage"})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	noop := func(context.Context, *testActor) error { return nil }
	cases := []struct {
		name string
		ctx  context.Context
		fn   Func[*testActor]
		want string
	}{
		{"nil function", context.Background(), nil, "sluice: actorpool(stage): Submit: the call function is nil"},
		{"cancelled context", cancelled, noop, context.Canceled.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			for _, submit := range []func(context.Context, Func[*testActor], func(error)) error{p.Submit, p.TrySubmit} {
				err := submit(c.ctx, c.fn, func(error) { called = true })
				if err == nil || err.Error() != c.want {
					t.Errorf("submit error %v, want %q", err, c.want)
				}
			}
			if called {
				t.Error("done was called for a refused call")
			}
		})
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Do(context.Background(), noop); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close = %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	reg.checkClosedOnce(t)
}

func TestCallErrorPassesThrough(t *testing.T) {
	defer goleak.VerifyNone(t)
	reg := newRegistry()
	ctx := context.Background()
	p, err := New(ctx, reg.newActor, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := errors.New("bad row 7")
	cases := []struct {
		name string
		err  error
	}{{"error", bad}, {"wrapped error", fmt.Errorf("batch 3: %w", bad)}, {"nil", nil}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.Do(ctx, func(context.Context, *testActor) error { return c.err })
			if got != c.err {
				t.Errorf("Do = %v, want %v unchanged", got, c.err)
			}
		})
	}
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Failed != 2 || st.Calls != 3 || st.Restarts != 0 || st.Actors != 1 {
		t.Errorf("Stats: %d failed of %d calls, %d restarts, %d actors; want 2 of 3, 0, 1", st.Failed, st.Calls, st.Restarts, st.Actors)
	}
	if n := reg.checkClosedOnce(t); n != 1 {
		t.Errorf("%d actors built, want 1: an error must not replace the actor", n)
	}
}

// TestBackpressure fills a pool whose actors are held by a gate: exactly Min*MaxInFlight calls
// are admitted, then TrySubmit refuses and Submit blocks until ctx ends.
func TestBackpressure(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name        string
		min, flight int
	}{{"one actor, one call", 1, 1}, {"two actors, one call", 2, 1}, {"two actors, three calls", 2, 3}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			ctx := context.Background()
			p, err := New(ctx, reg.newActor, Options{Min: c.min, MaxInFlight: c.flight})
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			var done atomic.Int64
			held := func(context.Context, *testActor) error { <-gate; return nil }
			capacity := c.min * c.flight
			for i := range capacity {
				if err := p.TrySubmit(ctx, held, func(error) { done.Add(1) }); err != nil {
					t.Fatalf("TrySubmit %d of %d: %v", i, capacity, err)
				}
			}
			if err := p.TrySubmit(ctx, held, func(error) { done.Add(1) }); !errors.Is(err, ErrFull) {
				t.Errorf("TrySubmit past capacity = %v, want ErrFull", err)
			}
			short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			err = p.Submit(short, held, func(error) { done.Add(1) })
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Submit past capacity = %v, want context.DeadlineExceeded", err)
			}
			if st := p.Stats(); st.InFlight != capacity {
				t.Errorf("InFlight = %d, want %d", st.InFlight, capacity)
			}
			close(gate)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if done.Load() != int64(capacity) {
				t.Errorf("done called %d times, want %d (once per accepted call)", done.Load(), capacity)
			}
			reg.checkClosedOnce(t)
		})
	}
}

// TestWaitingSubmitterStops checks that a Submit blocked on a full pool returns when its
// context is cancelled or the pool closes, and that a queued call whose context ended is
// finished without running.
func TestWaitingSubmitterStops(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name string
		stop func(cancel context.CancelFunc, p *Pool[*testActor])
		want error
	}{
		{"context cancelled", func(cancel context.CancelFunc, _ *Pool[*testActor]) { cancel() }, context.Canceled},
		{"pool closed", func(_ context.CancelFunc, p *Pool[*testActor]) { go p.Close() }, ErrClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry()
			bg := context.Background()
			p, err := New(bg, reg.newActor, Options{MaxInFlight: 2})
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			first := make(chan error, 1)
			if err := p.Submit(bg, func(context.Context, *testActor) error { <-gate; return nil },
				func(err error) { first <- err }); err != nil {
				t.Fatal(err)
			}
			// A queued call whose context is cancelled before it starts must not run.
			qctx, qcancel := context.WithCancel(bg)
			queued := make(chan error, 1)
			ran := false
			if err := p.Submit(qctx, func(context.Context, *testActor) error { ran = true; return nil },
				func(err error) { queued <- err }); err != nil {
				t.Fatal(err)
			}
			qcancel()
			wctx, wcancel := context.WithCancel(bg)
			defer wcancel()
			waited := make(chan error, 1)
			go func() {
				waited <- p.Submit(wctx, func(context.Context, *testActor) error { return nil }, nil)
			}()
			eventually(t, time.Second, "a waiting submitter", func() bool {
				p.mu.Lock()
				defer p.mu.Unlock()
				return p.waiters == 1
			})
			c.stop(wcancel, p)
			select {
			case err := <-waited:
				if !errors.Is(err, c.want) {
					t.Errorf("waiting Submit = %v, want %v", err, c.want)
				}
			case <-time.After(time.Second):
				t.Fatal("waiting Submit did not return")
			}
			close(gate)
			if err := <-first; err != nil {
				t.Errorf("held call: %v", err)
			}
			if err := <-queued; !errors.Is(err, context.Canceled) || ran {
				t.Errorf("queued cancelled call: err %v, ran %v; want context.Canceled without running", err, ran)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			reg.checkClosedOnce(t)
		})
	}
}

// TestArrowBatches drives the pool the way an executor does: batches go in through TrySubmit
// (retried when a result comes back), results come back out of order through done, and the
// caller restores input order by sequence number and releases every batch.
func TestArrowBatches(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name         string
		opts         Options
		batches, len int
	}{
		{"one actor", Options{}, 20, 100},
		{"three actors, two in flight", Options{Min: 3, MaxInFlight: 2}, 50, 64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			type result struct {
				seq int
				out arrow.RecordBatch
				err error
			}
			results := make(chan result, c.batches)
			schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
			p, err := New(ctx, func(context.Context) (*scaler, error) { return &scaler{mem: mem, by: 2}, nil }, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			next := 0
			for next < c.batches {
				in := makeBatch(mem, schema, next*c.len, c.len)
				seq := next
				var out arrow.RecordBatch
				fn := func(ctx context.Context, s *scaler) error {
					var err error
					out, err = s.apply(in)
					return err
				}
				done := func(err error) {
					in.Release()
					results <- result{seq, out, err}
				}
				for {
					err := p.TrySubmit(ctx, fn, done)
					if err == nil {
						break
					}
					if !errors.Is(err, ErrFull) {
						t.Fatal(err)
					}
					time.Sleep(50 * time.Microsecond)
				}
				next++
			}
			got := make([]arrow.RecordBatch, c.batches)
			for range c.batches {
				r := <-results
				if r.err != nil {
					t.Fatalf("batch %d: %v", r.seq, r.err)
				}
				got[r.seq] = r.out
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			for seq, b := range got {
				col := b.Column(0).(*array.Int64)
				for i := range col.Len() {
					if want := int64(2 * (seq*c.len + i)); col.Value(i) != want {
						t.Fatalf("batch %d row %d = %d, want %d", seq, i, col.Value(i), want)
					}
				}
				b.Release()
			}
		})
	}
}

// scaler is an actor that multiplies an int64 column by a fixed factor, allocating with mem.
type scaler struct {
	mem memory.Allocator
	by  int64
}

func (s *scaler) apply(in arrow.RecordBatch) (arrow.RecordBatch, error) {
	col, ok := in.Column(0).(*array.Int64)
	if !ok {
		return nil, fmt.Errorf("column 0 is %s, want int64", in.Column(0).DataType())
	}
	b := array.NewInt64Builder(s.mem)
	defer b.Release()
	b.Reserve(col.Len())
	for i := range col.Len() {
		b.UnsafeAppend(col.Value(i) * s.by)
	}
	arr := b.NewArray()
	defer arr.Release()
	return array.NewRecordBatch(in.Schema(), []arrow.Array{arr}, int64(arr.Len())), nil
}

func makeBatch(mem memory.Allocator, schema *arrow.Schema, from, n int) arrow.RecordBatch {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for i := range n {
		b.Append(int64(from + i))
	}
	arr := b.NewArray()
	defer arr.Release()
	return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(n))
}

// ctxActor keeps the context its constructor got, as an actor holding a connection might.
type ctxActor struct{ ctx context.Context }

// TestActorContextLifetime checks that the context a constructor receives outlives New's
// context and ends with Close, and that it carries New's context values.
func TestActorContextLifetime(t *testing.T) {
	defer goleak.VerifyNone(t)
	type key struct{}
	cases := []struct {
		name      string
		restarted bool // the actor checked was rebuilt after a panic
	}{
		{"built by New", false},
		{"rebuilt after a panic", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			newCtx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
			var actors []*ctxActor
			p, err := New(newCtx, func(ctx context.Context) (*ctxActor, error) {
				a := &ctxActor{ctx: ctx}
				actors = append(actors, a) // constructors of one slot run one after another
				return a, nil
			}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			bg := context.Background()
			if c.restarted {
				var once atomic.Bool
				if err := p.Do(bg, func(context.Context, *ctxActor) error {
					if !once.Swap(true) {
						panic("reload")
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			var actorCtx context.Context
			if err := p.Do(bg, func(_ context.Context, a *ctxActor) error { actorCtx = a.ctx; return nil }); err != nil {
				t.Fatal(err)
			}
			if err := actorCtx.Err(); err != nil {
				t.Errorf("actor context ended with New's: %v", err)
			}
			if v := actorCtx.Value(key{}); v != "v" {
				t.Errorf("actor context value = %v, want New's context value", v)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if actorCtx.Err() == nil {
				t.Error("actor context still live after Close")
			}
			want := 1
			if c.restarted {
				want = 2
			}
			if len(actors) != want {
				t.Errorf("%d actors built, want %d", len(actors), want)
			}
		})
	}
}
