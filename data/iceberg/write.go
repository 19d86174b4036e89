package iceberg

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	ice "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/google/uuid"
	"github.com/sluicedata/sluice/data"
)

// WriteOption configures Write and WriteTable.
type WriteOption func(*writeConfig)

type writeConfig struct {
	overwrite bool
	props     ice.Properties
}

// Overwrite replaces the table's rows with the dataset's in the one commit (Ray's
// mode=OVERWRITE); the default appends.
func Overwrite() WriteOption { return func(c *writeConfig) { c.overwrite = true } }

// SnapshotProperties are added to the summary of the snapshot the write commits (Ray's
// snapshot_properties).
func SnapshotProperties(p map[string]string) WriteOption {
	return func(c *writeConfig) {
		if c.props == nil {
			c.props = ice.Properties{}
		}
		for k, v := range p {
			c.props[k] = v
		}
	}
}

// writeBatchRows is the rows per batch handed to iceberg-go's writer.
const writeBatchRows = 64 << 10

// Write runs ds and appends its rows to tbl (or replaces them, with Overwrite) in one atomic
// commit, returning the table as committed (Ray's write_iceberg). The dataset's schema must
// be one iceberg-go can write into the table's (same names; types it can promote). A failed
// run, a failed commit or a commit conflict (another writer committed first) leaves the table
// as it was and returns the error, naming the table.
func Write(ctx context.Context, ds *data.Dataset, tbl *table.Table, opts ...WriteOption) (*table.Table, error) {
	if tbl == nil {
		return nil, errors.New("sluice: WriteIceberg: nil table")
	}
	var c writeConfig
	for _, o := range opts {
		o(&c)
	}
	where := "WriteIceberg " + strings.Join(tbl.Identifier(), ".")
	schema, err := ds.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: %w", where, err)
	}
	// sluice's writer writes the dataset's own types, so it writes only a dataset whose types
	// are the table's: an int32 into a long column or a timestamp[ns] into a timestamptz goes
	// through iceberg-go's writer, which converts it.
	if dir, ok := sluiceWriteDir(tbl); ok && sameTypes(schema.Schema, tbl) {
		return writeParallel(ctx, ds, tbl, c, where, dir)
	}
	rdr := newBatchReader(schema.Schema, ds.IterBatches(ctx, data.BatchSize(writeBatchRows)))
	// close, not Release: iceberg-go's writer may keep a reference it never drops on an
	// error, and the run must stop and give back its blocks whatever it does.
	defer rdr.close()
	tx := tbl.NewTransaction()
	if c.overwrite {
		err = tx.Overwrite(ctx, rdr, c.props)
	} else {
		err = tx.Append(ctx, rdr, c.props)
	}
	if rerr := rdr.Err(); rerr != nil {
		// The run's own error, as the run gave it, rather than iceberg-go's wrapping of it.
		return nil, fmt.Errorf("sluice: %s: the run failed, nothing was committed: %w", where, rerr)
	}
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: writing data files, nothing was committed: %w", where, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sluice: %s: nothing was committed: %w", where, err)
	}
	return commit(ctx, tx, where)
}

// commit commits tx, the write's one metadata commit.
func commit(ctx context.Context, tx *table.Transaction, where string) (*table.Table, error) {
	if testBeforeCommit != nil {
		testBeforeCommit()
	}
	out, err := tx.Commit(ctx)
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: commit: %w", where, err)
	}
	return out, nil
}

// sluiceWriteDir is the directory under an unpartitioned table's local data directory where
// sluice's own Parquet writer writes a run's files (in parallel, under the run's memory
// budget); false for a partitioned table or a location on an object store, which
// iceberg-go's writer writes.
func sluiceWriteDir(tbl *table.Table) (string, bool) {
	if !tbl.Spec().IsUnpartitioned() || len(tbl.Metadata().Schemas()) != 1 {
		return "", false
	}
	loc, ok := localPath(tbl.Location())
	if !ok {
		return "", false
	}
	return filepath.Join(loc, "data", "sluice-"+uuid.NewString()), true
}

// sameTypes reports whether s has exactly the table's columns, in order, with the Arrow
// types iceberg-go reads them as.
func sameTypes(s *arrow.Schema, tbl *table.Table) bool {
	want, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	return err == nil && sameColumns(s, want)
}

// writeParallel writes ds with data.WriteParquet into dir and adds the files to tbl in one
// commit (an append, or with Overwrite a replace of every current data file). The files carry
// no Iceberg field ids: AddFiles sets the table's default name mapping, by which Iceberg
// readers (iceberg-go, pyiceberg, Spark) map their columns.
func writeParallel(ctx context.Context, ds *data.Dataset, tbl *table.Table, c writeConfig, where, dir string) (*table.Table, error) {
	paths, err := ds.WriteParquet(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: the run failed, nothing was committed: %w", where, err)
	}
	prefix := ""
	if strings.HasPrefix(tbl.Location(), "file:") {
		prefix = "file://"
	}
	for i, p := range paths {
		paths[i] = prefix + p
	}
	tx := tbl.NewTransaction()
	if c.overwrite {
		var old []string
		if tbl.CurrentSnapshot() != nil {
			tasks, err := tbl.Scan().PlanFiles(ctx)
			if err != nil {
				return nil, fmt.Errorf("sluice: %s: listing the files to replace: %w", where, err)
			}
			seen := map[string]bool{} // a file split into several tasks is listed once
			for _, t := range tasks {
				if p := t.File.FilePath(); !seen[p] {
					seen[p] = true
					old = append(old, p)
				}
			}
		}
		err = tx.ReplaceDataFiles(ctx, old, paths, c.props)
	} else {
		err = tx.AddFiles(ctx, paths, c.props, false)
	}
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: adding the data files, nothing was committed: %w", where, err)
	}
	return commit(ctx, tx, where)
}

// testBeforeCommit, when set by a test, runs after the data files are written and before the
// commit.
var testBeforeCommit func()

// WriteTable writes ds into the table ident of cat as Write does, first creating the table,
// unpartitioned, from the dataset's schema when it does not exist.
func WriteTable(ctx context.Context, ds *data.Dataset, cat catalog.Catalog, ident table.Identifier, opts ...WriteOption) (*table.Table, error) {
	where := "WriteIceberg " + strings.Join(ident, ".")
	tbl, err := cat.LoadTable(ctx, ident)
	if errors.Is(err, catalog.ErrNoSuchTable) {
		schema, serr := ds.Schema(ctx)
		if serr != nil {
			return nil, fmt.Errorf("sluice: %s: %w", where, serr)
		}
		sc, serr := table.ArrowSchemaToIcebergWithFreshIDs(schema.Schema, true)
		if serr != nil {
			return nil, fmt.Errorf("sluice: %s: the dataset's schema: %w", where, serr)
		}
		tbl, err = cat.CreateTable(ctx, ident, sc)
	}
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: %w", where, err)
	}
	return Write(ctx, ds, tbl, opts...)
}

// batchReader is an array.RecordReader over IterBatches: the pull iterator runs the dataset,
// and each batch is retained until the next call to Next.
type batchReader struct {
	refs      atomic.Int64
	schema    *arrow.Schema
	next      func() (*data.Batch, error, bool)
	stop      func()
	cur       arrow.RecordBatch
	err       error
	closeOnce sync.Once
}

func newBatchReader(schema *arrow.Schema, seq iter.Seq2[*data.Batch, error]) *batchReader {
	r := &batchReader{schema: schema}
	r.next, r.stop = iter.Pull2(seq)
	r.refs.Store(1)
	return r
}

func (r *batchReader) Schema() *arrow.Schema { return r.schema }

func (r *batchReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil {
		return false
	}
	b, err, ok := r.next()
	if !ok {
		return false
	}
	if err != nil {
		r.err = err
		return false
	}
	r.cur = b.Record()
	r.cur.Retain()
	return true
}

func (r *batchReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch's deprecated name, which array.RecordReader still lists.
func (r *batchReader) Record() arrow.RecordBatch { return r.cur }

func (r *batchReader) Err() error { return r.err }

func (r *batchReader) Retain() { r.refs.Add(1) }

func (r *batchReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.close()
	}
}

// close releases the current batch and stops the run; it may be called more than once.
func (r *batchReader) close() {
	r.closeOnce.Do(func() {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.stop()
	})
}

var _ array.RecordReader = (*batchReader)(nil)
