package data

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/streaming"
)

// ArrowStream makes WriteArrow write the Arrow IPC stream format (files .arrows) instead of
// the file format.
func ArrowStream() Option {
	return opt("ArrowStream", func(c *config) error { c.arrowStream = true; return nil })
}

// ReadArrow reads Arrow IPC files (Feather v2, pyarrow.feather.write_feather's output) and IPC
// streams, one read task per file, each record batch a block, with the file's types and
// schema metadata. A local IPC file is memory-mapped and read without copying: blocks point
// into the mapping, which is unmapped when the last of them is released (such blocks are not
// counted in the memory budget: they are the page cache's). Columns selects columns without
// reading the others' pages; Count of local files reads only batch metadata. Options:
// Columns, Compression (of a whole stream file, by extension by default), IncludePaths,
// IgnoreMissingPaths, FileExtensions (default arrow, feather, arrows, ipc), Partitioning,
// HivePartitioning.
func ReadArrow[P PathList](paths P, opts ...Option) *Dataset {
	ds := files("ReadArrow", pathsOf(paths), opts, []string{"Columns", "Compression"}, []string{"arrow", "feather", "arrows", "ipc"}, func(c *config) (fileReader, bool) {
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadArrow(ctx, mem, st, f, read.ArrowOptions{Columns: columns, Compression: c.compression}, emit)
		}, true
	})
	if fs, ok := ds.op.src.(*fileSource); ok {
		ds.op.src = &ipcSource{fs}
	}
	return ds
}

// ipcSource adds a Count that does not materialise rows, and the Schema of the first file, to
// an IPC file source.
type ipcSource struct{ *fileSource }

func (s *ipcSource) count(ctx context.Context) (int64, error) {
	var n int64
	paths, err := resolvePaths(ctx, s.paths)
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	err = read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
		rows, err := read.ArrowRows(ctx, memory.DefaultAllocator, s.st, f, read.ArrowOptions{})
		n += rows
		return err
	})
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	return n, nil
}

func (s *ipcSource) schema(ctx context.Context, p readParams) (*arrow.Schema, error) {
	return s.fileSource.schemaFrom(ctx, p, func(f read.File) (*arrow.Schema, error) {
		return read.ArrowSchema(ctx, s.st, f, read.ArrowOptions{})
	})
}

// WriteArrow writes Arrow IPC files (Feather v2; .arrow), or streams with ArrowStream
// (.arrows), committed as WriteParquet describes: the cheapest format to write and to read
// back, and the one to hand to pyarrow, Polars or DuckDB without a conversion. Compression
// ("lz4" or "zstd") compresses each buffer inside the file, as write_feather does (a
// compressed file is not read zero-copy). Options: ArrowStream, Compression,
// MinRowsPerFile, MaxRowsPerFile, Mode.
func (ds *Dataset) WriteArrow(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	mem := ds.context().allocator()
	return ds.writeFiles(ctx, "WriteArrow", dir, opts, []string{"ArrowStream", "Compression"}, func(c *config) write.Format {
		o := []write.ArrowOption{write.ArrowAllocator(mem)}
		if c.arrowStream {
			o = append(o, write.ArrowStream())
		}
		if c.compression != "" {
			o = append(o, write.ArrowCompression(c.compression))
		}
		return write.Arrow(o...)
	})
}
