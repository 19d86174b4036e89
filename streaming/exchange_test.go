package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/internal/kernels"
	"go.uber.org/goleak"
)

// scrambledSource yields tasks of `per` rows covering 0..n-1, each value v as (v*7919) mod n,
// so the input is a permutation of 0..n-1 in no useful order.
func scrambledSource(n, per int64) *Source {
	return &Source{Name: "Scrambled", Tasks: func(ctx context.Context, yield func(Input) error) error {
		for lo := int64(0); lo < n; lo += per {
			lo, hi := lo, min(lo+per, n)
			err := yield(Input{Origin: fmt.Sprintf("rows %d-%d", lo, hi-1), Read: func(ctx context.Context, tc *TaskContext, emit Emit) error {
				b := array.NewInt64Builder(tc.Mem)
				defer b.Release()
				for v := lo; v < hi; v++ {
					b.Append(v * 7919 % n)
				}
				a := b.NewArray()
				defer a.Release()
				return emit(array.NewRecordBatch(intSchema, []arrow.Array{a}, hi-lo))
			}})
			if err != nil {
				return err
			}
		}
		return nil
	}}
}

// sortReduce concatenates a range partition's pieces and sorts them (a sort's reduce).
func sortReduce(desc bool) ReduceFunc {
	return func(ctx context.Context, tc *TaskContext, p *Partition, emit Emit) error {
		recs, err := readAll(ctx, p.Input(0))
		defer releaseAll(recs)
		if err != nil || len(recs) == 0 {
			return err
		}
		all, err := kernels.ConcatRecords(tc.Mem, recs)
		if err != nil {
			return err
		}
		defer all.Release()
		var k kernels.Keys
		if err := kernels.EncodeKeys(&k, []arrow.Array{all.Column(0)}, []bool{desc}, nil); err != nil {
			return err
		}
		out, err := kernels.Take(ctx, tc.Mem, all, kernels.SortIndices(&k))
		if err != nil {
			return err
		}
		return emit(out)
	}
}

func readAll(ctx context.Context, in *PartitionInput) ([]arrow.RecordBatch, error) {
	var recs []arrow.RecordBatch
	for {
		rec, err := in.Next(ctx)
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// exchangePlan is source -> exchange, with the map side fused into the read tasks.
func exchangePlan(t *testing.T, src *Source, spec ExchangeSpec) Plan {
	t.Helper()
	x, err := NewExchange(spec)
	if err != nil {
		t.Fatal(err)
	}
	src.Stages = append(src.Stages, x.MapStage(0))
	return Plan{{Source: src}, {Exchange: x}}
}

func TestExchangeSort(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int64
		desc   bool
	}{
		{"in memory", 1 << 30, false},
		{"in memory descending", 1 << 30, true},
		{"spilling", 2 << 20, false}, // the input is 8 MB: 4x the budget
		{"spilling descending", 2 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			_, cnt := checked(t)
			spill := t.TempDir()
			const n = 1_000_000
			plan := exchangePlan(t, scrambledSource(n, 20_000), ExchangeSpec{
				Name:   "Sort(id)",
				Inputs: []Partitioning{{Kind: RangePartition, Keys: []string{"id"}, Descending: []bool{tc.desc}}},
				Reduce: sortReduce(tc.desc),
			})
			got, st, err := collect(t, context.Background(), plan, Options{Mem: cnt, MemoryBudget: tc.budget, CPUs: 2, SpillDir: spill})
			if err != nil {
				t.Fatal(err)
			}
			want := seq(0, n, func(v int64) int64 { return v })
			if tc.desc {
				slices.Reverse(want)
			}
			equal(t, got, want)
			x := st.Ops[1]
			if x.Partitions < 2 {
				t.Errorf("%d partitions; want several", x.Partitions)
			}
			if spilled := x.SpilledBytes > 0; spilled != (tc.budget < n*8) {
				t.Errorf("spilled %d bytes at a budget of %d", x.SpilledBytes, tc.budget)
			}
			// A spilling sort keeps to its budget, within a tenth: the store spills
			// before a task's sort would take the run past it, and at the first reduce.
			if tc.budget < n*8 && st.PeakMemory > tc.budget+tc.budget/10 {
				t.Errorf("peak memory %d, budget %d", st.PeakMemory, tc.budget)
			}
			assertEmptyDir(t, spill)
		})
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("spill directory not cleaned: %v", names)
	}
}

// sumByKey is a group-by reduce: the key column 0 mod 1000 with the count of each.
func countReduce(ctx context.Context, tc *TaskContext, p *Partition, emit Emit) error {
	counts := map[int64]int64{}
	for port := 0; port < p.Ports(); port++ {
		recs, err := readAll(ctx, p.Input(port))
		for _, r := range recs {
			for _, v := range r.Column(0).(*array.Int64).Int64Values() {
				counts[v]++
			}
		}
		releaseAll(recs)
		if err != nil {
			return err
		}
	}
	b := array.NewInt64Builder(tc.Mem)
	defer b.Release()
	keys := make([]int64, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.Append(k*1_000_000 + counts[k]) // key and count in one value
	}
	a := b.NewArray()
	defer a.Release()
	return emit(array.NewRecordBatch(intSchema, []arrow.Array{a}, int64(a.Len())))
}

func modStage(m int64) Stage {
	return mapStage(fmt.Sprintf("Map(mod %d)", m), 0, func(v int64) int64 { return v % m })
}

func TestExchangeHashGroupsEqualKeys(t *testing.T) {
	for _, budget := range []int64{1 << 30, 1 << 20} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			_, cnt := checked(t)
			spill := t.TempDir()
			src := scrambledSource(500_000, 10_000)
			src.Stages = []Stage{modStage(1000)}
			plan := exchangePlan(t, src, ExchangeSpec{Name: "GroupBy(id)", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}}, Reduce: countReduce})
			got, st, err := collect(t, context.Background(), plan, Options{Mem: cnt, MemoryBudget: budget, CPUs: 2, SpillDir: spill})
			if err != nil {
				t.Fatal(err)
			}
			// Every key once, with its count: 500 of each of 0..999.
			slices.Sort(got)
			equal(t, got, seq(0, 1000, func(k int64) int64 { return k*1_000_000 + 500 }))
			if budget < 4<<20 && st.Ops[1].SpilledBytes == 0 {
				t.Error("nothing spilled at a 1 MiB budget")
			}
			assertEmptyDir(t, spill)
		})
	}
}

// TestExchangeTwoInputs: both ports of a hash exchange meet in the same partitions.
func TestExchangeTwoInputs(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	x, err := NewExchange(ExchangeSpec{Name: "Join", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}, {Kind: HashPartition, Keys: []string{"id"}}}, Reduce: countReduce})
	if err != nil {
		t.Fatal(err)
	}
	a, b := scrambledSource(30_000, 1000), scrambledSource(20_000, 3000)
	a.Stages = []Stage{modStage(100), x.MapStage(0)}
	b.Stages = []Stage{modStage(100), x.MapStage(1)}
	got, _, err := collect(t, context.Background(), Plan{{Source: a}, {Source: b}, {Exchange: x, Inputs: []int{0, 1}}}, Options{Mem: cnt, CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	equal(t, got, seq(0, 100, func(k int64) int64 { return k*1_000_000 + 500 }))
}

func TestExchangeRandomIsSeededPermutation(t *testing.T) {
	run := func(seed uint64, budget int64) []int64 {
		_, cnt := checked(t)
		plan := exchangePlan(t, scrambledSource(200_000, 5000), ExchangeSpec{Name: "RandomShuffle", Inputs: []Partitioning{{Kind: RandomPartition, Seed: seed}}, Reduce: permuteReduce(seed)})
		got, _, err := collect(t, context.Background(), plan, Options{Mem: cnt, MemoryBudget: budget, CPUs: 2, SpillDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	defer goleak.VerifyNone(t)
	a, b, c := run(1, 1<<30), run(1, 1<<30), run(2, 1<<30)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different orders")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same order")
	}
	spilled := run(1, 1<<20)
	if !slices.Equal(a, spilled) {
		t.Error("spilling changed the order")
	}
	slices.Sort(a)
	equal(t, a, seq(0, 200_000, func(v int64) int64 { return v }))
}

func permuteReduce(seed uint64) ReduceFunc {
	return func(ctx context.Context, tc *TaskContext, p *Partition, emit Emit) error {
		recs, err := readAll(ctx, p.Input(0))
		defer releaseAll(recs)
		if err != nil || len(recs) == 0 {
			return err
		}
		all, err := kernels.ConcatRecords(tc.Mem, recs)
		if err != nil {
			return err
		}
		defer all.Release()
		perm := make([]int64, all.NumRows())
		for i := range perm {
			perm[i] = int64(i)
		}
		rng := rand.New(rand.NewPCG(seed, uint64(p.Index)))
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		out, err := kernels.Take(ctx, tc.Mem, all, perm)
		if err != nil {
			return err
		}
		return emit(out)
	}
}

func TestExchangeOrderAndBlockOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	plan := exchangePlan(t, rangeSource(10_000, 700, nil), ExchangeSpec{Name: "Repartition(3)", Inputs: []Partitioning{{Kind: OrderPartition}}, Partitions: 3})
	e, err := Run(context.Background(), plan, Options{Mem: cnt, MemoryBudget: 64 << 10, SpillDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	var sizes []int64
	var cur int64
	for {
		rec, err := e.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.Column(0).(*array.Int64).Int64Values()...)
		cur += rec.NumRows()
		rec.Release()
		sizes = append(sizes, cur)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	equal(t, got, seq(0, 10_000, func(v int64) int64 { return v }))
	if st := e.Stats(); st.Ops[1].Partitions != 3 {
		t.Errorf("%d partitions, want 3", st.Ops[1].Partitions)
	}

	plan = exchangePlan(t, rangeSource(10_000, 1000, nil), ExchangeSpec{Name: "RandomizeBlockOrder", Inputs: []Partitioning{{Kind: BlockOrderPartition, Seed: 7}}})
	got, _, err = collect(t, context.Background(), plan, Options{Mem: cnt})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(got, seq(0, 10_000, func(v int64) int64 { return v })) {
		t.Error("block order unchanged")
	}
	for i := 0; i < len(got); i += 1000 {
		if got[i]%1000 != 0 || !slices.Equal(got[i:i+1000], seq(got[i], got[i]+1000, func(v int64) int64 { return v })) {
			t.Fatalf("block at %d is not a whole input block", i)
		}
	}
}

// TestExchangeCancelCleansUp stops a spilling exchange in its map phase and in its reduce phase:
// no goroutine, byte or spill file is left.
func TestExchangeCancelCleansUp(t *testing.T) {
	for _, after := range []int{0, 3} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			_, cnt := checked(t)
			spill := t.TempDir()
			plan := exchangePlan(t, scrambledSource(2_000_000, 20_000), ExchangeSpec{Name: "Sort(id)", Inputs: []Partitioning{{Kind: RangePartition, Keys: []string{"id"}}}, Reduce: sortReduce(false)})
			e, err := Run(context.Background(), plan, Options{Mem: cnt, MemoryBudget: 2 << 20, CPUs: 2, SpillDir: spill})
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
				t.Fatal(err)
			}
			assertEmptyDir(t, spill)
		})
	}
}

// TestExchangeFailedTaskLeavesNoDeposits: a tolerated failure in a map task drops what the task
// deposited before failing.
func TestExchangeFailedTaskLeavesNoDeposits(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	src := rangeSource(10_000, 1000, nil)
	fail := Stage{Name: "FailOnTask3", Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
		in.Retain()
		if err := emit(in); err != nil {
			return err
		}
		if tc.Task == 3 {
			return errors.New("boom")
		}
		return nil
	}}
	src.Stages = []Stage{fail}
	plan := exchangePlan(t, src, ExchangeSpec{Name: "GroupBy(id)", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}}, Reduce: countReduce})
	got, st, err := collect(t, context.Background(), plan, Options{Mem: cnt, MaxErroredBlocks: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9000 {
		t.Fatalf("%d keys, want 9000 (task 3's 1000 rows dropped)", len(got))
	}
	for _, v := range got {
		if k := v / 1_000_000; k >= 3000 && k < 4000 {
			t.Fatalf("key %d of the failed task reached the exchange", k)
		}
	}
	if st.Ops[0].TasksSkipped != 1 {
		t.Errorf("%d skipped", st.Ops[0].TasksSkipped)
	}
}

func TestExchangeErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	plan := exchangePlan(t, rangeSource(1000, 100, nil), ExchangeSpec{Name: "Sort(nope)", Inputs: []Partitioning{{Kind: RangePartition, Keys: []string{"nope"}}}})
	_, _, err := collect(t, context.Background(), plan, Options{Mem: cnt})
	if err == nil || !strings.Contains(err.Error(), `key column "nope" is not in the input (columns: [id])`) || !strings.Contains(err.Error(), "SortRuns(nope)") {
		t.Fatalf("error: %v", err)
	}
	// A reduce error names the exchange and the partition.
	plan = exchangePlan(t, rangeSource(1000, 100, nil), ExchangeSpec{Name: "Boom", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}},
		Reduce: func(ctx context.Context, tc *TaskContext, p *Partition, emit Emit) error {
			return errors.New("bad partition")
		}})
	_, _, err = collect(t, context.Background(), plan, Options{Mem: cnt})
	if err == nil || !regexp.MustCompile(`^sluice: Boom: partition \d+ of \d+: bad partition$`).MatchString(err.Error()) {
		t.Fatalf("error: %v", err)
	}
	// A plan whose exchange input does not end with its map stage is refused.
	x, _ := NewExchange(ExchangeSpec{Name: "X", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}}})
	if _, err := Run(context.Background(), Plan{{Source: rangeSource(10, 10, nil)}, {Exchange: x}}, Options{Mem: cnt}); err == nil || !strings.Contains(err.Error(), "does not end with the exchange's map stage") {
		t.Fatalf("error: %v", err)
	}
	if _, err := NewExchange(ExchangeSpec{Name: "X", Inputs: []Partitioning{{Kind: HashPartition}}}); err == nil {
		t.Fatal("a hash exchange without keys was accepted")
	}
}

func TestUnionOrderAndLimit(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	plan := Plan{{Source: rangeSource(1000, 100, nil)}, {Source: scrambledSource(500, 50)}, {Source: rangeSource(300, 70, nil)}, {Union: &Union{}, Inputs: []int{0, 1, 2}}}
	got, _, err := collect(t, context.Background(), plan, Options{Mem: cnt, CPUs: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := seq(0, 1000, func(v int64) int64 { return v })
	want = append(want, seq(0, 500, func(v int64) int64 { return v * 7919 % 500 })...)
	want = append(want, seq(0, 300, func(v int64) int64 { return v })...)
	equal(t, got, want)

	// A limit after a union stops every branch.
	plan = Plan{{Source: rangeSource(1_000_000, 100, nil)}, {Source: rangeSource(1_000_000, 100, nil)}, {Union: &Union{}, Inputs: []int{0, 1}}, {Limit: &Limit{N: 150}}}
	got, _, err = collect(t, context.Background(), plan, Options{Mem: cnt})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, seq(0, 150, func(v int64) int64 { return v }))

	// Unordered: every row once.
	plan = Plan{{Source: rangeSource(1000, 100, nil)}, {Source: rangeSource(1000, 30, nil)}, {Union: &Union{}, Inputs: []int{0, 1}}}
	got, _, err = collect(t, context.Background(), plan, Options{Mem: cnt, Unordered: true})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want = nil
	for v := int64(0); v < 1000; v++ {
		want = append(want, v, v)
	}
	equal(t, got, want)
}

func TestZip(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	plan := Plan{{Source: rangeSource(1000, 64, nil)}, {Source: scrambledSource(1000, 100)}, {Zip: &Zip{}, Inputs: []int{0, 1}}}
	e, err := Run(context.Background(), plan, Options{Mem: cnt})
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
		if rec.NumCols() != 2 || rec.Schema().Field(1).Name != "id_1" {
			t.Fatalf("schema %s", rec.Schema())
		}
		a, b := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Int64)
		for i := 0; i < a.Len(); i++ {
			if b.Value(i) != a.Value(i)*7919%1000 {
				t.Fatalf("row %d: %d beside %d", rows+int64(i), a.Value(i), b.Value(i))
			}
		}
		rows += rec.NumRows()
		rec.Release()
	}
	if err := e.Close(); err != nil || rows != 1000 {
		t.Fatalf("%d rows, %v", rows, err)
	}
	plan = Plan{{Source: rangeSource(1000, 64, nil)}, {Source: rangeSource(1200, 100, nil)}, {Zip: &Zip{}, Inputs: []int{0, 1}}}
	_, _, err = collect(t, context.Background(), plan, Options{Mem: cnt})
	if err == nil || err.Error() != "sluice: Zip: the inputs have different row counts: 1000 and 1200" {
		t.Fatalf("error: %v", err)
	}
	if _, err := Run(context.Background(), plan, Options{Mem: cnt, Unordered: true}); err == nil {
		t.Fatal("an unordered zip was accepted")
	}
}

func TestDAGPlanString(t *testing.T) {
	x, _ := NewExchange(ExchangeSpec{Name: "Join(id)", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}, {Kind: HashPartition, Keys: []string{"k"}}}})
	a, b := rangeSource(10, 10, nil), rangeSource(10, 10, nil)
	a.Stages = []Stage{x.MapStage(0)}
	b.Name = "Other"
	b.Stages = []Stage{x.MapStage(1)}
	plan := Plan{{Source: a}, {Source: b}, {Exchange: x, Inputs: []int{0, 1}}, {Map: &Map{Stages: []Stage{{Name: "Map(f)"}}}}}
	want := `TaskPoolMapOperator[Map(f)]
+- ExchangeOperator[Join(id)] partition=hash(id)|hash(k) partitions=128
   +- TaskPoolMapOperator[Range->HashPartition(id)]
   +- TaskPoolMapOperator[Other->HashPartition(k)]
`
	if got := plan.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if err := (Plan{{Source: a}, {Source: b}, {Union: &Union{}, Inputs: []int{0, 0}}}).validate(Options{}); err == nil || !strings.Contains(err.Error(), "plan it twice") {
		t.Fatalf("error: %v", err)
	}
	_ = filepath.Join
}
