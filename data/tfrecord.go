package data

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/streaming"
)

// TFRecordSchema gives ReadTFRecords the features to read and their column types instead of
// inferring them (Ray's tf_schema): int64, float32, float64, binary or string for a feature
// with one value per record, a list of one of those for a feature with any number.
func TFRecordSchema(schema *arrow.Schema) Option {
	return opt("TFRecordSchema", func(c *config) error {
		if schema == nil {
			return fmt.Errorf("TFRecordSchema(nil): give a schema")
		}
		c.tfSchema = schema
		return nil
	})
}

// ReadTFRecords reads TFRecord files of tf.train.Example records, one row per record and one
// column per feature, one read task per file, as Ray's read_tfrecords does. Without
// TFRecordSchema the columns are inferred from each file's first batch (int64_list ->
// int64, float_list -> float32, bytes_list -> binary; a feature with exactly one value in
// every record is a scalar column, any other a list column; see read.ReadTFRecords). Both
// CRC32C checksums of every record are verified: a corrupt or truncated record is an error
// naming the file and the record's byte offset. Count frames the records without decoding
// them. Options: Columns, TFRecordSchema, Compression (default: by extension, so
// a.tfrecords.gz is read as TensorFlow's GZIP files), IncludePaths, IgnoreMissingPaths,
// FileExtensions (default tfrecords, tfrecord and their compressed forms), Partitioning,
// HivePartitioning.
func ReadTFRecords[P PathList](paths P, opts ...Option) *Dataset {
	var compression string
	ds := files("ReadTFRecords", pathsOf(paths), opts, []string{"Columns", "Compression", "TFRecordSchema"}, []string{"tfrecords", "tfrecord"}, func(c *config) (fileReader, bool) {
		compression = c.compression
		schema := c.tfSchema
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			return read.ReadTFRecords(ctx, mem, st, f, read.TFRecordOptions{Schema: schema, Columns: columns, Compression: compression}, emit)
		}, true
	})
	if fs, ok := ds.op.src.(*fileSource); ok {
		ds.op.src = &tfrecordSource{fs, compression}
	}
	return ds
}

// tfrecordSource adds a Count that frames records without decoding them.
type tfrecordSource struct {
	*fileSource
	compression string
}

func (s *tfrecordSource) count(ctx context.Context) (int64, error) {
	var n int64
	paths, err := resolvePaths(ctx, s.paths)
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	err = read.ListFiles(ctx, s.st, paths, s.list, func(f read.File) error {
		rows, err := read.CountTFRecords(ctx, s.st, f, s.compression)
		n += rows
		return err
	})
	if err != nil {
		return 0, &streaming.OpError{Op: s.format, Err: err}
	}
	return n, nil
}

// WriteTFRecords writes TFRecord files of tf.train.Example records, one per row, one feature
// per column (see write.TFRecords for the type mapping), each file of the run committed as
// WriteParquet describes, so the output is published whole or not at all. Options:
// Compression ("gzip" writes TensorFlow's GZIP TFRecord files, named .tfrecords.gz),
// MinRowsPerFile, MaxRowsPerFile, Mode.
func (ds *Dataset) WriteTFRecords(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteTFRecords", dir, opts, []string{"Compression"}, func(*config) write.Format { return write.TFRecords() })
}
