package data

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/internal/kernels"
	"github.com/sluicedata/sluice/streaming"
)

// PartitionBy makes WriteParquet, WriteCSV and WriteJSON write Hive-style directories, one
// per distinct value of the columns (Ray's partition_cols): year=2024/month=5/part_....parquet,
// the columns themselves left out of the files, values escaped as URI segments and nulls
// written as __HIVE_DEFAULT_PARTITION__, as pyarrow's write_dataset does; ReadParquet with
// HivePartitioning (and pyarrow, DuckDB, Spark) read them back as columns.
//
// The rows are first hash-partitioned by the columns (an exchange), so that each directory
// is written by one task: MinRowsPerFile and MaxRowsPerFile hold within every directory (each
// file has at least the minimum but the directory's last, at most the maximum), which Ray
// cannot combine with partition_cols (ray#59485). A write task holds one open file per
// directory it writes; the number of tasks is the exchange's (NumPartitions).
func PartitionBy(cols ...string) Option {
	return opt("PartitionBy", func(c *config) error {
		if len(cols) == 0 {
			return fmt.Errorf("PartitionBy(): needs at least one column")
		}
		for i, col := range cols {
			if col == "" || slices.Contains(cols[:i], col) {
				return fmt.Errorf("PartitionBy(%s): empty or repeated column %q", strings.Join(cols, ", "), col)
			}
		}
		c.partitionBy = slices.Clone(cols)
		return nil
	})
}

// partitionedForWrite is ds hash-partitioned by cols, each partition's blocks streamed to the
// write (Explain shows it as PartitionBy[cols]).
func (ds *Dataset) partitionedForWrite(cols []string, n int) *Dataset {
	out := ds.exchange(fmt.Sprintf("PartitionBy[%s]", strings.Join(cols, ",")), &exchangeSpec{
		kind: streaming.HashPartition, keys: [][]string{cols}, partitions: n, reduce: streamReduce,
	})
	out.op.schemaOutN = func(in []*arrow.Schema) (*arrow.Schema, error) {
		s, err := checkKeyColumns(in[0], cols)
		if err != nil {
			return nil, err
		}
		if len(cols) == s.NumFields() {
			return nil, fmt.Errorf("sluice: PartitionBy(%s): every column is a partition column; the files would hold none", strings.Join(cols, ", "))
		}
		return s, nil
	}
	return out
}

// streamReduce passes a partition's blocks on as they are read.
func streamReduce(ctx context.Context, tc *streaming.TaskContext, p *streaming.Partition, emit streaming.Emit) error {
	in := p.Input(0)
	for {
		rec, err := in.Next(ctx)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
}

// hivePart is the rows of one batch that go to one directory.
type hivePart struct {
	dir  string
	rows []int64
}

// splitHive groups the rows of rec by the values of cols (their indices in rec), in order of
// first appearance, and returns the batch without those columns. The caller releases data.
func splitHive(rec arrow.RecordBatch, names []string, cols []int) (parts []hivePart, data arrow.RecordBatch) {
	keep := make([]int, 0, int(rec.NumCols())-len(cols))
	for i := 0; i < int(rec.NumCols()); i++ {
		if !slices.Contains(cols, i) {
			keep = append(keep, i)
		}
	}
	fields := make([]arrow.Field, len(keep))
	arrs := make([]arrow.Array, len(keep))
	for i, c := range keep {
		fields[i], arrs[i] = rec.Schema().Field(c), rec.Column(c)
	}
	md := rec.Schema().Metadata()
	data = array.NewRecordBatch(arrow.NewSchema(fields, &md), arrs, rec.NumRows())
	at := map[string]int{}
	segs := make([]string, len(cols))
	for r := 0; r < int(rec.NumRows()); r++ {
		for i, c := range cols {
			a := rec.Column(c)
			segs[i] = hiveSegment(names[i], a.ValueStr(r), a.IsNull(r))
		}
		dir := strings.Join(segs, "/")
		k, ok := at[dir]
		if !ok {
			k = len(parts)
			at[dir] = k
			parts = append(parts, hivePart{dir: dir})
		}
		parts[k].rows = append(parts[k].rows, int64(r))
	}
	return parts, data
}

// writePartitioned writes the rows of in into the task's file of each directory they belong to.
func (s *fileSink) writePartitioned(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch) error {
	cols := make([]int, len(s.partitionBy))
	for i, name := range s.partitionBy {
		idx := in.Schema().FieldIndices(name)
		if len(idx) != 1 {
			return fmt.Errorf("sluice: PartitionBy: column %q is not in the rows written %s", name, columnList(in.Schema()))
		}
		cols[i] = idx[0]
	}
	if len(cols) == int(in.NumCols()) {
		return fmt.Errorf("sluice: PartitionBy(%s): every column is a partition column; the files would hold none", strings.Join(s.partitionBy, ", "))
	}
	parts, data := splitHive(in, s.partitionBy, cols)
	defer data.Release()
	if len(parts) == 0 {
		// An empty batch still gives the schema, for the empty dataset's one file.
		s.mu.Lock()
		if s.schema == nil {
			s.schema = data.Schema()
		}
		s.mu.Unlock()
		return nil
	}
	for _, p := range parts {
		rec := data
		if len(parts) > 1 {
			var err error
			if rec, err = kernels.Take(ctx, tc.Mem, data, p.rows); err != nil {
				return err
			}
		} else {
			rec.Retain()
		}
		w, err := s.writerIn(ctx, tc, p.dir, rec.Schema())
		if err == nil {
			err = w.Write(rec)
		}
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}
