package iceberg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ice "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/read"
)

// ReadOption configures Read.
type ReadOption func(*readConfig)

type readConfig struct {
	snapshotID *int64
	asOf       *time.Time
	filter     ice.BooleanExpression
	fields     []string
}

// SnapshotID reads the snapshot with this id (Ray's snapshot_id); the default is the
// table's current snapshot.
func SnapshotID(id int64) ReadOption { return func(c *readConfig) { c.snapshotID = &id } }

// AsOf reads the snapshot that was current at t (time travel).
func AsOf(t time.Time) ReadOption { return func(c *readConfig) { c.asOf = &t } }

// RowFilter reads only the rows e holds for (Ray's row_filter): data files and partitions
// that cannot hold one are pruned from the manifests' statistics, and iceberg-go's reader
// filters the rows of the others.
func RowFilter(e ice.BooleanExpression) ReadOption { return func(c *readConfig) { c.filter = e } }

// SelectedFields reads only these columns (Ray's selected_fields). A SelectColumns right
// after Read does the same.
func SelectedFields(names ...string) ReadOption {
	return func(c *readConfig) { c.fields = append([]string(nil), names...) }
}

// Read reads a snapshot of tbl (Ray's read_iceberg): one read task per data file, on
// sluice's executor. See the package comment for which reader reads which file. Options:
// SnapshotID, AsOf, RowFilter, SelectedFields.
func Read(tbl *table.Table, opts ...ReadOption) *data.Dataset {
	s := &source{tbl: tbl}
	for _, o := range opts {
		o(&s.conf)
	}
	return data.ReadDatasource(s)
}

// source is Read's data.Datasource.
type source struct {
	tbl  *table.Table
	conf readConfig
}

func (s *source) Name() string { return "ReadIceberg" }

func (s *source) Describe() string {
	if s.tbl == nil {
		return ""
	}
	d := strings.Join(s.tbl.Identifier(), ".")
	switch {
	case s.conf.snapshotID != nil:
		d += fmt.Sprintf(" snapshot=%d", *s.conf.snapshotID)
	case s.conf.asOf != nil:
		d += " as_of=" + s.conf.asOf.UTC().Format(time.RFC3339)
	}
	if s.conf.filter != nil {
		d += " filter=" + s.conf.filter.String()
	}
	return d
}

// where names the table in errors.
func (s *source) where() string {
	if s.tbl == nil {
		return "ReadIceberg"
	}
	return "ReadIceberg " + strings.Join(s.tbl.Identifier(), ".")
}

// plan is a scan's files and the reader they take.
type plan struct {
	scan    *table.Scan
	tasks   []table.FileScanTask
	columns []string // the projection, in the order the blocks hold it
	// local: every task is a Parquet file on the local file system without deletes, and the
	// table's schema never changed, so read.ReadParquet may read the files by column name:
	// each file whose footer gives want's types is read so, any other (a file added with an
	// int column into a long one, say) by iceberg-go's reader, which casts it.
	local bool
	paths []string      // with local, each task's file path
	want  *arrow.Schema // with local, the schema iceberg-go's reader gives the projection
}

func (s *source) plan(ctx context.Context, columns []string) (*plan, error) {
	return s.planPruned(ctx, columns, nil)
}

// planPruned plans with prune, a filter the Where after the read still applies to the rows,
// added to the scan's row filter.
func (s *source) planPruned(ctx context.Context, columns []string, prune ice.BooleanExpression) (*plan, error) {
	if s.tbl == nil {
		return nil, errors.New("sluice: ReadIceberg: nil table")
	}
	opts := s.snapshotOptions()
	switch filter := s.conf.filter; {
	case filter != nil && prune != nil:
		opts = append(opts, table.WithRowFilter(ice.NewAnd(filter, prune)))
	case filter != nil:
		opts = append(opts, table.WithRowFilter(filter))
	case prune != nil:
		opts = append(opts, table.WithRowFilter(prune))
	}
	if columns == nil {
		columns = s.conf.fields
	}
	if columns != nil {
		opts = append(opts, table.WithSelectedFields(columns...))
	}
	scan := s.tbl.Scan(opts...)
	if _, err := scan.ResolveSnapshot(); err != nil && (s.conf.snapshotID != nil || s.conf.asOf != nil) {
		return nil, fmt.Errorf("sluice: %s: %w", s.where(), err)
	}
	proj, err := scan.Projection()
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: %w", s.where(), err)
	}
	if columns == nil {
		for _, f := range proj.Fields() {
			columns = append(columns, f.Name)
		}
	}
	tasks, err := scan.PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: planning the scan: %w", s.where(), err)
	}
	p := &plan{scan: scan, tasks: tasks, columns: columns}
	p.local = s.conf.filter == nil && len(s.tbl.Metadata().Schemas()) == 1
	for _, t := range tasks {
		path, ok := localPath(t.File.FilePath())
		if !ok || t.File.FileFormat() != ice.ParquetFile || len(t.DeleteFiles)+len(t.EqualityDeleteFiles)+len(t.DeletionVectorFiles) > 0 || t.Start != 0 {
			p.local = false
		}
		p.paths = append(p.paths, path)
	}
	if p.local {
		schema, err := scanSchema(ctx, scan)
		if err != nil {
			return nil, fmt.Errorf("sluice: %s: %w", s.where(), err)
		}
		if p.want, err = inOrder(schema, columns); err != nil {
			return nil, fmt.Errorf("sluice: %s: %w", s.where(), err)
		}
	}
	return p, nil
}

// inOrder is schema with just columns, in that order. iceberg-go's reader gives a projection
// in the table's order; sluice's blocks hold it in the order the planner asked for.
func inOrder(schema *arrow.Schema, columns []string) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		j := schema.FieldIndices(c)
		if len(j) != 1 {
			return nil, fmt.Errorf("no column %q in %s", c, schema)
		}
		fields[i] = schema.Field(j[0])
	}
	return arrow.NewSchema(fields, nil), nil
}

// reorder is rec with just columns, in that order (rec itself if it is so already); it
// takes rec's reference.
func reorder(rec arrow.RecordBatch, columns []string) (arrow.RecordBatch, error) {
	schema := rec.Schema()
	same := schema.NumFields() == len(columns)
	for i := 0; same && i < len(columns); i++ {
		same = schema.Field(i).Name == columns[i]
	}
	if same {
		return rec, nil
	}
	defer rec.Release()
	want, err := inOrder(schema, columns)
	if err != nil {
		return nil, err
	}
	cols := make([]arrow.Array, len(columns))
	for i, c := range columns {
		cols[i] = rec.Column(schema.FieldIndices(c)[0])
	}
	return array.NewRecordBatch(want, cols, rec.NumRows()), nil
}

// scanSchema is the schema iceberg-go's reader gives scan's rows: ReadTasks of no tasks
// reads nothing and returns it.
func scanSchema(ctx context.Context, scan *table.Scan) (*arrow.Schema, error) {
	schema, recs, err := scan.ReadTasks(ctx, nil)
	if err != nil {
		return nil, err
	}
	for rec, err := range recs {
		if rec != nil {
			rec.Release()
		}
		if err != nil {
			return nil, err
		}
	}
	return schema, nil
}

// sameColumns reports whether got has want's columns, in order, with its Arrow types.
func sameColumns(got, want *arrow.Schema) bool {
	if got.NumFields() != want.NumFields() {
		return false
	}
	for i, f := range want.Fields() {
		if g := got.Field(i); g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) {
			return false
		}
	}
	return true
}

// snapshotOptions are the scan options that pick the snapshot the read reads.
func (s *source) snapshotOptions() []table.ScanOption {
	switch {
	case s.conf.snapshotID != nil:
		return []table.ScanOption{table.WithSnapshotID(*s.conf.snapshotID)}
	case s.conf.asOf != nil:
		return []table.ScanOption{table.WithSnapshotAsOf(s.conf.asOf.UnixMilli())}
	}
	return nil
}

// localPath is the file path of a local file's location (/w/t/data/x.parquet or
// file:///w/t/...), and false for any other location.
func localPath(loc string) (string, bool) {
	if strings.HasPrefix(loc, "/") {
		return loc, true
	}
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") {
		return "", false
	}
	return u.Path, true
}

func (s *source) Schema(ctx context.Context) (*arrow.Schema, error) {
	p, err := s.plan(ctx, nil)
	if err != nil {
		return nil, err
	}
	return s.schemaOf(ctx, p)
}

func (s *source) schemaOf(ctx context.Context, p *plan) (*arrow.Schema, error) {
	if p.want != nil {
		return p.want, nil
	}
	schema, err := scanSchema(ctx, p.scan)
	if err == nil {
		schema, err = inOrder(schema, p.columns)
	}
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: %w", s.where(), err)
	}
	return schema, nil
}

// Count sums the data files' record counts when no file has deletes and no row filter is set,
// and reads the rows otherwise.
func (s *source) Count(ctx context.Context) (int64, error) {
	p, err := s.plan(ctx, nil)
	if err != nil {
		return 0, err
	}
	var n int64
	exact := s.conf.filter == nil
	for _, t := range p.tasks {
		if len(t.DeleteFiles)+len(t.EqualityDeleteFiles)+len(t.DeletionVectorFiles) > 0 || t.Start != 0 {
			exact = false
		}
		n += t.File.Count()
	}
	if exact {
		return n, nil
	}
	n = 0
	for _, t := range s.tasksOf(p) {
		err := t.Read(ctx, memory.DefaultAllocator, func(rec arrow.RecordBatch) error {
			n += rec.NumRows()
			rec.Release()
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("sluice: %s: %s: %w", s.where(), t.Origin, err)
		}
	}
	return n, nil
}

func (s *source) ReadTasks(ctx context.Context, columns []string) ([]data.ReadTask, error) {
	p, err := s.plan(ctx, columns)
	if err != nil {
		return nil, err
	}
	return s.tasksOf(p), nil
}

func (s *source) tasksOf(p *plan) []data.ReadTask {
	out := make([]data.ReadTask, len(p.tasks))
	for i, t := range p.tasks {
		if p.local {
			f := read.File{Path: p.paths[i], Size: t.File.FileSizeBytes()}
			opts := read.ParquetOptions{Columns: p.columns}
			out[i] = data.ReadTask{Origin: t.File.FilePath(), Read: func(ctx context.Context, mem memory.Allocator, emit func(arrow.RecordBatch) error) error {
				// The footer is a few KiB the read below reads again from the page cache.
				got, _, err := read.ParquetInfo(ctx, read.Local(), f, opts)
				if err != nil {
					return err
				}
				if !sameColumns(got, p.want) {
					return readTask(ctx, mem, p.scan, t, p.columns, emit)
				}
				return read.ReadParquet(ctx, mem, read.Local(), f, opts, read.Emit(emit))
			}}
			continue
		}
		out[i] = data.ReadTask{Origin: t.File.FilePath(), Read: func(ctx context.Context, mem memory.Allocator, emit func(arrow.RecordBatch) error) error {
			return readTask(ctx, mem, p.scan, t, p.columns, emit)
		}}
	}
	return out
}

// readTask reads the file of t with iceberg-go's reader into mem, which applies t's deletes,
// the scan's row filter and its schema (field ids, renames, promotions), and emits its blocks
// with columns in that order.
func readTask(ctx context.Context, mem memory.Allocator, scan *table.Scan, t table.FileScanTask, columns []string, emit func(arrow.RecordBatch) error) error {
	ctx, cancel := context.WithCancel(compute.WithAllocator(ctx, mem))
	defer cancel()
	_, recs, err := scan.ReadTasks(ctx, []table.FileScanTask{t})
	if err != nil {
		return err
	}
	for rec, err := range recs {
		if err != nil {
			if rec != nil {
				rec.Release()
			}
			return err
		}
		if rec, err = reorder(rec, columns); err != nil {
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}
