package data

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/streaming"
)

// AvroReaderSchema makes ReadAvro read every file as this Avro schema (JSON), resolved
// against each file's writer schema as the Avro specification says: fields matched by name
// or alias, missing fields filled with their defaults, extra ones skipped, numeric
// promotions, enum symbols by name (see read.AvroOptions). A writer schema it cannot read is
// an error naming the file.
func AvroReaderSchema(schema string) Option {
	return opt("AvroReaderSchema", func(c *config) error {
		if schema == "" {
			return fmt.Errorf("AvroReaderSchema(\"\"): give a schema")
		}
		c.avroSchema = schema
		return nil
	})
}

// AvroCodec sets the block codec WriteAvro compresses with: null (the default), deflate,
// snappy or zstandard.
func AvroCodec(codec string) Option {
	return opt("AvroCodec", func(c *config) error {
		if _, err := write.Avro(codec); err != nil {
			return fmt.Errorf("AvroCodec(%q): %w", codec, err)
		}
		c.avroCodec = codec
		return nil
	})
}

// WriteAvro writes Avro object container files, one record per row, the writer schema
// derived from the dataset's (see write.Avro for the type mapping), each file of the run
// committed as WriteParquet describes, so the output is published whole or not at all.
// Options: AvroCodec, MinRowsPerFile, MaxRowsPerFile, Mode.
func (ds *Dataset) WriteAvro(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteAvro", dir, opts, []string{"AvroCodec"}, func(c *config) write.Format {
		f, _ := write.Avro(c.avroCodec) // checked by AvroCodec
		return f
	})
}

// ReadAvro reads Avro object container files, one read task per file, the fields of the
// (reader) schema as typed columns (see read.ReadAvro for the type mapping: records are
// structs, arrays lists, maps maps, [null, T] unions nullable, enums strings, and the
// logical types date, time, timestamp, decimal and uuid). Blocks may use every codec the
// Avro specification defines: null, deflate, snappy, zstandard, bzip2 and xz. Columns
// decodes only those top-level fields (the rest are skipped over, not built); Count sums
// the blocks' object counts without decompressing a block. Options: Columns,
// AvroReaderSchema, IncludePaths, IgnoreMissingPaths, FileExtensions (default avro),
// Partitioning, HivePartitioning.
func ReadAvro[P PathList](paths P, opts ...Option) *Dataset {
	ds := files("ReadAvro", pathsOf(paths), opts, []string{"Columns", "AvroReaderSchema"}, []string{"avro"}, func(c *config) (fileReader, bool) {
		schema := c.avroSchema
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadAvro(ctx, mem, st, f, read.AvroOptions{ReaderSchema: schema, Columns: columns}, emit)
		}, true
	})
	if fs, ok := ds.op.src.(*fileSource); ok {
		ds.op.src = &avroSource{fs}
	}
	return ds
}

// avroSource adds a Count from the files' block headers.
type avroSource struct{ *fileSource }

func (s *avroSource) count(ctx context.Context) (int64, error) {
	var n int64
	paths, err := resolvePaths(ctx, s.paths)
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	err = read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
		rows, err := read.CountAvro(ctx, s.st, f)
		n += rows
		return err
	})
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	return n, nil
}
