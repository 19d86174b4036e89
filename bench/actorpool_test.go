package bench

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/actorpool"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// rowCounter is a trivial actor: it counts the rows it has seen (state no lock guards, since
// one goroutine owns the actor).
type rowCounter struct{ rows int64 }

// BenchmarkActorCall is the hand-off cost of one batch to an actor and back: a 1,024-row
// arrow.RecordBatch goes to a pool, a trivial actor reads it and returns it, and the result
// comes back to the caller. Goal: 10 us/batch or less (Ray's actor calls: 115-500 us).
//
//   - sync: Do from one goroutine, one batch at a time: the full round-trip latency.
//   - async: the executor's protocol, TrySubmit with results through done on a channel and a
//     refusal answered by waiting for the next result, on 2 actors with 4 calls in flight each.
func BenchmarkActorCall(b *testing.B) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	bld := array.NewInt64Builder(mem)
	for i := range 1024 {
		bld.Append(int64(i))
	}
	col := bld.NewArray()
	bld.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	col.Release()
	defer batch.Release()
	ctx := context.Background()
	newCounter := func(context.Context) (*rowCounter, error) { return &rowCounter{}, nil }

	b.Run("sync", func(b *testing.B) {
		pool, err := actorpool.New(ctx, newCounter, actorpool.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		b.ReportAllocs()
		var out arrow.RecordBatch
		for b.Loop() {
			err := pool.Do(ctx, func(_ context.Context, a *rowCounter) error {
				a.rows += batch.NumRows()
				out = batch
				return nil
			})
			if err != nil || out != batch {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N), "us/batch")
	})

	b.Run("async", func(b *testing.B) {
		pool, err := actorpool.New(ctx, newCounter, actorpool.Options{Min: 2, MaxInFlight: 4})
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		type result struct {
			seq int
			out arrow.RecordBatch
			err error
		}
		results := make(chan result, 8)
		pending := 0
		collect := func() {
			r := <-results
			pending--
			if r.err != nil || r.out != batch {
				b.Fatal(r.err)
			}
		}
		b.ReportAllocs()
		seq := 0
		for b.Loop() {
			s := seq
			seq++
			var out arrow.RecordBatch
			fn := func(_ context.Context, a *rowCounter) error {
				a.rows += batch.NumRows()
				out = batch
				return nil
			}
			done := func(err error) { results <- result{s, out, err} }
			for {
				err := pool.TrySubmit(ctx, fn, done)
				if err == nil {
					pending++
					break
				}
				if !errors.Is(err, actorpool.ErrFull) {
					b.Fatal(err)
				}
				collect()
			}
		}
		for pending > 0 {
			collect()
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N), "us/batch")
	})
}
