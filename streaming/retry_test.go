package streaming

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"go.uber.org/goleak"
)

var errFlaky = errors.New("flaky")

// flakyStage fails each task in fail on its first attempt, after emitting its block.
func flakyStage(fail map[int]bool, policy RetryPolicy) Stage {
	return Stage{Name: "Flaky", Retry: policy, Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
		in.Retain()
		if err := emit(in); err != nil {
			return err
		}
		if fail[tc.Task] && tc.Attempt == 1 {
			return errFlaky
		}
		return nil
	}}
}

func TestRetryDropsFailedAttempts(t *testing.T) {
	retryFlaky := RetryPolicy{Max: 2, If: func(err error) bool { return errors.Is(err, errFlaky) }, Backoff: 1}
	for _, unordered := range []bool{false, true} {
		defer goleak.VerifyNone(t)
		_, cnt := checked(t)
		src := rangeSource(10_000, 1000, nil)
		src.Stages = []Stage{flakyStage(map[int]bool{0: true, 3: true, 9: true}, retryFlaky)}
		got, st, err := collect(t, context.Background(), Plan{{Source: src}}, Options{Mem: cnt, Unordered: unordered})
		if err != nil {
			t.Fatal(err)
		}
		if unordered {
			slices.Sort(got)
		}
		equal(t, got, seq(0, 10_000, func(v int64) int64 { return v })) // every row once
		if st.Ops[0].Retries != 3 || st.Ops[0].OutputRows != 10_000 {
			t.Errorf("retries %d, output rows %d", st.Ops[0].Retries, st.Ops[0].OutputRows)
		}
	}
	// An error the policy does not accept fails the run at once.
	_, cnt := checked(t)
	src := rangeSource(10_000, 1000, nil)
	boom := Stage{Name: "Boom", Retry: retryFlaky, Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
		return errors.New("permanent")
	}}
	src.Stages = []Stage{boom}
	_, st, err := collect(t, context.Background(), Plan{{Source: src}}, Options{Mem: cnt})
	if err == nil || !strings.Contains(err.Error(), "permanent") || st.Ops[0].Retries != 0 {
		t.Fatalf("err %v, retries %d", err, st.Ops[0].Retries)
	}
	// Retries run out: the last error fails the run.
	var attempts atomic.Int32
	always := Stage{Name: "Always", Retry: retryFlaky, Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
		attempts.Add(1)
		return errFlaky
	}}
	src = rangeSource(1000, 1000, nil)
	src.Stages = []Stage{always}
	if _, _, err := collect(t, context.Background(), Plan{{Source: src}}, Options{Mem: cnt}); !errors.Is(err, errFlaky) || attempts.Load() != 3 {
		t.Fatalf("err %v after %d attempts, want 3", err, attempts.Load())
	}
}

// TestRetryInExchangeMapSide: a retried map task's deposits are dropped, so the reduce sees each
// row once.
func TestRetryInExchangeMapSide(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, cnt := checked(t)
	src := scrambledSource(20_000, 1000)
	retry := RetryPolicy{Max: 1, If: func(err error) bool { return errors.Is(err, errFlaky) }, Backoff: 1}
	src.Stages = []Stage{modStage(100), flakyStage(map[int]bool{2: true, 5: true}, retry)}
	plan := exchangePlan(t, src, ExchangeSpec{Name: "GroupBy(id)", Inputs: []Partitioning{{Kind: HashPartition, Keys: []string{"id"}}}, Reduce: countReduce})
	got, st, err := collect(t, context.Background(), plan, Options{Mem: cnt, MemoryBudget: 256 << 10, SpillDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	equal(t, got, seq(0, 100, func(k int64) int64 { return k*1_000_000 + 200 }))
	if st.Ops[0].Retries != 2 {
		t.Errorf("%d retries", st.Ops[0].Retries)
	}
}
