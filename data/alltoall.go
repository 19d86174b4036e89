package data

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/transform"
	"github.com/sluicedata/sluice/streaming"
)

// A barrier (all-to-all) operation needs every input row before its first output row:
// shuffles, repartitions. sluice plans it as a source whose listing runs the input plan to the
// end (a nested run with its own budget), so the executor itself stays a chain of streaming
// operators.

// barrierSource runs input and turns its blocks into read tasks through prepare.
type barrierSource struct {
	label  string
	detail string
	input  *Dataset
	// prepare consumes the input run's blocks one by one (taking ownership) through the push
	// it returns, then yields the output inputs when finish is called.
	prepare func(ctx context.Context, mem memory.Allocator) (push func(arrow.RecordBatch) error, finish func(yield func(streaming.Input) error) error, cleanup func())
}

func (s *barrierSource) name() string { return s.label }
func (s *barrierSource) describe() string {
	return s.detail + " <- " + strings.TrimSuffix(strings.ReplaceAll(physical(optimize(s.input.op)).String(), "\n", " "), " ")
}

func (s *barrierSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		mem := s.input.context().allocator()
		push, finish, cleanup := s.prepare(ctx, mem)
		defer cleanup()
		if err := s.input.run(ctx, push); err != nil {
			return err
		}
		return finish(yield)
	}
}

func (ds *Dataset) barrier(label, detail string, prepare func(ctx context.Context, mem memory.Allocator) (func(arrow.RecordBatch) error, func(func(streaming.Input) error) error, func())) *Dataset {
	src := &barrierSource{label: label, detail: detail, input: ds, prepare: prepare}
	out := newDataset(&logicalOp{kind: opRead, name: label, src: src}, ds.err)
	out.ctx, out.held = ds.ctx, ds.held
	return out
}

// blockInput is a read task that emits one block it owns.
func blockInput(origin string, rec arrow.RecordBatch) streaming.Input {
	return streaming.Input{
		Origin: origin,
		Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
			rec.Retain()
			return emit(rec)
		},
		Release: rec.Release,
	}
}

// collectBlocks is a prepare step that keeps every block in memory and hands them to arrange.
func collectBlocks(label string, arrange func(ctx context.Context, mem memory.Allocator, recs []arrow.RecordBatch) ([]arrow.RecordBatch, error)) func(ctx context.Context, mem memory.Allocator) (func(arrow.RecordBatch) error, func(func(streaming.Input) error) error, func()) {
	return func(ctx context.Context, mem memory.Allocator) (func(arrow.RecordBatch) error, func(func(streaming.Input) error) error, func()) {
		var recs []arrow.RecordBatch
		push := func(rec arrow.RecordBatch) error { recs = append(recs, rec); return nil }
		finish := func(yield func(streaming.Input) error) error {
			out, err := arrange(ctx, mem, recs)
			for _, r := range recs {
				r.Release()
			}
			recs = nil
			if err != nil {
				return err
			}
			for i, r := range out {
				if err := yield(blockInput(fmt.Sprintf("%s block %d", label, i), r)); err != nil {
					for _, rest := range out[i+1:] {
						rest.Release()
					}
					return err
				}
			}
			return nil
		}
		cleanup := func() {
			for _, r := range recs {
				r.Release()
			}
		}
		return push, finish, cleanup
	}
}

// RandomizeBlockOrder shuffles the order of blocks (not rows) with seed: cheap, and often
// enough between epochs. The blocks are held in memory.
func (ds *Dataset) RandomizeBlockOrder(seed uint64) *Dataset {
	return ds.barrier("RandomizeBlockOrder", fmt.Sprintf("seed=%d", seed), collectBlocks("RandomizeBlockOrder", func(ctx context.Context, mem memory.Allocator, recs []arrow.RecordBatch) ([]arrow.RecordBatch, error) {
		out := make([]arrow.RecordBatch, len(recs))
		for i, r := range recs {
			r.Retain()
			out[i] = r
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out, nil
	}))
}

// Repartition rearranges the rows into n blocks of near-equal row counts, keeping their order.
func (ds *Dataset) Repartition(n int) *Dataset {
	if n <= 0 {
		return ds.derive(&logicalOp{kind: opLimit}, fmt.Errorf("sluice: Repartition(%d): must be at least 1", n))
	}
	return ds.barrier("Repartition", fmt.Sprintf("n=%d", n), collectBlocks("Repartition", func(ctx context.Context, mem memory.Allocator, recs []arrow.RecordBatch) ([]arrow.RecordBatch, error) {
		return splitRows(mem, recs, n)
	}))
}

// splitRows cuts the rows of recs (in order) into n parts of near-equal size; a part inside one
// block is a zero-copy slice.
func splitRows(mem memory.Allocator, recs []arrow.RecordBatch, n int) ([]arrow.RecordBatch, error) {
	var total int64
	for _, r := range recs {
		total += r.NumRows()
	}
	rb := transform.NewRebatcher(mem, 1)
	defer rb.Release()
	var out []arrow.RecordBatch
	for _, r := range recs {
		r.Retain()
		rb.Push(r)
	}
	for i := 0; i < n; i++ {
		size := total*int64(i+1)/int64(n) - total*int64(i)/int64(n)
		if size == 0 {
			continue
		}
		part, err := rb.Take(size)
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, err
		}
		out = append(out, part)
	}
	return out, nil
}

// RandomShuffle shuffles every row with seed (Ray's random_shuffle): the same seed gives the
// same order on every run. While the data fits in half the memory budget it is shuffled in
// memory; beyond that, rows are spread over partition files on disk (Arrow IPC under
// os.TempDir, removed at the end) and each partition is shuffled on its own, so memory stays
// bounded by one partition per running task.
func (ds *Dataset) RandomShuffle(seed uint64) *Dataset {
	budget := ds.context().executorOptions().MemoryBudget
	return ds.barrier("RandomShuffle", fmt.Sprintf("seed=%d", seed), func(ctx context.Context, mem memory.Allocator) (func(arrow.RecordBatch) error, func(func(streaming.Input) error) error, func()) {
		sh := &shuffler{mem: mem, seed: seed, limit: budget / 2, parts: 64}
		return sh.push, sh.finish, sh.cleanup
	})
}

type shuffler struct {
	mem   memory.Allocator
	seed  uint64
	limit int64
	parts int

	held   []arrow.RecordBatch
	bytes  int64
	blocks int
	dir    string
	files  []*os.File
	ws     []*ipc.FileWriter
	// yielded partitions are removed by their tasks' Release; the last one removes dir.
	yielded   int
	remaining atomic.Int32
}

// donePart removes partition p's file, and the directory after the last one.
func (s *shuffler) donePart(p int) {
	os.Remove(s.files[p].Name())
	if s.remaining.Add(-1) == 0 {
		os.Remove(s.dir)
	}
}

func (s *shuffler) push(rec arrow.RecordBatch) error {
	if s.dir == "" {
		s.held = append(s.held, rec)
		s.bytes += streaming.BlockBytes(rec)
		if s.bytes <= s.limit {
			return nil
		}
		// Over the limit: move to disk, starting with what is held.
		if err := s.openSpill(rec.Schema()); err != nil {
			return err
		}
		held := s.held
		s.held = nil
		for i, r := range held {
			err := s.spill(r)
			r.Release()
			if err != nil {
				for _, rest := range held[i+1:] {
					rest.Release()
				}
				return err
			}
		}
		return nil
	}
	defer rec.Release()
	return s.spill(rec)
}

func (s *shuffler) openSpill(schema *arrow.Schema) error {
	dir, err := os.MkdirTemp("", "sluice-shuffle-")
	if err != nil {
		return fmt.Errorf("sluice: RandomShuffle: spill directory: %w", err)
	}
	s.dir = dir
	s.remaining.Store(int32(s.parts))
	for i := 0; i < s.parts; i++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("part-%03d.arrow", i)))
		if err != nil {
			return fmt.Errorf("sluice: RandomShuffle: %w", err)
		}
		s.files = append(s.files, f)
		s.ws = append(s.ws, nil)
		w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema), ipc.WithAllocator(s.mem))
		if err != nil {
			return fmt.Errorf("sluice: RandomShuffle: %s: %w", f.Name(), err)
		}
		s.ws[i] = w
	}
	return nil
}

// spill sends each row of rec to a random partition; the draw depends only on the seed and
// the block's position, so runs repeat.
func (s *shuffler) spill(rec arrow.RecordBatch) error {
	rng := rand.New(rand.NewPCG(s.seed, uint64(s.blocks)))
	s.blocks++
	// Draw a partition per row, then gather the rows grouped by partition in one pass and
	// write each partition's run as a zero-copy slice.
	n := int(rec.NumRows())
	part := make([]int32, n)
	counts := make([]int, s.parts+1)
	for i := range part {
		p := rng.IntN(s.parts)
		part[i] = int32(p)
		counts[p+1]++
	}
	for p := 1; p <= s.parts; p++ {
		counts[p] += counts[p-1]
	}
	order := make([]int64, n)
	next := append([]int(nil), counts[:s.parts]...)
	for i, p := range part {
		order[next[p]] = int64(i)
		next[p]++
	}
	grouped, err := transform.Take(context.Background(), s.mem, rec, order)
	if err != nil {
		return err
	}
	defer grouped.Release()
	for p := 0; p < s.parts; p++ {
		lo, hi := counts[p], counts[p+1]
		if lo == hi {
			continue
		}
		slice := grouped.NewSlice(int64(lo), int64(hi))
		err := s.ws[p].Write(slice)
		slice.Release()
		if err != nil {
			return fmt.Errorf("sluice: RandomShuffle: spill %s: %w", s.files[p].Name(), err)
		}
	}
	return nil
}

func (s *shuffler) finish(yield func(streaming.Input) error) error {
	if s.dir == "" {
		// In memory: one permutation of everything, cut into blocks of the input's count.
		held := s.held
		s.held = nil
		defer func() {
			for _, r := range held {
				r.Release()
			}
		}()
		if len(held) == 0 {
			return nil
		}
		all, err := transform.ConcatRecords(s.mem, held)
		if err != nil {
			return err
		}
		shuffled, err := permute(s.mem, all, rand.New(rand.NewPCG(s.seed, 0)))
		all.Release()
		if err != nil {
			return err
		}
		parts, err := splitRows(s.mem, []arrow.RecordBatch{shuffled}, len(held))
		shuffled.Release()
		if err != nil {
			return err
		}
		for i, p := range parts {
			if err := yield(blockInput(fmt.Sprintf("RandomShuffle block %d", i), p)); err != nil {
				for _, rest := range parts[i+1:] {
					rest.Release()
				}
				return err
			}
		}
		return nil
	}
	if err := s.closeWriters(); err != nil {
		return err
	}
	for p, f := range s.files {
		path, p := f.Name(), p
		in := streaming.Input{
			Origin:  "RandomShuffle " + filepath.Base(path),
			Release: func() { s.donePart(p) },
			Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				return s.readPartition(tc.Mem, path, rand.New(rand.NewPCG(s.seed, uint64(1_000_000+p))), emit)
			},
		}
		s.yielded++
		if err := yield(in); err != nil {
			in.Release() // not taken by the executor
			return err
		}
	}
	return nil
}

// closeWriters finishes every partition file (once).
func (s *shuffler) closeWriters() error {
	var first error
	for i, w := range s.ws {
		if w == nil {
			continue
		}
		if err := w.Close(); err != nil && first == nil {
			first = fmt.Errorf("sluice: RandomShuffle: %s: %w", s.files[i].Name(), err)
		}
	}
	if s.ws != nil {
		for _, f := range s.files {
			if err := f.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	s.ws = nil
	return first
}

// readPartition loads one spilled partition, permutes it and emits it.
func (s *shuffler) readPartition(mem memory.Allocator, path string, rng *rand.Rand, emit streaming.Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		return err
	}
	defer r.Close()
	var recs []arrow.RecordBatch
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			return err
		}
		rec.Retain()
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil
	}
	all, err := transform.ConcatRecords(mem, recs)
	if err != nil {
		return err
	}
	defer all.Release()
	out, err := permute(mem, all, rng)
	if err != nil {
		return err
	}
	return emit(out)
}

func permute(mem memory.Allocator, rec arrow.RecordBatch, rng *rand.Rand) (arrow.RecordBatch, error) {
	perm := make([]int64, rec.NumRows())
	for i := range perm {
		perm[i] = int64(i)
	}
	rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	return transform.Take(context.Background(), mem, rec, perm)
}

// cleanup runs when the listing ends: it drops what is held and removes the partition files
// no task was given (those given are removed by their tasks' Release).
func (s *shuffler) cleanup() {
	for _, r := range s.held {
		r.Release()
	}
	s.held = nil
	if s.dir == "" {
		return
	}
	s.closeWriters()
	if s.yielded == 0 {
		os.RemoveAll(s.dir)
		return
	}
	for p := s.yielded; p < len(s.files); p++ {
		s.donePart(p)
	}
}
