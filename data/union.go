package data

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/streaming"
)

// Union is the rows of ds, then the rows of each of others in turn (Ray's union: the output
// order is the inputs' order, unless Context.Unordered is set, when blocks of the inputs
// interleave as they come). The inputs run side by side, each within its own share of the
// memory budget. Every input must have the same schema (column names and types in order);
// when the plan knows the schemas a mismatch fails before the run.
func (ds *Dataset) Union(others ...*Dataset) *Dataset {
	op := &logicalOp{kind: opUnion, name: "Union", inputs: []*logicalOp{ds.op}}
	out := &Dataset{op: op, ctx: ds.ctx, err: ds.err, held: ds.held, last: &lastRun{}}
	for _, o := range others {
		op.inputs = append(op.inputs, o.op)
		if out.err == nil {
			out.err = o.err
		}
		if out.held == nil {
			out.held = o.held
		}
	}
	op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) {
		for i, s := range in[1:] {
			if !sameColumns(in[0], s) {
				return nil, fmt.Errorf("input %d has columns %s, the first input %s", i+1, columnList(s), columnList(in[0]))
			}
		}
		return in[0], nil
	}
	return out
}

// Zip joins ds and other row by row (Ray's zip): row i of the output has ds's columns of row
// i, then other's; a column name ds already has gets the suffix "_1". The two datasets must
// have the same number of rows: a mismatch fails the run with both counts. Blocks need not
// line up (the output is cut where either side's blocks end, without copying). Zip needs an
// ordered run (not Context.Unordered).
func (ds *Dataset) Zip(other *Dataset) *Dataset {
	op := &logicalOp{kind: opZip, name: "Zip", inputs: []*logicalOp{ds.op, other.op}}
	out := &Dataset{op: op, ctx: ds.ctx, err: ds.err, held: ds.held, last: &lastRun{}}
	if out.err == nil {
		out.err = other.err
	}
	if out.held == nil {
		out.held = other.held
	}
	op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) {
		fields := slices.Clone(in[0].Fields())
		taken := map[string]bool{}
		for _, f := range fields {
			taken[f.Name] = true
		}
		for _, f := range in[1].Fields() {
			name := f.Name
			for i := 1; taken[name]; i++ {
				name = fmt.Sprintf("%s_%d", f.Name, i)
			}
			taken[name] = true
			f.Name = name
			fields = append(fields, f)
		}
		return arrow.NewSchema(fields, nil), nil
	}
	return out
}

func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if a.Field(i).Name != b.Field(i).Name || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

func columnList(s *arrow.Schema) string {
	var cols []string
	for _, f := range s.Fields() {
		cols = append(cols, f.Name+" "+TypeString(f.Type))
	}
	return "(" + strings.Join(cols, ", ") + ")"
}

// RepartitionBy hash-partitions the rows by the key columns into n blocks (Ray's
// repartition(n, keys=...)): rows with equal keys end in the same block. Some blocks may be
// empty when there are fewer distinct keys than n.
func (ds *Dataset) RepartitionBy(keys []string, n int) *Dataset {
	if n <= 0 || len(keys) == 0 {
		return ds.derive(&logicalOp{kind: opLimit}, fmt.Errorf("sluice: RepartitionBy(%v, %d): needs keys and n >= 1", keys, n))
	}
	keys = slices.Clone(keys)
	out := ds.exchange(fmt.Sprintf("RepartitionBy[%s]", strings.Join(keys, ",")), &exchangeSpec{
		kind: streaming.HashPartition, keys: [][]string{keys}, partitions: n, exact: true, detail: fmt.Sprintf("n=%d", n), reduce: concatReduce,
	})
	out.op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) { return checkKeyColumns(in[0], keys) }
	return out
}
