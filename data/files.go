package data

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/data/internal/codec"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/storage"
	"github.com/sluicedata/sluice/streaming"
	"github.com/sluicedata/sluice/tensor"
)

// fileReader reads one file of a format, projecting columns where it can: columns nil asks
// for every column, an empty (non-nil) list for none of the file's (only the path or
// partition columns are wanted: a reader may emit batches of no columns and the file's row
// count, and skip reading the rest).
type fileReader func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error

// fileSource is a datasource over files: one read task per file, listed on the fly so the
// first file is read while later ones are still being listed.
type fileSource struct {
	format string // "ReadCSV"
	paths  []string
	list   read.ListOptions
	st     read.Storage
	read   fileReader
	// readPruned, if set, is read for tasks with a pushed-down filter: the reader skips what
	// the filter's conjuncts rule out and counts it in tc (Parquet row groups).
	readPruned func(ctx context.Context, tc *streaming.TaskContext, st read.Storage, f read.File, columns []string, limit int64, filter []expr.Expr, emit read.Emit) error
	project    bool // the reader applies columns itself
	withPath   bool
	parts      partitioning
}

// errLimitReached stops a read task once its row limit is met; it is not an error.
var errLimitReached = errors.New("limit reached")

// errFirstFile stops a listing after the first file.
var errFirstFile = errors.New("first file")

func (s *fileSource) name() string { return s.format }
func (s *fileSource) describe() string {
	d := strings.Join(s.paths, ", ")
	if len(d) > 60 {
		d = d[:57] + "..."
	}
	return d
}
func (s *fileSource) canProject() bool { return true }

// canPrune: a partitioned file source skips files whose partition values fail the filter.
func (s *fileSource) canPrune() bool { return s.parts.on() || s.readPruned != nil }

func (s *fileSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		paths, err := resolvePaths(ctx, s.paths)
		if err != nil {
			return err
		}
		prune := s.partitionPruner(p.filter)
		skipped := int64(0)
		defer func() {
			if skipped > 0 {
				yield(streaming.Input{Counts: map[string]int64{"files_skipped": skipped}})
			}
		}()
		return read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
			if prune != nil && !prune(paths, f.Path) {
				skipped++
				return nil
			}
			in := streaming.Input{Origin: f.Path, Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				return s.readFile(ctx, tc, f, p, paths, emit)
			}}
			if skipped > 0 {
				in.Counts = map[string]int64{"files_skipped": skipped}
				skipped = 0
			}
			return yield(in)
		})
	}
}

// partitionPruner is, for a partitioned source and a filter with conjuncts over partition
// columns only, the test that a file's partition values may hold a matching row (nil when
// there is nothing to test). Partition columns are strings, as withPartitions adds them.
func (s *fileSource) partitionPruner(filter []expr.Expr) func(roots []string, path string) bool {
	if !s.parts.on() || len(filter) == 0 {
		return nil
	}
	var bound []*expr.Bound
	for _, c := range filter {
		var fields []arrow.Field
		for _, col := range c.Columns() {
			fields = append(fields, arrow.Field{Name: col, Type: arrow.BinaryTypes.String, Nullable: true})
		}
		b, err := expr.BindPredicate(c, arrow.NewSchema(fields, nil))
		if err != nil {
			continue // not over partition columns alone (or not as strings): no pruning
		}
		bound = append(bound, b)
	}
	if len(bound) == 0 {
		return nil
	}
	return func(roots []string, path string) bool {
		names, values := s.parts.values(roots, path)
		vals := map[string]string{}
		for i, n := range names {
			if s.parts.hive && values[i] == hiveNull {
				return true // a null partition: the string predicates cannot judge it
			}
			vals[n] = values[i]
		}
		for _, b := range bound {
			if !coveredBy(b.Expr().Columns(), names) {
				continue
			}
			if ok, err := b.MayMatchPartition(vals); err == nil && !ok {
				return false
			}
		}
		return true
	}
}

func coveredBy(cols, names []string) bool {
	for _, c := range cols {
		if !slices.Contains(names, c) {
			return false
		}
	}
	return true
}

// readFile reads one file, adding the path column, applying the projection the reader could
// not, and stopping at the row limit.
func (s *fileSource) readFile(ctx context.Context, tc *streaming.TaskContext, f read.File, p readParams, roots []string, emit streaming.Emit) error {
	mem := tc.Mem
	cols := p.columns
	var readCols []string
	if s.project && cols != nil {
		// Path and partition columns are added after reading: do not ask the reader for them.
		added, _ := s.parts.values(roots, f.Path)
		if s.withPath {
			added = append(added, "path")
		}
		readCols = []string{}
		for _, c := range cols {
			if !slices.Contains(added, c) {
				readCols = append(readCols, c)
			}
		}
	}
	left := p.limit
	reader := s.read
	if s.readPruned != nil && len(p.filter) > 0 {
		reader = func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return s.readPruned(ctx, tc, st, f, columns, limit, p.filter, emit)
		}
	}
	err := reader(ctx, mem, s.st, f, readCols, p.limit, func(rec arrow.RecordBatch) error {
		if p.limit > 0 {
			if left <= 0 {
				rec.Release()
				return errLimitReached
			}
			if rec.NumRows() > left {
				cut := rec.NewSlice(0, left)
				rec.Release()
				rec = cut
			}
			left -= rec.NumRows()
		}
		rec = s.parts.withPartitions(mem, rec, roots, f.Path)
		if s.withPath {
			var err error
			if rec, err = read.WithPath(mem, rec, f.Path); err != nil {
				return err
			}
		}
		if cols != nil {
			b, err := (&Batch{rec: rec, mem: mem}).Select(cols...)
			rec.Release()
			if err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			rec = b.rec
		}
		return emit(rec)
	})
	if errors.Is(err, errLimitReached) {
		return nil
	}
	return err
}

// resolvePaths checks user paths against the storage layer: URLs lose their options (recorded
// for their bucket), and a scheme without a driver is an error saying which import to add.
func resolvePaths(ctx context.Context, paths []string) ([]string, error) {
	out := make([]string, len(paths))
	for i, p := range paths {
		r, err := storage.Default().Resolve(ctx, p)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// files makes the Dataset of a file source after parsing the options common to file readers.
func files(format string, paths []string, opts []Option, allowed []string, defaultExt []string, mk func(c *config) (fileReader, bool)) *Dataset {
	allowed = append(allowed, "IncludePaths", "IgnoreMissingPaths", "FileExtensions", "Partitioning", "HivePartitioning", "ReadIncomplete", "MaxRetries", "RetryIf")
	c, err := parseOptions(format, opts, allowed...)
	if err == nil && len(paths) == 0 {
		err = fmt.Errorf("sluice: %s: no paths given", format)
	}
	src := &fileSource{format: format, paths: paths, st: read.Default()}
	if err == nil {
		exts := c.extensions
		if exts == nil {
			exts = defaultExt
		}
		if slices.Contains(allowed, "Compression") {
			exts = read.WithCompressedExtensions(exts) // "csv" lists a.csv.gz too
		}
		src.list = read.ListOptions{Extensions: exts, IgnoreMissing: c.ignoreMiss, Incomplete: c.incomplete}
		src.withPath = c.includePaths
		src.parts = partitioning{names: c.partitions, hive: c.hive}
		src.read, src.project = mk(c)
	}
	ds := newDataset(&logicalOp{kind: opRead, name: format, src: src, retry: c.readRetryPolicy(paths)}, err)
	if err == nil && c.columns != nil {
		cols := c.columns
		if c.includePaths && !slices.Contains(cols, "path") {
			cols = append(cols, "path") // IncludePaths adds the column whatever Columns says
		}
		ds.op.params.columns = cols
	}
	return ds
}

// PathList is one path or a list of paths: files, directories (read recursively, hidden files
// skipped) and globs ("data/*.csv"). A directory that a sluice write committed is read as its
// _SUCCESS manifest lists it: exactly the files of the committed dataset (see
// read.ListFiles and ReadIncomplete).
type PathList interface{ ~string | ~[]string }

func pathsOf[P PathList](p P) []string {
	v := reflect.ValueOf(p)
	if v.Kind() == reflect.String {
		return []string{v.String()}
	}
	out := make([]string, v.Len())
	for i := range out {
		out[i] = v.Index(i).String()
	}
	return out
}

// ReadCSV reads CSV files (one read task per file), inferring column types. Options: Columns,
// Delimiter, NoHeader, Compression (default: by extension, so a.csv.gz and a.csv.zst are
// read as well), and those of every file reader: IncludePaths, IgnoreMissingPaths,
// FileExtensions (default csv and its compressed forms), Partitioning, HivePartitioning.
func ReadCSV[P PathList](paths P, opts ...Option) *Dataset {
	return files("ReadCSV", pathsOf(paths), opts, []string{"Columns", "Delimiter", "NoHeader", "Compression"}, []string{"csv"}, func(c *config) (fileReader, bool) {
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadCSV(ctx, mem, st, f, read.CSVOptions{Delimiter: c.delimiter, NoHeader: c.noHeader, Columns: columns, Compression: c.compression}, emit)
		}, true
	})
}

// ReadJSON reads JSON Lines files or files holding one JSON array of objects. Options:
// Columns, Compression (default: by extension, as ReadCSV), IncludePaths, IgnoreMissingPaths,
// FileExtensions (default json, jsonl and their compressed forms), Partitioning,
// HivePartitioning.
func ReadJSON[P PathList](paths P, opts ...Option) *Dataset {
	return files("ReadJSON", pathsOf(paths), opts, []string{"Columns", "Compression"}, []string{"json", "jsonl"}, func(c *config) (fileReader, bool) {
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadJSON(ctx, mem, st, f, read.JSONOptions{Columns: columns, Compression: c.compression}, emit)
		}, true
	})
}

// ReadText reads text files into one column "text", a row per line (empty lines dropped unless
// DropEmptyLines(false)). Options: DropEmptyLines, Compression (default: by extension, as
// ReadCSV), Columns, IncludePaths, IgnoreMissingPaths, FileExtensions (default: every file),
// Partitioning, HivePartitioning.
func ReadText[P PathList](paths P, opts ...Option) *Dataset {
	return files("ReadText", pathsOf(paths), opts, []string{"DropEmptyLines", "Compression", "Columns"}, nil, func(c *config) (fileReader, bool) {
		keep := c.dropEmpty != nil && !*c.dropEmpty
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadText(ctx, mem, st, f, read.TextOptions{KeepEmptyLines: keep, Compression: c.compression}, emit)
		}, false
	})
}

// ReadBinaryFiles reads whole files into one column "bytes", a row per file. A file whose
// extension names a codec (.gz, .zst, .bz2, .lz4, .xz) is decompressed, as in Ray; pass
// Compression("none") for the stored bytes. A projection without "bytes" (Columns("path"),
// or SelectColumns of the path and partition columns) reads no file, and Count only lists
// them. Options: Compression, Columns, IncludePaths, IgnoreMissingPaths, FileExtensions
// (default: every file), Partitioning, HivePartitioning.
func ReadBinaryFiles[P PathList](paths P, opts ...Option) *Dataset {
	ds := files("ReadBinaryFiles", pathsOf(paths), opts, []string{"Compression", "Columns"}, nil, func(c *config) (fileReader, bool) {
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			if columns != nil && !slices.Contains(columns, read.BytesColumn) {
				return emit(array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1))
			}
			return read.ReadBinary(ctx, mem, st, f, read.BinaryOptions{Compression: c.compression}, emit)
		}, true
	})
	return withCount(ds, func(ctx context.Context, st read.Storage, f read.File) (int64, error) { return 1, nil })
}

// ReadNumpy reads .npy files (versions 1-3, either byte order, C or Fortran order) into one
// column "data" whose rows are each array's first axis, as Ray's read_numpy does. Object and
// structured dtypes are refused with an error naming the file. Count reads only the files'
// headers, as does a projection without "data". Options: Compression (default: by
// extension, so a.npy.gz is read too), Columns, IncludePaths, IgnoreMissingPaths,
// FileExtensions (default npy and its compressed forms), Partitioning, HivePartitioning.
func ReadNumpy[P PathList](paths P, opts ...Option) *Dataset {
	var compression string
	ds := files("ReadNumpy", pathsOf(paths), opts, []string{"Compression", "Columns"}, []string{"npy"}, func(c *config) (fileReader, bool) {
		compression = c.compression
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			if columns != nil && !slices.Contains(columns, "data") {
				rows, err := numpyRows(ctx, st, f, c.compression)
				if err != nil {
					return err
				}
				return emit(array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, rows))
			}
			r, err := read.OpenStream(ctx, st, f, c.compression)
			if err != nil {
				return fmt.Errorf("sluice: read_numpy: %s: %w", f.Path, err)
			}
			defer r.Close()
			col, err := tensor.ReadNpyArray(mem, r)
			if err != nil {
				return fmt.Errorf("sluice: read_numpy: %s: %w", f.Path, err)
			}
			defer col.Release()
			schema := arrow.NewSchema([]arrow.Field{{Name: "data", Type: col.DataType()}}, nil)
			return emit(array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len())))
		}, true
	})
	return withCount(ds, func(ctx context.Context, st read.Storage, f read.File) (int64, error) {
		return numpyRows(ctx, st, f, compression)
	})
}

// numpyRows is the length of the first axis of the .npy file f, from its header. An
// uncompressed file shorter than its header declares is an error, as reading it would be.
func numpyRows(ctx context.Context, st read.Storage, f read.File, compression string) (int64, error) {
	r, err := read.OpenStream(ctx, st, f, compression)
	if err != nil {
		return 0, fmt.Errorf("sluice: read_numpy: %s: %w", f.Path, err)
	}
	defer r.Close()
	h, err := tensor.ReadNpyHeader(r)
	if err != nil {
		return 0, fmt.Errorf("sluice: read_numpy: %s: %w", f.Path, err)
	}
	if len(h.Shape) == 0 {
		return 0, fmt.Errorf("sluice: read_numpy: %s: %w: a 0-d array has no rows", f.Path, tensor.ErrNpy)
	}
	if codec.Resolve(compression, f.Path) == codec.None && f.Size > 0 && f.Size < h.DataOffset+h.DataBytes {
		return 0, fmt.Errorf("sluice: read_numpy: %s: %w: data truncated: the header declares %d bytes of data, the file holds %d", f.Path, tensor.ErrNpy, h.DataBytes, f.Size-h.DataOffset)
	}
	return int64(h.Shape[0]), nil
}

// countSource adds a Count that reads no rows to a file source: rows is one file's row
// count from its metadata (a header, the listing itself).
type countSource struct {
	*fileSource
	rows func(ctx context.Context, st read.Storage, f read.File) (int64, error)
}

func withCount(ds *Dataset, rows func(ctx context.Context, st read.Storage, f read.File) (int64, error)) *Dataset {
	if fs, ok := ds.op.src.(*fileSource); ok {
		ds.op.src = &countSource{fs, rows}
	}
	return ds
}

func (s *countSource) count(ctx context.Context) (int64, error) {
	var n int64
	paths, err := resolvePaths(ctx, s.paths)
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	err = read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
		rows, err := s.rows(ctx, s.st, f)
		n += rows
		return err
	})
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	return n, nil
}

// ReadParquet reads Parquet files row group by row group, with pyarrow's types. A column
// selection (Columns, or SelectColumns right after) is pushed into the reader so only those
// column chunks are read; Count and Schema come from the files' footers without reading rows.
// A Where right after it is pushed into the reader: row groups are skipped by their statistics
// and dictionaries, pages by the page index (ParquetPageIndex), and the filter's columns are
// decoded before the others (ParquetLateMaterialization).
// Options: Columns, ParquetInt96Unit, ParquetPageIndex, ParquetLateMaterialization,
// IncludePaths, IgnoreMissingPaths, FileExtensions (default parquet).
func ReadParquet[P PathList](paths P, opts ...Option) *Dataset {
	var unit read.Int96Unit
	var noPages, noLate bool
	ds := files("ReadParquet", pathsOf(paths), opts, []string{"Columns", "ParquetInt96Unit", "ParquetPageIndex", "ParquetLateMaterialization"}, []string{"parquet"}, func(c *config) (fileReader, bool) {
		unit, noPages, noLate = c.int96Unit, c.noPageIndex, c.noLateMat
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadParquet(ctx, mem, st, f, read.ParquetOptions{Columns: columns, Limit: limit, Int96Unit: unit}, emit)
		}, true
	})
	if fs, ok := ds.op.src.(*fileSource); ok {
		fs.readPruned = func(ctx context.Context, tc *streaming.TaskContext, st read.Storage, f read.File, columns []string, limit int64, filter []expr.Expr, emit read.Emit) error {
			opts := read.ParquetOptions{Columns: columns, Limit: limit, Int96Unit: unit,
				RowGroupFilter:   rowGroupFilter(filter),
				RowGroupsSkipped: func(n int) { tc.Count("row_groups_skipped", int64(n)) },
				// by dictionary: parquet_dictionary.go
				DictionaryFilter:  dictionaryFilter(filter),
				DictionarySkipped: func(n int) { tc.Count("row_groups_skipped_by_dictionary", int64(n)) },
				// by the page index and late materialization: parquet_pageindex.go
				PagesSkipped: func(n int) { tc.Count("pages_skipped", int64(n)) },
			}
			if !noPages {
				opts.PageFilter = pageFilter(filter)
			}
			if !noLate {
				opts.RowFilter = rowFilter(filter)
			}
			return read.ReadParquet(ctx, tc.Mem, st, f, opts, emit)
		}
		ds.op.src = &parquetSource{fs, unit}
	}
	return ds
}

// rowGroupFilter is the Parquet row-group test of a filter's conjuncts: a group is read unless
// some conjunct, bound to the file's schema, cannot be true given the group's statistics.
// Conjuncts that do not bind (a column the file lacks, a partition column) prune nothing.
func rowGroupFilter(filter []expr.Expr) func(rg *metadata.RowGroupMetaData, schema *arrow.Schema) bool {
	var mu sync.Mutex
	var lastSchema *arrow.Schema
	var bound []*expr.Bound
	return func(rg *metadata.RowGroupMetaData, schema *arrow.Schema) bool {
		mu.Lock()
		if schema != lastSchema {
			lastSchema, bound = schema, nil
			for _, c := range filter {
				if b, err := expr.BindPredicate(c, schema); err == nil {
					bound = append(bound, b)
				}
			}
		}
		bs := bound
		mu.Unlock()
		stats := expr.ParquetRowGroupStats(rg, schema)
		for _, b := range bs {
			if !b.MayMatch(stats) {
				return false
			}
		}
		return true
	}
}

// parquetSource adds footer-only Count and Schema to a Parquet file source.
type parquetSource struct {
	*fileSource
	int96 read.Int96Unit
}

func (s *parquetSource) count(ctx context.Context) (int64, error) {
	var n int64
	paths, err := resolvePaths(ctx, s.paths)
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	err = read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
		_, rows, err := read.ParquetInfo(ctx, s.st, f, read.ParquetOptions{})
		n += rows
		return err
	})
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	return n, nil
}

func (s *parquetSource) schema(ctx context.Context, p readParams) (*arrow.Schema, error) {
	return s.fileSource.schemaFrom(ctx, p, func(f read.File) (*arrow.Schema, error) {
		sc, _, err := read.ParquetInfo(ctx, s.st, f, read.ParquetOptions{Int96Unit: s.int96})
		return sc, err
	})
}

// schemaFrom is the schema of a file source whose files' schema fileSchema reads without
// reading rows: the first file's, with the partition and path columns added, projected.
func (s *fileSource) schemaFrom(ctx context.Context, p readParams, fileSchema func(read.File) (*arrow.Schema, error)) (*arrow.Schema, error) {
	var sc *arrow.Schema
	paths, err := resolvePaths(ctx, s.paths)
	if err != nil {
		return nil, &streaming.OpError{Op: s.format, Err: err}
	}
	var first string
	err = read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
		var err error
		sc, err = fileSchema(f)
		if err == nil {
			first = f.Path
			err = errFirstFile // one footer is enough: stop listing
		}
		return err
	})
	if errors.Is(err, errFirstFile) {
		err = nil
	}
	if err == nil && sc == nil {
		err = fmt.Errorf("no files")
	}
	if err != nil {
		return nil, &streaming.OpError{Op: s.format, Err: err}
	}
	fields := slices.Clone(sc.Fields())
	// Partition columns come after the file's, as withPartitions adds them, then the path.
	names, _ := s.parts.values(paths, first)
	for _, n := range names {
		if len(sc.FieldIndices(n)) == 0 {
			fields = append(fields, arrow.Field{Name: n, Type: arrow.BinaryTypes.String})
		}
	}
	if s.withPath {
		fields = append(fields, arrow.Field{Name: "path", Type: arrow.BinaryTypes.String})
	}
	full := arrow.NewSchema(fields, nil)
	if p.columns == nil {
		return full, nil
	}
	var out []arrow.Field
	for _, c := range p.columns {
		idx := full.FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("sluice: %s: no column %q (columns: %v)", s.format, c, schemaNames(full))
		}
		out = append(out, full.Field(idx[0]))
	}
	return arrow.NewSchema(out, nil), nil
}
