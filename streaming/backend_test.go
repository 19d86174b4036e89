package streaming

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"go.uber.org/goleak"
)

// byHand runs source -> exchange the way a distributed backend does, without the executor: each
// read task through RunTask, every block cut by Split, the pieces grouped by bucket (in task
// order), and each bucket reduced from a Partition made by NewPartition.
func byHand(t *testing.T, ctx context.Context, cnt *CountingAllocator, src *Source, x *Exchange) []int64 {
	t.Helper()
	var inputs []Input
	if err := src.Tasks(ctx, func(in Input) error { inputs = append(inputs, in); return nil }); err != nil {
		t.Fatal(err)
	}
	stages := src.Stages[:len(src.Stages)-1] // without the exchange's map side
	if _, _, ok := src.Stages[len(src.Stages)-1].ExchangeInput(); !ok {
		t.Fatal("the source's last stage is not the exchange's map side")
	}
	buckets := make([][]arrow.RecordBatch, x.Buckets())
	for task, in := range inputs {
		tc := &TaskContext{Mem: cnt, Op: src.Name, Task: task, Origin: in.Origin, Attempt: 1}
		sub := 0
		err := RunTask(ctx, tc, func(emit Emit) error { return in.Read(ctx, tc, emit) }, stages, func(rec arrow.RecordBatch) error {
			defer rec.Release()
			err := x.Split(ctx, tc, 0, sub, rec, func(b int, piece arrow.RecordBatch) error {
				buckets[b] = append(buckets[b], piece)
				return nil
			})
			sub++
			return err
		})
		in.release()
		if err != nil {
			t.Fatal(err)
		}
	}
	var out []int64
	spec := x.Spec()
	for b, pieces := range buckets {
		if len(pieces) == 0 {
			continue
		}
		p := NewPartition(b, len(buckets), []*arrow.Schema{pieces[0].Schema()}, [][]arrow.RecordBatch{pieces})
		tc := &TaskContext{Mem: cnt, Op: spec.Name, Task: b, Attempt: 1}
		emit := func(rec arrow.RecordBatch) error {
			out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
			rec.Release()
			return nil
		}
		var err error
		if spec.Reduce != nil {
			err = spec.Reduce(ctx, tc, p, emit)
		} else {
			recs, rerr := readAll(ctx, p.Input(0))
			for _, r := range recs {
				if err == nil {
					err = emit(r)
				} else {
					r.Release()
				}
			}
			err = errors.Join(rerr, err)
		}
		p.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestBackendViewsMatchTheExecutor(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		spec   ExchangeSpec
		sorted bool // the output order is the executor's too
	}{
		{"hash", ExchangeSpec{Name: "GroupBy(id)", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}}, Reduce: countReduce}, false},
		{"random", ExchangeSpec{Name: "RandomShuffle", Inputs: []Partitioning{{Kind: RandomPartition, Seed: 7}}}, false},
		{"range", ExchangeSpec{Name: "Sort(id)", Inputs: []Partitioning{{Kind: RangePartition, Keys: []string{"id"}}}, Reduce: sortReduce(false)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, cnt := checked(t)
			newSrc := func() *Source {
				s := scrambledSource(50_000, 5_000)
				s.Stages = []Stage{modStage(1000)}
				return s
			}
			plan := exchangePlan(t, newSrc(), c.spec)
			want, _, err := collect(t, ctx, plan, Options{Mem: cnt, CPUs: 2, SpillDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			hand := exchangePlan(t, newSrc(), c.spec)
			got := byHand(t, ctx, cnt, hand[0].Source, hand[1].Exchange)
			if !c.sorted {
				slices.Sort(got)
				slices.Sort(want)
			}
			equal(t, got, want)
		})
	}
}

func TestSplitKeepsEqualKeysTogether(t *testing.T) {
	_, cnt := checked(t)
	x, err := NewExchange(ExchangeSpec{Name: "GroupBy(id)", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}}, Partitions: 16})
	if err != nil {
		t.Fatal(err)
	}
	if x.Buckets() != 16 || x.Spec().Partitions != 16 {
		t.Fatalf("Buckets %d, Spec().Partitions %d; want 16", x.Buckets(), x.Spec().Partitions)
	}
	home := map[int64]int{}
	rows := 0
	tc := &TaskContext{Mem: cnt}
	for task := int64(0); task < 4; task++ {
		rec := ints(cnt, task*100, task*100+1000)
		err := x.Split(context.Background(), tc, 0, 0, rec, func(b int, piece arrow.RecordBatch) error {
			defer piece.Release()
			for _, v := range piece.Column(0).(*array.Int64).Int64Values() {
				if h, ok := home[v]; ok && h != b {
					t.Fatalf("key %d in buckets %d and %d", v, h, b)
				}
				home[v] = b
				rows++
			}
			return nil
		})
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if rows != 4000 {
		t.Fatalf("Split passed on %d rows, want 4000", rows)
	}
	if err := x.Split(context.Background(), tc, 3, 0, nil, nil); err == nil {
		t.Fatal("Split of a port the exchange does not have: no error")
	}
}
