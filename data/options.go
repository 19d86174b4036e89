package data

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/data/write"
)

// Option is a per-call knob: BatchSize(64), Concurrency(2), IncludePaths(), ... Each call
// documents the options it takes; passing another is an error at the consuming call.
type Option struct {
	name  string
	apply func(*config) error
}

// config holds every option's value; each call reads the ones it takes.
type config struct {
	set map[string]bool

	batchSize     int
	concurrency   int
	prefetch      int
	dropLast      bool
	shuffleRows   int
	shuffleSeed   uint64
	name          string
	includePaths  bool
	ignoreMiss    bool
	extensions    []string
	columns       []string
	minRows       int64
	maxRows       int64
	delimiter     rune
	noHeader      bool
	dropEmpty     *bool
	equal         bool
	dtypes        map[string]arrow.DataType
	collate       func(ctx context.Context, b *Batch) (TensorBatch, error)
	minActors     int
	maxActors     int
	maxRestarts   int
	imageH        int
	imageW        int
	imageMode     vision.Mode
	partitions    []string
	fileShuffle   bool
	fileSeed      uint64
	saveMode      write.SaveMode
	hive          bool
	imageGap      int
	descending    []bool
	numPartitions int
	leftSuffix    *string
	rightSuffix   *string
	rightKeys     []string
	imageNative   bool // ImageMode("native"): vision.ModeNative
	imageOrient   bool // ImageApplyOrientation
	incomplete    bool
	maxRetries    int
	retryIf       func(error) bool
	int96Unit     read.Int96Unit // zero: nanoseconds
	noPageIndex   bool           // ParquetPageIndex(false)
	noLateMat     bool           // ParquetLateMaterialization(false)
	partitionBy   []string       // PartitionBy: Hive directories of a write
	sql           *sqlConfig     // ReadSQL and WriteSQL options (sql.go)
	compression   string         // Compression: "" detects by extension on read, none on write
	arrowStream   bool           // ArrowStream: WriteArrow writes IPC streams
	resume        bool           // Resume (data/resume.go)
	tfSchema      *arrow.Schema  // TFRecordSchema (data/tfrecord.go)
	avroSchema    string         // AvroReaderSchema (data/avro.go)
	avroCodec     string         // AvroCodec (data/avro.go)
}

func opt(name string, apply func(*config) error) Option { return Option{name: name, apply: apply} }

// BatchSize is the number of rows per batch: of a MapBatches call (default 1024, Ray's
// default; the last batch of a task may be shorter) or of an iterator (default 256).
func BatchSize(n int) Option {
	return opt("BatchSize", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("BatchSize(%d): must be at least 1", n)
		}
		c.batchSize = n
		return nil
	})
}

// Concurrency caps how many tasks of a map run at once (default: every CPU slot).
func Concurrency(n int) Option {
	return opt("Concurrency", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("Concurrency(%d): must be at least 1", n)
		}
		c.concurrency = n
		return nil
	})
}

// Prefetch is the number of batches an iterator prepares ahead of the loop (default 1).
func Prefetch(n int) Option {
	return opt("Prefetch", func(c *config) error {
		if n < 0 {
			return fmt.Errorf("Prefetch(%d): must not be negative", n)
		}
		c.prefetch = n
		return nil
	})
}

// DropLast drops the last batch of an iteration when it is shorter than BatchSize.
func DropLast() Option {
	return opt("DropLast", func(c *config) error { c.dropLast = true; return nil })
}

// LocalShuffle shuffles rows within a buffer of at least bufferRows rows before batching
// (Ray's local_shuffle_buffer_size); the same seed gives the same order.
func LocalShuffle(bufferRows int, seed uint64) Option {
	return opt("LocalShuffle", func(c *config) error {
		if bufferRows <= 0 {
			return fmt.Errorf("LocalShuffle(%d, ...): buffer must hold at least 1 row", bufferRows)
		}
		c.shuffleRows, c.shuffleSeed = bufferRows, seed
		return nil
	})
}

// Name sets the name a transformation shows in plans, stats and errors (default: the Go
// function's name).
func Name(name string) Option {
	return opt("Name", func(c *config) error { c.name = name; return nil })
}

// IncludePaths adds a "path" column with each row's source file.
func IncludePaths() Option {
	return opt("IncludePaths", func(c *config) error { c.includePaths = true; return nil })
}

// ReadIncomplete reads a directory whose sluice write did not finish, with a warning (log/slog)
// naming what is missing: one whose _SUCCESS manifest lists files that are missing or changed
// (the others are read), or one with no manifest but a run's staging area (the files there
// are read). Without it both are errors, so a half-written output is never taken for a whole
// one. Every file reader takes it.
func ReadIncomplete() Option {
	return opt("ReadIncomplete", func(c *config) error { c.incomplete = true; return nil })
}

// IgnoreMissingPaths skips paths that do not exist instead of failing.
func IgnoreMissingPaths() Option {
	return opt("IgnoreMissingPaths", func(c *config) error { c.ignoreMiss = true; return nil })
}

// FileExtensions keeps only files with these extensions (without the dot, any case).
func FileExtensions(exts ...string) Option {
	return opt("FileExtensions", func(c *config) error {
		for _, e := range exts {
			c.extensions = append(c.extensions, strings.TrimPrefix(e, "."))
		}
		return nil
	})
}

// Columns reads only these columns (pushed into the reader where the format allows).
func Columns(cols ...string) Option {
	return opt("Columns", func(c *config) error {
		if len(cols) == 0 {
			return fmt.Errorf("Columns(): name at least one column")
		}
		c.columns = slices.Clone(cols)
		return nil
	})
}

// ParquetInt96Unit sets the unit ReadParquet gives INT96 timestamps (Impala's and Spark's),
// as pyarrow's coerce_int96_timestamp_unit does; the default is arrow.Nanosecond. Either way
// they are naive timestamps, as in pyarrow. Spark writes dates up to the year 9999, past
// int64 nanoseconds (2262): read its files with arrow.Microsecond. At nanoseconds such a value
// is an error naming the file, column and row (pyarrow silently returns a wrong date).
func ParquetInt96Unit(unit arrow.TimeUnit) Option {
	return opt("ParquetInt96Unit", func(c *config) error {
		if unit < arrow.Second || unit > arrow.Nanosecond {
			return fmt.Errorf("ParquetInt96Unit(%d): not a time unit", unit)
		}
		c.int96Unit = read.Int96UnitOf(unit)
		return nil
	})
}

// ParquetPageIndex turns pruning by the page index on or off (on by default): with a
// filter pushed into ReadParquet, a row group that its statistics and dictionaries kept is
// read only for the rows whose pages' column index may match, skipping the other pages of
// every column (counted as "pages_skipped" in the read's stats). For files without a page
// index it changes nothing; off is for comparison.
func ParquetPageIndex(on bool) Option {
	return opt("ParquetPageIndex", func(c *config) error {
		c.noPageIndex = !on
		return nil
	})
}

// ParquetLateMaterialization turns late materialization on or off (on by default): with a
// filter pushed into ReadParquet, the reader decodes the filter's columns first, evaluates
// it, and decodes the other columns only for the rows it keeps, skipping their pages that
// hold none ("pages_skipped"). Off, every row the pruning left is decoded and the Where
// filters it; the results are the same.
func ParquetLateMaterialization(on bool) Option {
	return opt("ParquetLateMaterialization", func(c *config) error {
		c.noLateMat = !on
		return nil
	})
}

// MinRowsPerFile makes each written file hold at least n rows (the last may hold fewer).
func MinRowsPerFile(n int64) Option {
	return opt("MinRowsPerFile", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("MinRowsPerFile(%d): must be at least 1", n)
		}
		c.minRows = n
		return nil
	})
}

// MaxRowsPerFile starts a new file after n rows.
func MaxRowsPerFile(n int64) Option {
	return opt("MaxRowsPerFile", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("MaxRowsPerFile(%d): must be at least 1", n)
		}
		c.maxRows = n
		return nil
	})
}

// Delimiter sets a CSV file's field separator (default ',').
func Delimiter(r rune) Option {
	return opt("Delimiter", func(c *config) error { c.delimiter = r; return nil })
}

// NoHeader reads a CSV file whose first line is data; columns are named f0, f1, ...
func NoHeader() Option {
	return opt("NoHeader", func(c *config) error { c.noHeader = true; return nil })
}

// DropEmptyLines sets whether ReadText skips empty lines (default true, like Ray).
func DropEmptyLines(drop bool) Option {
	return opt("DropEmptyLines", func(c *config) error { c.dropEmpty = &drop; return nil })
}

// parseOptions applies opts for the call named call, refusing any not in allowed.
func parseOptions(call string, opts []Option, allowed ...string) (*config, error) {
	c := &config{set: map[string]bool{}}
	for _, o := range opts {
		if o.apply == nil {
			return nil, fmt.Errorf("sluice: %s: a zero Option", call)
		}
		if !slices.Contains(allowed, o.name) && o.name != "Name" {
			return nil, fmt.Errorf("sluice: %s: option %s does not apply (it takes %s)", call, o.name, strings.Join(append(allowed, "Name"), ", "))
		}
		if err := o.apply(c); err != nil {
			return nil, fmt.Errorf("sluice: %s: %w", call, err)
		}
		c.set[o.name] = true
	}
	return c, nil
}

// Compression sets the codec of a file reader's input or a CSV/JSON writer's output: "gzip",
// "zstd", "bz2" (read only), "lz4" (LZ4 frames, as pyarrow writes them), "xz", or "none". A
// reader left without it detects each file's codec by extension (.gz, .zst, .bz2, .lz4, .xz),
// as Ray and pyarrow do, and its default extensions include the compressed forms ("csv.gz",
// ...); a writer left without it writes uncompressed files. Decompression streams: no file is
// held in memory whole. A truncated or corrupt stream is an error naming the file and the
// compressed byte offset reached.
func Compression(codec string) Option {
	return opt("Compression", func(c *config) error {
		if codec == "" {
			return fmt.Errorf("Compression(\"\"): name a codec (gzip, zstd, bz2, lz4, xz or none)")
		}
		if err := read.CheckCompression(codec); err != nil {
			return fmt.Errorf("Compression(%q): %w", codec, err)
		}
		c.compression = codec
		return nil
	})
}
