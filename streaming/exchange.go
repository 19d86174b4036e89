package streaming

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// An exchange is the one operator behind every all-to-all step: hash partitioning for group-by,
// join, unique and key repartitioning; range partitioning by sampled boundaries for sort;
// random partitioning for random shuffles; and two order-keeping ones for repartitioning by row
// count and randomizing block order.
//
// It has two sides, both run as ordinary tasks:
//   - The map side is a Stage, MapStage(port), placed at the end of the chain of the operator
//     that feeds input port `port` (fused into its read or map tasks, or in a map operator of
//     its own). It cuts each block into partitions and deposits the pieces in the exchange's
//     store, where they count against the run's memory budget; past the store's share of the
//     budget they spill to local disk as LZ4-compressed Arrow IPC. A task's deposits become
//     visible only when the task succeeds, so a failed (tolerated) task leaves nothing behind.
//   - Once every input has ended, the exchange becomes a source of reduce tasks, one per
//     partition, in partition order: Reduce reads its partition from every input (streaming
//     the spilled pieces back from disk) and emits output blocks, which Stages (maps fused
//     after the reduce) then process inside the same task.
//
// Outputs leave in partition order, so a range exchange's output is globally sorted when each
// reduce sorts its partition. The spill files live in a directory of their own under
// Options.SpillDir, removed when the run ends, whether it succeeded, failed or was stopped.
//
// An exchange is explicit in the physical plan so that a distributed backend can map it onto
// its own all-to-all primitive (a GroupByKey on the partition number).

// PartitionKind says how an exchange assigns rows to partitions.
type PartitionKind int

const (
	// HashPartition sends rows with equal keys to the same partition (a hash of the row key;
	// see internal/kernels.Keys: integers of every width hash alike, so do floats). Every port
	// of a hash exchange must hash keys of matching types.
	HashPartition PartitionKind = iota
	// RangePartition gives each partition a range of keys, in key order (ascending, or
	// descending per key; nulls last), with boundaries sampled from the data, so partitions are
	// of similar size. Each piece a reduce reads is sorted. One input only.
	RangePartition
	// RandomPartition spreads rows over partitions at random, seeded: the same seed and the same
	// input blocks give the same partitions.
	RandomPartition
	// OrderPartition cuts the input, in order, into Partitions contiguous parts of near-equal
	// row counts (Ray's repartition). One input only.
	OrderPartition
	// BlockOrderPartition makes every input block a partition of its own, in a seeded random
	// order (Ray's randomize_block_order). One input only.
	BlockOrderPartition
)

func (k PartitionKind) String() string {
	switch k {
	case HashPartition:
		return "hash"
	case RangePartition:
		return "range"
	case RandomPartition:
		return "random"
	case OrderPartition:
		return "order"
	case BlockOrderPartition:
		return "block_order"
	}
	return fmt.Sprintf("PartitionKind(%d)", int(k))
}

// Partitioning is how one input port of an exchange is partitioned.
type Partitioning struct {
	Kind PartitionKind
	// Keys are the key columns (HashPartition, RangePartition).
	Keys []string
	// Descending, for RangePartition, makes key i descending where Descending[i] is true.
	Descending []bool
	// Seed drives RandomPartition and BlockOrderPartition.
	Seed uint64
}

func (p Partitioning) String() string {
	switch p.Kind {
	case HashPartition:
		return fmt.Sprintf("hash(%s)", strings.Join(p.Keys, ","))
	case RangePartition:
		var ks []string
		for i, k := range p.Keys {
			if i < len(p.Descending) && p.Descending[i] {
				k += " desc"
			}
			ks = append(ks, k)
		}
		return fmt.Sprintf("range(%s)", strings.Join(ks, ","))
	case RandomPartition, BlockOrderPartition:
		return fmt.Sprintf("%s(seed=%d)", p.Kind, p.Seed)
	}
	return p.Kind.String()
}

// ReduceFunc is the reduce side of an exchange: it reads partition p from every input port and
// emits the partition's output through emit. It is called once per partition, on its own task,
// possibly for several partitions at once; a panic in it becomes a *PanicError. Blocks it reads
// belong to it (release them); blocks it emits belong to the executor.
type ReduceFunc func(ctx context.Context, tc *TaskContext, p *Partition, emit Emit) error

// ExchangeSpec describes an exchange for NewExchange.
type ExchangeSpec struct {
	// Name is the operator's name in plans, stats and errors ("Sort[key]", "Aggregate(...)").
	Name string
	// Inputs is the partitioning of each input port, in port order. All ports share one kind.
	Inputs []Partitioning
	// Partitions is, for HashPartition and RandomPartition, the number of buckets rows are
	// hashed or drawn into (default 128); the executor packs consecutive buckets into reduce
	// tasks of about TargetPartitionBytes. For OrderPartition it is the exact number of
	// partitions (required). For RangePartition it fixes the number of partitions; 0 chooses it
	// from the data's size. BlockOrderPartition ignores it.
	Partitions int
	// Reduce reads and emits one partition. Nil emits every piece of every port as it is read
	// (the pieces of one partition, in input order).
	Reduce ReduceFunc
	// Stages run on each reduce task's output inside the same task (reduce->map fusion).
	Stages []Stage
	// MaxConcurrency caps the reduce tasks running at once (0: every CPU slot).
	MaxConcurrency int
	// ExactPartitions, for HashPartition, makes every bucket a partition of its own (Ray's
	// repartition by keys into exactly Partitions blocks) instead of packing them.
	ExactPartitions bool
}

// Exchange is a physical operator made by NewExchange; put it in a Plan as Op{Exchange: x} with
// one input per port, each of which ends its chain with x.MapStage(port).
//
// An Exchange holds the state of one run: a Plan that contains it runs once at a time (Run
// refuses a second concurrent run), and the data layer builds a new one for every run.
type Exchange struct {
	spec    ExchangeSpec
	running atomic.Bool
	// st is the run's store, set by the scheduler before any task starts.
	st *store
}

// NewExchange makes an exchange operator from spec.
func NewExchange(spec ExchangeSpec) (*Exchange, error) {
	if len(spec.Inputs) == 0 {
		return nil, fmt.Errorf("sluice: exchange %s: no inputs", spec.Name)
	}
	kind := spec.Inputs[0].Kind
	for i, p := range spec.Inputs {
		if p.Kind != kind {
			return nil, fmt.Errorf("sluice: exchange %s: input %d is partitioned by %s, input 0 by %s", spec.Name, i, p.Kind, kind)
		}
		if (kind == HashPartition || kind == RangePartition) && len(p.Keys) == 0 {
			return nil, fmt.Errorf("sluice: exchange %s: %s partitioning needs key columns", spec.Name, kind)
		}
		if i > 0 && len(p.Keys) != len(spec.Inputs[0].Keys) {
			return nil, fmt.Errorf("sluice: exchange %s: input %d has %d keys, input 0 has %d", spec.Name, i, len(p.Keys), len(spec.Inputs[0].Keys))
		}
	}
	if kind != HashPartition && kind != RandomPartition && len(spec.Inputs) > 1 {
		return nil, fmt.Errorf("sluice: exchange %s: %s partitioning takes one input", spec.Name, kind)
	}
	switch {
	case kind == OrderPartition && spec.Partitions <= 0:
		return nil, fmt.Errorf("sluice: exchange %s: order partitioning needs Partitions >= 1", spec.Name)
	case spec.Partitions < 0:
		return nil, fmt.Errorf("sluice: exchange %s: negative Partitions %d", spec.Name, spec.Partitions)
	case (kind == HashPartition || kind == RandomPartition) && spec.Partitions == 0:
		spec.Partitions = defaultBuckets
	}
	return &Exchange{spec: spec}, nil
}

// defaultBuckets is how many buckets hash and random exchanges cut rows into. Reduce tasks take
// runs of consecutive buckets, so this bounds how finely a skew-free input can be balanced.
const defaultBuckets = 128

// Name is the operator's name.
func (x *Exchange) Name() string { return x.spec.Name }

// MaxConcurrency is the cap on reduce tasks running at once (0: none).
func (x *Exchange) MaxConcurrency() int { return x.spec.MaxConcurrency }

// AddStage appends a stage to run on the reduce tasks' output (a planner fusing a map into
// the exchange). Call it before the plan runs.
func (x *Exchange) AddStage(s Stage) { x.spec.Stages = append(x.spec.Stages, s) }

// Kind is how the exchange partitions.
func (x *Exchange) Kind() PartitionKind { return x.spec.Inputs[0].Kind }

// Inputs is the partitioning of every port.
func (x *Exchange) Inputs() []Partitioning { return x.spec.Inputs }

func (x *Exchange) describe() string {
	var parts []string
	for _, p := range x.spec.Inputs {
		parts = append(parts, p.String())
	}
	s := fmt.Sprintf("ExchangeOperator[%s] partition=%s", ChainName(x.spec.Name, x.spec.Stages), strings.Join(parts, "|"))
	if x.spec.Partitions > 0 && x.Kind() != BlockOrderPartition {
		s += fmt.Sprintf(" partitions=%d", x.spec.Partitions)
	}
	if x.spec.MaxConcurrency > 0 {
		s += fmt.Sprintf(" concurrency=%d", x.spec.MaxConcurrency)
	}
	return s
}

// mapStageName names the map side in plans: "HashPartition(key)".
func (x *Exchange) mapStageName(port int) string {
	p := x.spec.Inputs[port]
	switch p.Kind {
	case HashPartition:
		return fmt.Sprintf("HashPartition(%s)", strings.Join(p.Keys, ","))
	case RangePartition:
		return fmt.Sprintf("SortRuns(%s)", strings.TrimSuffix(strings.TrimPrefix(p.String(), "range("), ")"))
	case RandomPartition:
		return "RandomPartition"
	case OrderPartition:
		return "OrderPartition"
	}
	return "BlockPartition"
}

// MapStage is the map side of input port: the last stage of the chain that feeds the port. It
// emits nothing; its deposits reach the exchange when its task succeeds.
func (x *Exchange) MapStage(port int) Stage {
	return Stage{
		Name: x.mapStageName(port),
		Fn: func(ctx context.Context, tc *TaskContext, in arrow.RecordBatch, emit Emit) error {
			return x.st.deposit(ctx, tc, port, in)
		},
		Flush: func(ctx context.Context, tc *TaskContext, emit Emit) error { return x.st.commit(ctx, tc, port) },
		Abort: func(tc *TaskContext) { x.st.abort(tc, port) },
		mapOf: &mapOf{x: x, port: port},
	}
}

// mapOf marks a stage as the map side of an exchange's port.
type mapOf struct {
	x    *Exchange
	port int
}

// checkInput says whether op may feed port: its chain must end with the port's map stage.
func (x *Exchange) checkInput(op Op, port int) error {
	var stages []Stage
	switch {
	case op.Source != nil:
		stages = op.Source.Stages
	case op.Map != nil:
		stages = op.Map.Stages
	case op.Exchange != nil:
		stages = op.Exchange.spec.Stages
	}
	if len(stages) == 0 {
		return fmt.Errorf("input %d (%s) does not end with the exchange's map stage", port, op.Name())
	}
	m := stages[len(stages)-1].mapOf
	if m == nil || m.x != x || m.port != port {
		return fmt.Errorf("input %d (%s) does not end with the exchange's map stage for that port", port, op.Name())
	}
	return nil
}

// Partition is what a reduce task reads: one partition of every input port.
type Partition struct {
	// Index is the partition's position in the exchange's output order; Count the number of
	// partitions.
	Index, Count int
	inputs       []*PartitionInput
}

// Input is the partition's share of input port.
func (p *Partition) Input(port int) *PartitionInput { return p.inputs[port] }

// Ports is the number of input ports.
func (p *Partition) Ports() int { return len(p.inputs) }

func (p *Partition) release() {
	for _, in := range p.inputs {
		in.release()
	}
}

// PartitionInput streams one input port's rows of one partition, in input order (the pieces of
// earlier map tasks first). For a range exchange each block Next returns is sorted by the keys.
// Not safe for concurrent use.
type PartitionInput struct {
	st     *store
	port   int
	pieces []piece
	next   int
	open   *pieceReader
	rows   int64
	bytes  int64
	// blocks and fixed hold a partition a backend grouped itself (NewPartition): its blocks
	// not yet read, and the port's schema.
	blocks []arrow.RecordBatch
	fixed  *arrow.Schema
}

// Schema is the input's schema (nil when the input had no block at all).
func (in *PartitionInput) Schema() *arrow.Schema {
	if in.st == nil {
		return in.fixed
	}
	return in.st.schema(in.port)
}

// Rows is the number of rows the partition holds from this input (for a range partition, an
// upper bound: boundary pieces are trimmed as they are read).
func (in *PartitionInput) Rows() int64 { return in.rows }

// Bytes is the size of the partition's share of this input, in Arrow bytes (an estimate for
// pieces of blocks).
func (in *PartitionInput) Bytes() int64 { return in.bytes }

// Next returns the next block of the partition's rows from this input, which the caller owns,
// or io.EOF after the last. Blocks may be zero-copy slices of deposited blocks.
func (in *PartitionInput) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if in.st == nil {
		return in.nextBlock(ctx)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if in.open == nil {
			if in.next >= len(in.pieces) {
				return nil, io.EOF
			}
			in.open = in.st.openPiece(in.pieces[in.next], in.port)
			in.next++
		}
		rec, err := in.open.next()
		if err == io.EOF {
			in.open.close()
			in.open = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		return rec, nil
	}
}

// release drops what was not read.
func (in *PartitionInput) release() {
	for _, b := range in.blocks {
		b.Release()
	}
	in.blocks = nil
	if in.st == nil {
		return
	}
	if in.open != nil {
		in.open.close()
		in.open = nil
	}
	for ; in.next < len(in.pieces); in.next++ {
		in.st.dropPiece(in.pieces[in.next])
	}
}
