package data

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func allIDs(t *testing.T, ds *Dataset) []int64 {
	t.Helper()
	var out []int64
	for b, err := range ds.IterBatches(context.Background(), BatchSize(1000)) {
		if err != nil {
			t.Fatal(err)
		}
		v, _ := b.Int64s("id")
		out = append(out, v...)
	}
	return out
}

func isPermutation(t *testing.T, got []int64, n int) {
	t.Helper()
	s := slices.Clone(got)
	slices.Sort(s)
	if len(s) != n {
		t.Fatalf("%d rows, want %d", len(s), n)
	}
	for i, v := range s {
		if v != int64(i) {
			t.Fatalf("not a permutation: sorted[%d] = %d", i, v)
		}
	}
}

func TestRandomShuffle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int64
	}{{"in memory", 64 << 20}, {"spilled to disk", 64 << 10}} {
		t.Run(tc.name, func(t *testing.T) {
			c := testContext(t)
			c.MemoryBudget = tc.budget
			ds := Range(50_000).WithContext(c).RandomShuffle(42)
			a, b := allIDs(t, ds), allIDs(t, ds)
			isPermutation(t, a, 50_000)
			if !slices.Equal(a, b) {
				t.Fatal("same seed, different order")
			}
			if slices.Equal(a, allIDs(t, Range(50_000).WithContext(c).RandomShuffle(43))) {
				t.Fatal("another seed gave the same order")
			}
			if slices.IsSorted(a[:1000]) {
				t.Fatal("not shuffled")
			}
		})
	}
}

func TestRandomizeBlockOrderAndRepartition(t *testing.T) {
	c := testContext(t)
	a := allIDs(t, Range(20_000).WithContext(c).RandomizeBlockOrder(1))
	isPermutation(t, a, 20_000)
	if slices.IsSorted(a) {
		t.Fatal("blocks kept their order")
	}
	rp := Range(10_000).WithContext(c).Repartition(3)
	var sizes []int64
	for _, err := range rp.IterBatches(context.Background(), BatchSize(100_000)) {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := rp.Stats()
	x := st.Ops[len(st.Ops)-1] // the exchange
	sizes = append(sizes, x.OutputRows)
	if x.Tasks != 3 || x.Partitions != 3 || sizes[0] != 10_000 {
		t.Fatalf("repartition: %d tasks, %d rows\n%s", st.Ops[0].Tasks, sizes[0], st)
	}
	wantRange(t, allIDs(t, rp), 10_000, func(v int64) int64 { return v })
}

func TestSplits(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	parts, err := Range(1000).WithContext(c).Split(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var counts []int64
	var all []int64
	for _, p := range parts {
		n, _ := p.Count(ctx)
		counts = append(counts, n)
		all = append(all, allIDs(t, p)...)
		p.Release()
	}
	if fmt.Sprint(counts) != "[333 333 334]" {
		t.Fatalf("counts %v", counts)
	}
	wantRange(t, all, 1000, func(v int64) int64 { return v })
	parts, err = Range(100).WithContext(c).SplitAt(ctx, 10, 90)
	if err != nil {
		t.Fatal(err)
	}
	counts = nil
	for _, p := range parts {
		n, _ := p.Count(ctx)
		counts = append(counts, n)
		p.Release()
	}
	if fmt.Sprint(counts) != "[10 80 10]" {
		t.Fatalf("SplitAt counts %v", counts)
	}
	train, test, err := Range(1000).WithContext(c).TrainTestSplit(ctx, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	tr, te := allIDs(t, train), allIDs(t, test)
	train.Release()
	test.Release()
	if len(tr) != 800 || len(te) != 200 {
		t.Fatalf("train %d test %d", len(tr), len(te))
	}
	isPermutation(t, append(tr, te...), 1000)
	s1 := allIDs(t, Range(10_000).WithContext(c).RandomSample(0.1, 3))
	s2 := allIDs(t, Range(10_000).WithContext(c).RandomSample(0.1, 3))
	if !slices.Equal(s1, s2) || len(s1) < 800 || len(s1) > 1200 {
		t.Fatalf("sample: %d and %d rows", len(s1), len(s2))
	}
}

// TestStreamingSplitSlowConsumer: one of two consumers is 10x slower; the run finishes within
// the memory budget, every row is delivered once, and with Equal both get the same count.
func TestStreamingSplitSlowConsumer(t *testing.T) {
	for _, equal := range []bool{false, true} {
		t.Run(fmt.Sprint("equal=", equal), func(t *testing.T) {
			c := testContext(t)
			c.MemoryBudget = 1 << 20
			c.TargetMinBlockSize = 1 // keep 5000-row blocks: 40 of them to share out
			ds := Range(200_000).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return b, nil }, BatchSize(5000))
			var opts []Option
			if equal {
				opts = append(opts, Equal())
			}
			split, err := ds.StreamingSplit(2, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer split.Close()
			for epoch := 0; epoch < 2; epoch++ {
				got := make([][]int64, 2)
				var wg sync.WaitGroup
				for i := 0; i < 2; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for b, err := range split.Shard(i).IterBatches(context.Background(), BatchSize(1000)) {
							if err != nil {
								t.Error(err)
								return
							}
							v, _ := b.Int64s("id")
							got[i] = append(got[i], v...)
							if i == 1 {
								time.Sleep(200 * time.Microsecond) // 10x slower than shard 0
							} else {
								time.Sleep(20 * time.Microsecond)
							}
						}
					}()
				}
				wg.Wait()
				isPermutation(t, append(slices.Clone(got[0]), got[1]...), 200_000)
				if equal && len(got[0]) != len(got[1]) {
					t.Fatalf("epoch %d: equal split gave %d and %d rows", epoch, len(got[0]), len(got[1]))
				}
				if !equal && len(got[0]) <= len(got[1]) {
					t.Fatalf("epoch %d: the fast shard got %d rows, the slow one %d", epoch, len(got[0]), len(got[1]))
				}
			}
			st := split.Stats()
			if st.Epochs != 2 {
				t.Fatalf("stats %+v", st)
			}
			if equal && st.Shards[1].Stall == 0 {
				t.Fatalf("the slow shard never stalled the pipeline: %+v", st)
			}
			// The budget bounds what the executor keeps queued; each of the 2 running tasks may
			// hold an input and an output block (25,000 rows, 200 KB) on top of it.
			if p, limit := ds.Stats().PeakMemory, c.MemoryBudget+2*2*200_000; p > limit {
				t.Fatalf("peak memory %d over the budget plus the running tasks' blocks (%d)", p, limit)
			}
			t.Logf("%+v", st)
		})
	}
}

// TestStreamingSplitEarlyStop: both shards break out after one batch; the epoch's run must end
// (no goroutine left, checked by testContext) and the next epoch must start.
func TestStreamingSplitEarlyStop(t *testing.T) {
	c := testContext(t)
	c.MemoryBudget = 256 << 10
	split, err := Range(1_000_000).WithContext(c).StreamingSplit(2)
	if err != nil {
		t.Fatal(err)
	}
	defer split.Close()
	for epoch := 0; epoch < 2; epoch++ {
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, err := range split.Shard(i).IterBatches(context.Background(), BatchSize(10)) {
					if err != nil {
						t.Error(err)
					}
					break
				}
			}()
		}
		wg.Wait()
	}
	if st := split.Stats(); st.Epochs != 2 {
		t.Fatalf("epochs %d", st.Epochs)
	}
}
