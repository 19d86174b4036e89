package data

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/internal/kernels"
	"github.com/sluicedata/sluice/streaming"
)

// Descending sets, for Sort, which keys sort descending: one value for every key, or one per
// key (Ray's descending=True or [True, False]).
func Descending(desc ...bool) Option {
	return opt("Descending", func(c *config) error {
		if len(desc) == 0 {
			desc = []bool{true}
		}
		c.descending = desc
		return nil
	})
}

// NumPartitions sets how many partitions an exchange cuts its input into (Ray's num_partitions):
// for Sort the number of sorted ranges (default: from the data's size), for GroupBy and Join
// the number of hash buckets (default 128, packed into reduce tasks by size).
func NumPartitions(n int) Option {
	return opt("NumPartitions", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("NumPartitions(%d): must be at least 1", n)
		}
		c.numPartitions = n
		return nil
	})
}

// Sort orders the rows by the key columns (Ray's sort): a total order across output blocks,
// stable (rows with equal keys keep their input order), nulls last whether ascending or
// descending, NaN after every number. Options: Descending, NumPartitions.
//
// The input is range-partitioned by boundaries sampled from it: each map task sorts what it
// read into a run (spilling past the budget), and each reduce task sorts one key range.
func (ds *Dataset) Sort(keys []string, opts ...Option) *Dataset {
	name := fmt.Sprintf("Sort[%s]", strings.Join(keys, ","))
	c, err := parseOptions("Sort", opts, "Descending", "NumPartitions")
	if err == nil && len(keys) == 0 {
		err = fmt.Errorf("sluice: Sort: no key columns")
	}
	var desc []bool
	if err == nil {
		switch {
		case len(c.descending) == 0:
		case len(c.descending) == 1:
			for range keys {
				desc = append(desc, c.descending[0])
			}
		case len(c.descending) == len(keys):
			desc = c.descending
		default:
			err = fmt.Errorf("sluice: Sort: %d Descending values for %d keys", len(c.descending), len(keys))
		}
	}
	if err != nil {
		return ds.derive(&logicalOp{kind: opLimit}, err)
	}
	var detail []string
	for i, k := range keys {
		if i < len(desc) && desc[i] {
			k += " desc"
		}
		detail = append(detail, k)
	}
	keys = slices.Clone(keys)
	e := &exchangeSpec{kind: streaming.RangePartition, keys: [][]string{keys}, descending: desc, partitions: c.numPartitions,
		reduce: func(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
			sorted, err := sortPartition(ctx, tc, p.Input(0), keys, desc)
			if err != nil || sorted == nil {
				return err
			}
			return emit(sorted)
		}}
	out := ds.exchange(name, e)
	out.op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) { return checkKeyColumns(in[0], keys) }
	return out
}

// checkKeyColumns says whether keys name columns of s that can be keys; it returns s.
func checkKeyColumns(s *arrow.Schema, keys []string) (*arrow.Schema, error) {
	for _, k := range keys {
		idx := s.FieldIndices(k)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no key column %q (columns: %v)", k, schemaNames(s))
		}
		if err := kernels.CheckKeyType(k, s.Field(idx[0]).Type); err != nil {
			return nil, trimmedError{err}
		}
	}
	return s, nil
}

// sortPartition reads a range partition (sorted pieces) and returns its rows in key order, or
// nil when it has none. Ties keep input order: pieces come in input order and the sort is
// stable.
func sortPartition(ctx context.Context, tc *streaming.TaskContext, in *streaming.PartitionInput, keys []string, desc []bool) (arrow.RecordBatch, error) {
	recs, err := readPartition(ctx, in)
	defer releaseRecords(recs)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil // one piece: sorted already
	}
	all, err := kernels.ConcatRecords(tc.Mem, recs)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	cols, err := columnsByName(all, keys)
	if err != nil {
		return nil, err
	}
	var k kernels.Keys
	if err := kernels.EncodeKeys(&k, cols, desc, keys); err != nil {
		return nil, err
	}
	order := kernels.SortIndices(&k)
	if isSorted(order) {
		all.Retain()
		return all, nil
	}
	return kernels.Take(ctx, tc.Mem, all, order)
}

// columnsByName returns rec's columns named names.
func columnsByName(rec arrow.RecordBatch, names []string) ([]arrow.Array, error) {
	cols := make([]arrow.Array, len(names))
	for i, n := range names {
		idx := rec.Schema().FieldIndices(n)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q (columns: %v)", n, schemaNames(rec.Schema()))
		}
		cols[i] = rec.Column(idx[0])
	}
	return cols, nil
}
