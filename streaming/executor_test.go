package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

var intSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)

// ints builds a block with the values lo..hi-1.
func ints(mem memory.Allocator, lo, hi int64) arrow.RecordBatch {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for v := lo; v < hi; v++ {
		b.Append(v)
	}
	a := b.NewArray()
	defer a.Release()
	return array.NewRecordBatch(intSchema, []arrow.Array{a}, hi-lo)
}

// rangeSource yields tasks of `per` rows each covering 0..n-1.
func rangeSource(n, per int64, delay func(task int64) time.Duration) *Source {
	return &Source{Name: "Range", Tasks: func(ctx context.Context, yield func(Input) error) error {
		for lo := int64(0); lo < n; lo += per {
			lo, hi := lo, min(lo+per, n)
			err := yield(Input{Origin: fmt.Sprintf("rows %d-%d", lo, hi-1), Read: func(ctx context.Context, tc *TaskContext, emit Emit) error {
				if delay != nil {
					time.Sleep(delay(lo / per))
				}
				return emit(ints(tc.Mem, lo, hi))
			}})
			if err != nil {
				return err
			}
		}
		return nil
	}}
}

func mapStage(name string, batch int, f func(v int64) int64) Stage {
	return Stage{Name: name, BatchRows: batch, Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
		col := in.Column(0).(*array.Int64)
		b := array.NewInt64Builder(tc.Mem)
		defer b.Release()
		for i := 0; i < col.Len(); i++ {
			b.Append(f(col.Value(i)))
		}
		a := b.NewArray()
		defer a.Release()
		return emit(array.NewRecordBatch(intSchema, []arrow.Array{a}, int64(a.Len())))
	}}
}

// collect runs plan to the end and returns every value and the stats.
func collect(t *testing.T, ctx context.Context, plan Plan, opts Options) ([]int64, Stats, error) {
	t.Helper()
	e, err := Run(ctx, plan, opts)
	if err != nil {
		return nil, Stats{}, err
	}
	var out []int64
	for {
		rec, err := e.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			e.Close()
			return out, e.Stats(), err
		}
		out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
		rec.Release()
	}
	return out, e.Stats(), e.Close()
}

func checked(t *testing.T) (*memcheck.Allocator, *CountingAllocator) {
	mem := memcheck.New(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem, NewCountingAllocator(mem)
}

func seq(lo, hi int64, f func(int64) int64) []int64 {
	var out []int64
	for v := lo; v < hi; v++ {
		out = append(out, f(v))
	}
	return out
}

func equal(t *testing.T, got, want []int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("value %d: got %d, want %d", i, got[i], want[i])
		}
	}
}

func TestRunPlans(t *testing.T) {
	jitter := func(task int64) time.Duration { return time.Duration(rand.IntN(3)) * time.Millisecond }
	double := func(v int64) int64 { return 2 * v }
	id := func(v int64) int64 { return v }
	cases := []struct {
		name string
		plan func() Plan
		opts Options
		want []int64
	}{
		{"source only", func() Plan { return Plan{{Source: rangeSource(1000, 100, nil)}} }, Options{}, seq(0, 1000, id)},
		{"ordered despite jitter", func() Plan {
			s := rangeSource(2000, 50, jitter)
			s.Stages = []Stage{mapStage("Map(double)", 0, double)}
			return Plan{{Source: s}}
		}, Options{CPUs: 4}, seq(0, 2000, double)},
		{"map op with batches spanning blocks", func() Plan {
			return Plan{{Source: rangeSource(1000, 30, nil)}, {Map: &Map{Name: "m", MinRowsPerTask: 64, Stages: []Stage{mapStage("MapBatches(double)", 64, double)}}}}
		}, Options{}, seq(0, 1000, double)},
		{"limit inside a block", func() Plan {
			return Plan{{Source: rangeSource(100000, 100, nil)}, {Limit: &Limit{N: 250}}}
		}, Options{}, seq(0, 250, id)},
		{"limit then map", func() Plan {
			return Plan{{Source: rangeSource(100000, 100, jitter)}, {Limit: &Limit{N: 1234}}, {Map: &Map{Stages: []Stage{mapStage("Map(double)", 0, double)}}}}
		}, Options{}, seq(0, 1234, double)},
		{"tiny budget still finishes in order", func() Plan {
			return Plan{{Source: rangeSource(20000, 100, nil)}, {Map: &Map{Stages: []Stage{mapStage("Map(double)", 0, double)}}}, {Map: &Map{Stages: []Stage{mapStage("Map(id)", 7, id)}}}}
		}, Options{MemoryBudget: 1, TargetMinBlockBytes: 1}, seq(0, 20000, double)},
		{"empty source", func() Plan { return Plan{{Source: rangeSource(0, 10, nil)}} }, Options{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			_, cnt := checked(t)
			c.opts.Mem = cnt
			got, _, err := collect(t, context.Background(), c.plan(), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, got, c.want)
		})
	}
}

func TestUnorderedHasEveryRow(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	s := rangeSource(5000, 100, func(task int64) time.Duration { return time.Duration(5-task%5) * time.Millisecond })
	got, _, err := collect(t, context.Background(), Plan{{Source: s}}, Options{Mem: cnt, Unordered: true, CPUs: 4})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, v := range got {
		seen[v] = true
	}
	if len(got) != 5000 || len(seen) != 5000 {
		t.Fatalf("got %d rows, %d distinct, want 5000", len(got), len(seen))
	}
}

func TestErrorsNameOperatorAndInput(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name  string
		stage Stage
		want  []string
		panic bool
	}{
		{"error", Stage{Name: "MapBatches(parse)", BatchRows: 10, Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
			if in.Column(0).(*array.Int64).Value(0) == 120 {
				return boom
			}
			in.Retain()
			return emit(in)
		}}, []string{"sluice: MapBatches(parse): rows 100-199 rows 20-29: boom"}, false},
		{"panic", Stage{Name: "Map(crash)", Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
			if in.Column(0).(*array.Int64).Value(0) == 300 {
				var m map[string]int
				m["x"] = 1
			}
			in.Retain()
			return emit(in)
		}}, []string{"sluice: Map(crash): rows 300-399 rows 0-99: panic: assignment to entry in nil map", "executor_test.go"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			_, cnt := checked(t)
			s := rangeSource(10000, 100, nil)
			s.Stages = []Stage{c.stage}
			_, _, err := collect(t, context.Background(), Plan{{Source: s}}, Options{Mem: cnt})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var pe *PanicError
			if errors.As(err, &pe) != c.panic {
				t.Errorf("PanicError in chain: %v, want %v", !c.panic, c.panic)
			}
			if !c.panic && !errors.Is(err, boom) {
				t.Errorf("error %v does not wrap the cause", err)
			}
		})
	}
}

func TestSourceListingError(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	src := &Source{Name: "ReadCSV", Tasks: func(ctx context.Context, yield func(Input) error) error {
		return errors.New("list data/: no such file or directory")
	}}
	_, _, err := collect(t, context.Background(), Plan{{Source: src}}, Options{Mem: cnt})
	if err == nil || !strings.Contains(err.Error(), "sluice: ReadCSV: list data/") {
		t.Fatalf("got %v", err)
	}
}

func TestTolerateErroredBlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	s := rangeSource(1000, 100, nil)
	s.Stages = []Stage{{Name: "Map(flaky)", Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
		if v := in.Column(0).(*array.Int64).Value(0); v == 200 || v == 700 {
			return fmt.Errorf("bad block at %d", v)
		}
		in.Retain()
		return emit(in)
	}}}
	got, st, err := collect(t, context.Background(), Plan{{Source: s}}, Options{Mem: cnt, MaxErroredBlocks: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(seq(0, 200, func(v int64) int64 { return v }), seq(300, 700, func(v int64) int64 { return v })...), seq(800, 1000, func(v int64) int64 { return v })...)
	equal(t, got, want)
	skipped := strings.Join(st.Ops[0].Skipped, "\n")
	if st.Ops[0].TasksSkipped != 2 || !strings.Contains(skipped, "bad block at 200") || !strings.Contains(skipped, "bad block at 700") {
		t.Fatalf("skipped: %d %q", st.Ops[0].TasksSkipped, st.Ops[0].Skipped)
	}
	// One more failure than allowed fails the run (which one comes second depends on timing).
	_, _, err = collect(t, context.Background(), Plan{{Source: s}}, Options{Mem: cnt, MaxErroredBlocks: 1})
	if err == nil || !strings.Contains(err.Error(), "bad block at") {
		t.Fatalf("got %v, want the second failure", err)
	}
}

func TestCloseEarlyReleasesEverything(t *testing.T) {
	for _, after := range []int{0, 1, 5} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			_, cnt := checked(t)
			s := rangeSource(1_000_000, 1000, nil)
			s.Stages = []Stage{mapStage("Map(double)", 0, func(v int64) int64 { return 2 * v })}
			e, err := Run(context.Background(), Plan{{Source: s}, {Map: &Map{Stages: []Stage{mapStage("m", 100, func(v int64) int64 { return v })}}}}, Options{Mem: cnt})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < after; i++ {
				rec, err := e.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				rec.Release()
			}
			if err := e.Close(); err != nil {
				t.Fatalf("Close after a user stop: %v", err)
			}
		})
	}
}

func TestContextCancelStopsRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := rangeSource(1_000_000, 1000, func(int64) time.Duration { return time.Millisecond })
	e, err := Run(ctx, Plan{{Source: s}}, Options{Mem: cnt})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	cancel()
	for {
		rec, err := e.Next(context.Background())
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			break
		}
		rec.Release()
	}
	e.Close()
}

// TestMemoryBudgetHolds runs a source that produces 40x the budget through a slow consumer and
// checks the allocator never held much more than the budget.
func TestMemoryBudgetHolds(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	const budget = 4 << 20
	s := rangeSource(20_000_000, 50_000, nil) // 400 KB blocks, 160 MB in all
	s.Stages = []Stage{mapStage("Map(double)", 0, func(v int64) int64 { return 2 * v })}
	e, err := Run(context.Background(), Plan{{Source: s}, {Map: &Map{Stages: []Stage{mapStage("Map(id)", 0, func(v int64) int64 { return v })}}}},
		Options{Mem: cnt, MemoryBudget: budget, CPUs: 4})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for {
		rec, err := e.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows += rec.NumRows()
		rec.Release()
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if rows != 20_000_000 {
		t.Fatalf("rows %d", rows)
	}
	// Each of 4 slots may hold an input and an output block above the budget.
	if limit := int64(budget + 4*2*400_000 + 1<<20); st.PeakMemory > limit {
		t.Fatalf("peak memory %d over %d (budget %d)\n%s", st.PeakMemory, limit, budget, st)
	}
	t.Logf("peak %s of budget %s", FormatBytes(st.PeakMemory), FormatBytes(budget))
}

func TestPlanString(t *testing.T) {
	s := rangeSource(10, 10, nil)
	s.Stages = []Stage{{Name: "Map(f)"}}
	p := Plan{{Source: s}, {Limit: &Limit{N: 5}}, {Map: &Map{Stages: []Stage{{Name: "MapBatches(g)"}, {Name: "Filter(h)"}}, MaxConcurrency: 2}}}
	want := "TaskPoolMapOperator[MapBatches(g)->Filter(h)] concurrency=2\n+- LimitOperator[limit=5]\n   +- TaskPoolMapOperator[Range->Map(f)]\n"
	if got := p.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if err := (Plan{{Map: &Map{}}}).validate(Options{}); err == nil {
		t.Fatal("a plan without a source validated")
	}
}
