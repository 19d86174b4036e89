package streaming

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/internal/kernels"
)

// chunkRows is the row granularity of an ordered run: a range run keeps the key of every
// chunk's first row (its fences), and a spilled ordered run is written in batches of one chunk,
// so a partition boundary costs at most one partly read chunk per run. A run is cut into about
// 128 chunks of 64 to 4096 rows: fine enough that the pieces of many partitions do not each
// drag in a chunk far larger than themselves.
func chunkRows(rows int64) int64 { return min(max(rows/128, 64), 4096) }

// store is an exchange's state for one run: the runs deposited per port. The map side's tasks
// write it under mu; once finalized (every input ended) it only serves reads.
type store struct {
	x      *Exchange
	mem    *CountingAllocator
	budget int64
	// limit is the store's share of the budget: past it, deposits spill.
	limit int64
	// target is the size reduce tasks aim at, unless the input is small (see partTarget).
	target int64
	cpus   int
	spill  *spillSpace

	mu       sync.Mutex
	ports    []portStore
	staged   map[*TaskContext][]*run
	memBytes int64      // bytes of runs held in memory (staged or committed)
	spilling bool       // a task is writing a spill; others need not start one
	spilled  *sync.Cond // on mu: broadcast when a spill ends
	closed   bool

	spilledBytes atomic.Int64
	spillFiles   atomic.Int64
	partitions   int

	// settleMu is held by the reduce task that settles the store (see settle), settled set
	// after it.
	settleMu  sync.Mutex
	settled   bool
	settleErr error
}

type portStore struct {
	schema *arrow.Schema
	runs   []*run
}

// run is one deposit: a block (or a sorted bundle) cut into pieces by partition.
type run struct {
	seq, sub int // the depositing task's index and its run number: input order
	rows     int64
	bytes    int64
	rec      arrow.RecordBatch // nil once spilled
	file     *spillFile        // where the run was spilled
	// batchStart[i] is the first row of the run's i-th batch in file (plus the row count at
	// the end); batch0 is the run's first batch index there.
	batchStart []int64
	batch0     int
	// buckets, for hash and random runs: bucket b is rows [buckets[b], buckets[b+1]).
	buckets []int64
	// chunk is the run's chunk size (chunkRows); fences, for range runs: fences[i] is the key
	// of row i*chunk.
	chunk  int64
	fences [][]byte
	// samples, for range runs: evenly spaced keys, for the boundaries.
	samples [][]byte
	// refs counts the pieces not yet read; the run's memory goes at zero.
	refs atomic.Int32
}

// piece is rows [lo, hi) of one run that a partition reads; for range partitions, rows whose
// key falls outside [loKey, hiKey) are trimmed as they are read (nil: unbounded).
type piece struct {
	r            *run
	lo, hi       int64
	loKey, hiKey []byte
}

func newStore(x *Exchange, opts Options, limit int64, spill *spillSpace) *store {
	target := max(opts.MemoryBudget/int64(4*opts.CPUs), 256<<10)
	st := &store{
		x: x, mem: opts.Mem, budget: opts.MemoryBudget, limit: limit, target: target, spill: spill, cpus: opts.CPUs,
		ports:  make([]portStore, len(x.spec.Inputs)),
		staged: map[*TaskContext][]*run{},
	}
	st.spilled = sync.NewCond(&st.mu)
	return st
}

func (st *store) schema(port int) *arrow.Schema {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ports[port].schema
}

// taskScratch is a map task's state in TaskContext.Scratch.
type taskScratch struct {
	runs  int                 // runs deposited so far (the next run's sub)
	held  []arrow.RecordBatch // range: blocks waiting to be sorted into a run
	bytes int64
}

func (st *store) scratch(tc *TaskContext, port int) *taskScratch {
	key := mapOf{x: st.x, port: port}
	if s, ok := tc.Scratch[key].(*taskScratch); ok {
		return s
	}
	if tc.Scratch == nil {
		tc.Scratch = map[any]any{}
	}
	s := &taskScratch{}
	tc.Scratch[key] = s
	return s
}

// deposit is the map side's Fn: it cuts in into pieces and stages them for the task.
func (st *store) deposit(ctx context.Context, tc *TaskContext, port int, in arrow.RecordBatch) error {
	st.noteSchema(port, in.Schema())
	if in.NumRows() == 0 {
		return nil
	}
	p := st.x.spec.Inputs[port]
	sc := st.scratch(tc, port)
	switch p.Kind {
	case RangePartition:
		in.Retain()
		sc.held = append(sc.held, in)
		sc.bytes += BlockBytes(in)
		if sc.bytes >= st.runBytes() {
			return st.sortRun(ctx, tc, port, sc)
		}
		return nil
	case HashPartition, RandomPartition:
		r, err := st.bucketRun(ctx, tc, port, sc, in)
		if err != nil {
			return err
		}
		return st.stage(ctx, tc, r)
	default: // order, block order: the block as it is
		in.Retain()
		r := &run{seq: tc.Task, sub: sc.runs, rows: in.NumRows(), bytes: BlockBytes(in), rec: in}
		sc.runs++
		return st.stage(ctx, tc, r)
	}
}

// runBytes is how much a range task sorts into one run: the size of a reduce task, so that a
// task sorting its run (its blocks and their sorted copy) stays inside its slot's share.
func (st *store) runBytes() int64 { return st.target }

func (st *store) noteSchema(port int, s *arrow.Schema) {
	st.mu.Lock()
	if st.ports[port].schema == nil {
		st.ports[port].schema = s
	}
	st.mu.Unlock()
}

// keyColumns resolves the key names of port's partitioning in rec.
func (st *store) keyColumns(rec arrow.RecordBatch, port int) ([]arrow.Array, error) {
	keys := st.x.spec.Inputs[port].Keys
	cols := make([]arrow.Array, len(keys))
	for i, k := range keys {
		idx := rec.Schema().FieldIndices(k)
		if len(idx) == 0 {
			return nil, fmt.Errorf("key column %q is not in the input (columns: %s)", k, columnNames(rec.Schema()))
		}
		cols[i] = rec.Column(idx[0])
	}
	return cols, nil
}

func columnNames(s *arrow.Schema) string {
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	return fmt.Sprint(names)
}

// bucketRun groups in's rows by bucket (a hash of the key, or a seeded draw).
func (st *store) bucketRun(ctx context.Context, tc *TaskContext, port int, sc *taskScratch, in arrow.RecordBatch) (*run, error) {
	p := st.x.spec.Inputs[port]
	nb := st.x.spec.Partitions
	n := int(in.NumRows())
	bucket := make([]int32, n)
	if p.Kind == HashPartition {
		cols, err := st.keyColumns(in, port)
		if err != nil {
			return nil, err
		}
		var k kernels.Keys
		if err := kernels.EncodeKeys(&k, cols, nil, p.Keys); err != nil {
			return nil, err
		}
		for i := range bucket {
			bucket[i] = int32((kernels.HashKey(k.Row(i)) >> 32) * uint64(nb) >> 32)
		}
	} else {
		rng := rand.New(rand.NewPCG(p.Seed, uint64(tc.Task)<<24|uint64(sc.runs)))
		for i := range bucket {
			bucket[i] = int32(rng.IntN(nb))
		}
	}
	// A counting sort by bucket, stable, then one gather.
	starts := make([]int64, nb+1)
	for _, b := range bucket {
		starts[b+1]++
	}
	for b := 1; b <= nb; b++ {
		starts[b] += starts[b-1]
	}
	order := make([]int64, n)
	next := slices.Clone(starts[:nb])
	for i, b := range bucket {
		order[next[b]] = int64(i)
		next[b]++
	}
	var rec arrow.RecordBatch
	if starts[1] == int64(n) || isIdentity(order) {
		in.Retain()
		rec = in
	} else {
		if err := st.makeRoom(ctx, BlockBytes(in)); err != nil {
			return nil, err
		}
		var err error
		if rec, err = kernels.Take(ctx, tc.Mem, in, order); err != nil {
			return nil, err
		}
	}
	r := &run{seq: tc.Task, sub: sc.runs, rows: int64(n), bytes: BlockBytes(rec), rec: rec, buckets: starts}
	sc.runs++
	return r, nil
}

func isIdentity(order []int64) bool {
	for i, o := range order {
		if o != int64(i) {
			return false
		}
	}
	return true
}

// sortRun sorts the blocks a range task holds into one run, with its fences and samples.
func (st *store) sortRun(ctx context.Context, tc *TaskContext, port int, sc *taskScratch) error {
	held, heldBytes := sc.held, sc.bytes
	sc.held, sc.bytes = nil, 0
	if len(held) == 0 {
		return nil
	}
	// Each copy's source goes as soon as the copy is made, so a run costs twice its bytes at
	// the most (the concatenation and the sorted take), not three times.
	if err := st.makeRoom(ctx, heldBytes); err != nil {
		for _, h := range held {
			h.Release()
		}
		return err
	}
	all := held[0]
	if len(held) > 1 {
		var err error
		all, err = kernels.ConcatRecords(tc.Mem, held)
		for _, h := range held {
			h.Release()
		}
		if err != nil {
			return err
		}
	}
	defer func() {
		if all != nil {
			all.Release()
		}
	}()
	p := st.x.spec.Inputs[port]
	cols, err := st.keyColumns(all, port)
	if err != nil {
		return err
	}
	var k kernels.Keys
	if err := kernels.EncodeKeys(&k, cols, p.Descending, p.Keys); err != nil {
		return err
	}
	order := kernels.SortIndices(&k)
	var sorted arrow.RecordBatch
	if isIdentity(order) {
		sorted, all = all, nil
	} else {
		if sorted, err = kernels.Take(ctx, tc.Mem, all, order); err != nil {
			return err
		}
		all.Release()
		all = nil
	}
	n := len(order)
	r := &run{seq: tc.Task, sub: sc.runs, rows: int64(n), bytes: BlockBytes(sorted), rec: sorted}
	sc.runs++
	r.chunk = chunkRows(int64(n))
	for i := 0; i < n; i += int(r.chunk) {
		r.fences = append(r.fences, slices.Clone(k.Row(int(order[i]))))
	}
	const samplesPerRun = 64
	for s := 0; s < min(samplesPerRun, n); s++ {
		i := (2*s + 1) * n / (2 * min(samplesPerRun, n))
		r.samples = append(r.samples, slices.Clone(k.Row(int(order[i]))))
	}
	return st.stage(ctx, tc, r)
}

// makeRoom spills what the store holds in memory before a task allocates need more bytes, when
// they would take the run past its budget: the store's runs can go to disk, a task's working
// copies cannot.
func (st *store) makeRoom(ctx context.Context, need int64) error {
	st.mu.Lock()
	// While another task spills, the bytes it writes are still live: wait for them to go.
	for st.spilling && st.mem.Live()+need > st.budget {
		st.spilled.Wait()
	}
	return st.spillUnlock(ctx, st.memBytes > 0 && st.mem.Live()+need > st.budget)
}

// spillUnlock is called with mu held and releases it: when over and no spill is under way, it
// spills everything held in memory.
func (st *store) spillUnlock(ctx context.Context, over bool) error {
	spill := over && !st.spilling
	if spill {
		st.spilling = true
	}
	st.mu.Unlock()
	if spill {
		return st.spillAll(ctx)
	}
	return nil
}

// stage holds r for its task until the task commits, spilling when the store is over its share.
// Once the store has spilled, the input is larger than its share, and holding a share's worth
// again before the next spill only adds to the peak: from then on the store spills at a quarter
// of its share (or a reduce task's size, if larger: each spill is a file, open until the
// reduce side has read it).
func (st *store) stage(ctx context.Context, tc *TaskContext, r *run) error {
	st.mu.Lock()
	st.staged[tc] = append(st.staged[tc], r)
	st.memBytes += r.bytes
	over := st.memBytes > st.limit || (st.mem.Live() > st.budget && st.memBytes > st.limit/4) ||
		(st.spilledBytes.Load() > 0 && st.memBytes >= max(st.target, st.limit/4))
	return st.spillUnlock(ctx, over)
}

// commit is the map side's Flush: a range task sorts what it holds, then every run the task
// staged becomes part of the store.
func (st *store) commit(ctx context.Context, tc *TaskContext, port int) error {
	sc := st.scratch(tc, port)
	if len(sc.held) > 0 {
		if err := st.sortRun(ctx, tc, port, sc); err != nil {
			return err
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ports[port].runs = append(st.ports[port].runs, st.staged[tc]...)
	delete(st.staged, tc)
	return nil
}

// abort is the map side's Abort: the task's staged runs are dropped.
func (st *store) abort(tc *TaskContext, port int) {
	sc := st.scratch(tc, port)
	for _, h := range sc.held {
		h.Release()
	}
	sc.held = nil
	st.mu.Lock()
	runs := st.staged[tc]
	delete(st.staged, tc)
	for _, r := range runs {
		st.freeLocked(r)
	}
	st.mu.Unlock()
}

// freeLocked drops r's memory and its claim on its spill file.
func (st *store) freeLocked(r *run) {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
		st.memBytes -= r.bytes
	}
	if r.file != nil {
		r.file.unref()
		r.file = nil
	}
}

// spillAll writes every run held in memory to disk (one file per port and schema) and frees
// them. Only one task spills at a time; runs freed while it writes (an aborted task's) are
// skipped when the writes are recorded.
func (st *store) spillAll(ctx context.Context) error {
	st.mu.Lock()
	var todo []*run
	var recs []arrow.RecordBatch
	add := func(r *run) {
		if r.rec != nil && r.file == nil {
			r.rec.Retain()
			todo, recs = append(todo, r), append(recs, r.rec)
		}
	}
	for p := range st.ports {
		for _, r := range st.ports[p].runs {
			add(r)
		}
	}
	for _, runs := range st.staged {
		for _, r := range runs {
			add(r)
		}
	}
	st.mu.Unlock()
	placed, err := st.spill.write(ctx, st.mem, todo, recs)
	for _, rec := range recs {
		rec.Release()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.spilling = false
	st.spilled.Broadcast()
	if err != nil {
		return fmt.Errorf("exchange %s: spill: %w", st.x.spec.Name, err)
	}
	for i, r := range todo {
		pl := placed[i]
		if r.rec == nil { // freed meanwhile
			pl.file.unref()
			continue
		}
		r.file, r.batch0, r.batchStart = pl.file, pl.batch0, pl.batchStart
		r.rec.Release()
		r.rec = nil
		st.memBytes -= r.bytes
		st.spilledBytes.Add(r.bytes)
	}
	st.spillFiles.Store(st.spill.files.Load())
	return nil
}

// settle runs at the start of every reduce task, before it opens a piece. An exchange that has
// spilled is one whose input outgrew its share of the budget; the runs it still holds in memory
// would stay there until the last partition has read its piece of each (every partition of a
// range or hash exchange reads a piece of nearly every run), beside the reduce tasks' own
// memory. So the first reduce task spills them too, and the others wait until it has: a piece
// must not change from memory to file while a reader has it open.
func (st *store) settle(ctx context.Context) error {
	st.settleMu.Lock()
	defer st.settleMu.Unlock()
	if st.settled {
		return st.settleErr
	}
	st.settled = true
	st.mu.Lock()
	st.settleErr = st.spillUnlock(ctx, st.spilledBytes.Load() > 0 && st.memBytes > 0 && !st.closed)
	return st.settleErr
}

// finalize turns the deposited runs into reduce tasks, one per partition. It runs on the
// scheduler goroutine once every input has ended; it does no I/O.
func (st *store) finalize() []*Partition {
	st.mu.Lock()
	defer st.mu.Unlock()
	for p := range st.ports {
		slices.SortFunc(st.ports[p].runs, func(a, b *run) int {
			if a.seq != b.seq {
				return a.seq - b.seq
			}
			return a.sub - b.sub
		})
	}
	var parts [][][]piece // [partition][port]pieces
	switch st.x.Kind() {
	case HashPartition, RandomPartition:
		parts = st.packBuckets()
	case RangePartition:
		parts = st.rangeParts()
	case OrderPartition:
		parts = st.orderParts()
	case BlockOrderPartition:
		parts = st.blockOrderParts()
	}
	if len(parts) == 0 {
		parts = [][][]piece{make([][]piece, len(st.ports))}
	}
	st.partitions = len(parts)
	out := make([]*Partition, len(parts))
	for i, pp := range parts {
		part := &Partition{Index: i, Count: len(parts)}
		for port := range st.ports {
			in := &PartitionInput{st: st, port: port}
			if port < len(pp) {
				in.pieces = pp[port]
			}
			for _, pc := range in.pieces {
				pc.r.refs.Add(1)
				in.rows += pc.hi - pc.lo
				if pc.r.rows > 0 {
					in.bytes += pc.r.bytes * (pc.hi - pc.lo) / pc.r.rows
				}
			}
			part.inputs = append(part.inputs, in)
		}
		out[i] = part
	}
	// Runs no piece reads (empty buckets) go now.
	for p := range st.ports {
		for _, r := range st.ports[p].runs {
			if r.refs.Load() == 0 {
				st.freeLocked(r)
			}
		}
	}
	return out
}

// packBuckets groups consecutive buckets into partitions of about target bytes over all ports.
func (st *store) packBuckets() [][][]piece {
	nb := st.x.spec.Partitions
	size := make([]int64, nb)
	var total int64
	for p := range st.ports {
		for _, r := range st.ports[p].runs {
			for b := 0; b < nb; b++ {
				if n := r.buckets[b+1] - r.buckets[b]; n > 0 && r.rows > 0 {
					s := r.bytes * n / r.rows
					size[b] += s
					total += s
				}
			}
		}
	}
	if total == 0 && !st.x.spec.ExactPartitions {
		return nil
	}
	target := st.partTarget(total)
	if st.x.spec.ExactPartitions {
		target = 0 // one bucket per partition
	}
	var parts [][][]piece
	for lo := 0; lo < nb; {
		hi, acc := lo, int64(0)
		for hi < nb && (hi == lo || acc+size[hi] <= target) {
			acc += size[hi]
			hi++
		}
		if acc > 0 || st.x.spec.ExactPartitions {
			pp := make([][]piece, len(st.ports))
			for p := range st.ports {
				for _, r := range st.ports[p].runs {
					if a, b := r.buckets[lo], r.buckets[hi]; b > a {
						pp[p] = append(pp[p], piece{r: r, lo: a, hi: b})
					}
				}
			}
			parts = append(parts, pp)
		}
		lo = hi
	}
	return parts
}

// partTarget is the size of a reduce task for an input of total bytes: st.target, or less so
// that a small input still makes four tasks per CPU slot (64 KiB at the least).
func (st *store) partTarget(total int64) int64 {
	return min(st.target, max(total/int64(4*st.cpus), 64<<10))
}

// rangeParts picks boundaries from the runs' samples and cuts every run at them (to fence
// granularity; the reader trims the rest).
func (st *store) rangeParts() [][][]piece {
	runs := st.ports[0].runs
	var samples [][]byte
	var total int64
	for _, r := range runs {
		samples = append(samples, r.samples...)
		total += r.bytes
	}
	if total == 0 {
		return nil
	}
	n := st.x.spec.Partitions
	if n == 0 {
		target := st.partTarget(total)
		n = int(min(max((total+target-1)/target, 1), int64(len(samples))+1))
	}
	slices.SortFunc(samples, func(a, b []byte) int { return bytes.Compare(a, b) })
	var bounds [][]byte
	for i := 1; i < n; i++ {
		b := samples[i*len(samples)/n]
		if len(bounds) == 0 || bytes.Compare(bounds[len(bounds)-1], b) < 0 {
			bounds = append(bounds, b)
		}
	}
	parts := make([][][]piece, len(bounds)+1)
	for p := range parts {
		var loKey, hiKey []byte
		if p > 0 {
			loKey = bounds[p-1]
		}
		if p < len(bounds) {
			hiKey = bounds[p]
		}
		var pieces []piece
		for _, r := range runs {
			lo, hi := int64(0), r.rows
			if loKey != nil {
				lo = fencePos(r, loKey, true)
			}
			if hiKey != nil {
				hi = fencePos(r, hiKey, false)
			}
			if hi > lo {
				pieces = append(pieces, piece{r: r, lo: lo, hi: hi, loKey: loKey, hiKey: hiKey})
			}
		}
		parts[p] = [][]piece{pieces}
	}
	return parts
}

// fencePos bounds, from r's fences, where the first row with a key >= key lies: for the start
// of a piece (low) the last fence row before it, for the end (!low) the first fence row at or
// after it (or the run's end).
func fencePos(r *run, key []byte, low bool) int64 {
	// f: number of fences with a key < key. Rows [0, (f-1)*chunk] are all < key only up to
	// fence f-1; the first row >= key is in ((f-1)*chunk, f*chunk].
	f := sort.Search(len(r.fences), func(i int) bool { return bytes.Compare(r.fences[i], key) >= 0 })
	if low {
		return max(int64(f-1), 0) * r.chunk
	}
	return min(int64(f)*r.chunk, r.rows)
}

// orderParts cuts the input, in order, into Partitions parts of near-equal rows.
func (st *store) orderParts() [][][]piece {
	runs := st.ports[0].runs
	var total int64
	for _, r := range runs {
		total += r.rows
	}
	n := int64(st.x.spec.Partitions)
	var parts [][][]piece
	ri, off := 0, int64(0) // the run and row where the next part starts
	for p := int64(0); p < n; p++ {
		want := total*(p+1)/n - total*p/n
		var pieces []piece
		for want > 0 {
			r := runs[ri]
			take := min(want, r.rows-off)
			pieces = append(pieces, piece{r: r, lo: off, hi: off + take})
			want -= take
			off += take
			if off == r.rows {
				ri, off = ri+1, 0
			}
		}
		if len(pieces) > 0 {
			parts = append(parts, [][]piece{pieces})
		}
	}
	return parts
}

// blockOrderParts makes every run a partition, in a seeded random order.
func (st *store) blockOrderParts() [][][]piece {
	runs := slices.Clone(st.ports[0].runs)
	rng := rand.New(rand.NewPCG(st.x.spec.Inputs[0].Seed, 1))
	rng.Shuffle(len(runs), func(i, j int) { runs[i], runs[j] = runs[j], runs[i] })
	var parts [][][]piece
	for _, r := range runs {
		parts = append(parts, [][]piece{{{r: r, lo: 0, hi: r.rows}}})
	}
	return parts
}

// dropPiece gives up a piece without reading it.
func (st *store) dropPiece(pc piece) { st.unref(pc.r) }

func (st *store) unref(r *run) {
	if r.refs.Add(-1) == 0 {
		st.mu.Lock()
		st.freeLocked(r)
		st.mu.Unlock()
	}
}

// close frees everything the store holds; the scheduler calls it after every task has ended.
func (st *store) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	st.closed = true
	for p := range st.ports {
		for _, r := range st.ports[p].runs {
			st.freeLocked(r)
		}
		st.ports[p].runs = nil
	}
	for tc, runs := range st.staged {
		for _, r := range runs {
			st.freeLocked(r)
		}
		delete(st.staged, tc)
	}
}

// pieceReader reads one piece: a slice of a run in memory, or its batches from the spill file.
type pieceReader struct {
	st   *store
	pc   piece
	port int
	// batch is the next batch of the spill file to read, last the one after the piece's last.
	batch, last int
	done        bool
	keys        kernels.Keys
}

func (st *store) openPiece(pc piece, port int) *pieceReader {
	pr := &pieceReader{st: st, pc: pc, port: port}
	if pc.r.rec == nil {
		r := pc.r
		// Batches overlapping [lo, hi).
		pr.batch = sort.Search(len(r.batchStart)-1, func(i int) bool { return r.batchStart[i+1] > pc.lo })
		pr.last = sort.Search(len(r.batchStart)-1, func(i int) bool { return r.batchStart[i] >= pc.hi })
	}
	return pr
}

func (pr *pieceReader) next() (arrow.RecordBatch, error) {
	if pr.done {
		return nil, io.EOF
	}
	r, pc := pr.pc.r, pr.pc
	var rec arrow.RecordBatch
	var start int64 // the run row rec starts at
	if r.rec != nil {
		pr.done = true
		rec, start = r.rec.NewSlice(pc.lo, pc.hi), pc.lo
	} else {
		if pr.batch >= pr.last {
			pr.done = true
			return nil, io.EOF
		}
		b, err := r.file.read(pr.st.mem, r.batch0+pr.batch)
		if err != nil {
			return nil, err
		}
		start = r.batchStart[pr.batch]
		pr.batch++
		lo, hi := max(pc.lo-start, 0), min(pc.hi-start, b.NumRows())
		if lo > 0 || hi < b.NumRows() {
			s := b.NewSlice(lo, hi)
			b.Release()
			b = s
		}
		rec, start = b, start+lo
		if pr.batch >= pr.last {
			pr.done = true
		}
	}
	if pc.loKey == nil && pc.hiKey == nil {
		return rec, nil
	}
	return pr.trim(rec, start)
}

// trim drops the rows of a sorted range piece whose keys fall outside [loKey, hiKey); rec holds
// run rows [start, start+n). Only rows within a chunk of the piece's ends can fall outside
// (see fencePos), so only those keys are encoded.
func (pr *pieceReader) trim(rec arrow.RecordBatch, start int64) (arrow.RecordBatch, error) {
	n := rec.NumRows()
	lo, hi := int64(0), n
	c := pr.pc.r.chunk
	if pc := pr.pc; pc.loKey != nil && start < pc.lo+c {
		end := min(n, pc.lo+c-start)
		i, err := pr.search(rec, 0, end, pc.loKey)
		if err != nil {
			rec.Release()
			return nil, err
		}
		lo = i
	}
	if pc := pr.pc; pc.hiKey != nil && start+n > pc.hi-c {
		from := max(pc.hi-c-start, lo)
		i, err := pr.search(rec, from, n, pc.hiKey)
		if err != nil {
			rec.Release()
			return nil, err
		}
		hi = i
	}
	if lo == 0 && hi == n {
		return rec, nil
	}
	s := rec.NewSlice(lo, max(hi, lo))
	rec.Release()
	return s, nil
}

// search is the first row in [from, to) of the sorted rec whose key is >= key (to if none).
func (pr *pieceReader) search(rec arrow.RecordBatch, from, to int64, key []byte) (int64, error) {
	if from >= to {
		return to, nil
	}
	part := rec.NewSlice(from, to)
	defer part.Release()
	p := pr.st.x.spec.Inputs[0]
	cols, err := pr.st.keyColumns(part, 0)
	if err != nil {
		return 0, err
	}
	if err := kernels.EncodeKeys(&pr.keys, cols, p.Descending, p.Keys); err != nil {
		return 0, err
	}
	i := sort.Search(int(to-from), func(i int) bool { return bytes.Compare(pr.keys.Row(i), key) >= 0 })
	return from + int64(i), nil
}

func (pr *pieceReader) close() {
	if pr.st != nil {
		pr.st.unref(pr.pc.r)
		pr.st = nil
	}
}
