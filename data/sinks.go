package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/storage"
	"github.com/sluicedata/sluice/streaming"
)

// SaveMode says what a write does when its output directory already holds a dataset (Ray's
// SaveMode). No mode touches the existing output before the new run has committed (see
// WriteParquet).
type SaveMode = write.SaveMode

// The save modes. SaveError, the default, refuses to write into a directory that already
// holds files. SaveOverwrite replaces the dataset: the old files are removed only once the
// new dataset is committed. SaveAppend adds the run's files, named with its run id so they
// cannot collide with those already there; concurrent appends all land. SaveIgnore writes
// nothing when the output exists.
const (
	SaveError     = write.SaveError
	SaveOverwrite = write.SaveOverwrite
	SaveAppend    = write.SaveAppend
	SaveIgnore    = write.SaveIgnore
)

// Mode sets a write's SaveMode (Ray's mode=SaveMode...).
func Mode(m SaveMode) Option {
	return opt("Mode", func(c *config) error { c.saveMode = m; return nil })
}

// WriteParquet runs ds and writes it to Parquet files (snappy) in dir, a local directory or
// an object-store URL (s3://bucket/prefix, with the driver imported), returning the paths
// written in order. Files are named part_<task>_<file>.parquet (part_<run id>_<task>_<file>
// when the output already holds files they could collide with). Options: MinRowsPerFile,
// MaxRowsPerFile, Mode (default SaveError), PartitionBy (Hive directories).
//
// Every directory sink (WriteParquet, WriteCSV, WriteJSON, WriteNumpy, WriteImages) commits
// the whole run at once: its files are written into a staging area no reader lists, and
// published only when the run has succeeded, ending with a `_SUCCESS` manifest (see package
// data/manifest) written last, atomically. A failure, a cancellation or a kill at any moment
// leaves the output exactly as it was (an overwrite keeps the old dataset until the new one
// is committed), and the next write into it removes what a killed run left, logging what it
// removed (log/slog, level Warn). On a local disk under Linux the commit swaps the whole
// directory in one rename, so every reader (pyarrow, DuckDB, Spark) sees the old dataset or
// the new one; on object stores the manifest is the commit point, and readers that honour it
// (sluice's Read* calls do) get the same guarantee. An empty dataset still leaves one file
// carrying the schema (Parquet, CSV, JSON, NumPy), as pyarrow does.
func (ds *Dataset) WriteParquet(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteParquet", dir, opts, []string{"PartitionBy"}, func(*config) write.Format { return write.Parquet() })
}

// WriteCSV writes CSV files with a header row, committed as WriteParquet describes. Options:
// Delimiter, Compression (gzip, zstd, lz4 or xz: files part_..._0.csv.gz and so on),
// MinRowsPerFile, MaxRowsPerFile, Mode, PartitionBy.
func (ds *Dataset) WriteCSV(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteCSV", dir, opts, []string{"Delimiter", "Compression", "PartitionBy"}, func(c *config) write.Format {
		if c.delimiter != 0 {
			return write.CSV(write.CSVDelimiter(c.delimiter))
		}
		return write.CSV()
	})
}

// WriteJSON writes JSON Lines files, one object per row, committed as WriteParquet describes.
// Options: Compression (as WriteCSV), MinRowsPerFile, MaxRowsPerFile, Mode, PartitionBy.
func (ds *Dataset) WriteJSON(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteJSON", dir, opts, []string{"Compression", "PartitionBy"}, func(*config) write.Format { return write.JSON() })
}

// WriteNumpy writes column to .npy files in dir, one per write task (the rows of a task
// stacked on the first axis), readable with numpy.load, committed as WriteParquet describes.
// Options: MinRowsPerFile, MaxRowsPerFile, Mode.
func (ds *Dataset) WriteNumpy(ctx context.Context, dir, column string, opts ...Option) ([]string, error) {
	mem := ds.context().allocator()
	return ds.writeFiles(ctx, "WriteNumpy", dir, opts, nil, func(*config) write.Format { return write.Numpy(column, mem) })
}

// WriteImages writes the HWC uint8 tensor column as one image file per row in dir, in format
// "png" or "jpeg" (Ray's write_images), committed as WriteParquet describes (an empty dataset
// writes no image, only the manifest). Options: Mode.
func (ds *Dataset) WriteImages(ctx context.Context, dir, column, format string, opts ...Option) ([]string, error) {
	f, err := write.Image(column, format)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		if o.name != "Mode" && o.name != "Resume" {
			return nil, fmt.Errorf("sluice: WriteImages: option %s does not apply (it takes Mode, Resume, Name)", o.name)
		}
	}
	return ds.writeFiles(ctx, "WriteImages", dir, append(opts, MaxRowsPerFile(1)), nil, func(*config) write.Format { return f })
}

func (ds *Dataset) writeFiles(ctx context.Context, call, dir string, opts []Option, extra []string, format func(*config) write.Format) ([]string, error) {
	c, err := parseOptions(call, opts, append([]string{"MinRowsPerFile", "MaxRowsPerFile", "Mode", "Resume"}, extra...)...)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, fmt.Errorf("sluice: %s: empty output directory", call)
	}
	if c.minRows > 0 && c.maxRows > 0 && c.minRows > c.maxRows {
		return nil, fmt.Errorf("sluice: %s: MinRowsPerFile(%d) is more than MaxRowsPerFile(%d)", call, c.minRows, c.maxRows)
	}
	if ds.err != nil {
		return nil, ds.err
	}
	if dir, err = storage.Default().Resolve(ctx, dir); err != nil {
		return nil, callError(call, err)
	}
	f := format(c)
	if c.compression != "" && call != "WriteArrow" { // WriteArrow compresses inside the file
		if f, err = write.Compressed(f, c.compression); err != nil {
			return nil, callError(call, err)
		}
	}
	sink := &fileSink{format: f, maxRows: c.maxRows, emptyFile: call != "WriteImages", partitionBy: c.partitionBy}
	label := fmt.Sprintf("%s[%s]", call, dir)
	in := ds
	if len(c.partitionBy) > 0 {
		label = fmt.Sprintf("%s[%s, partitioned by %s]", call, dir, strings.Join(c.partitionBy, ","))
		in = ds.partitionedForWrite(c.partitionBy, 0)
		// The columns are checked before the run where the plan knows its schema.
		if _, err := schemaOf(ctx, in.op); err != nil {
			return nil, callError(call, err)
		}
	}
	op := &logicalOp{kind: opMap, name: label, fuse: true, needRows: int(c.minRows), stage: sink.stage(label)}
	wds := in.derive(op, nil)
	wds.last = ds.last
	if c.resume {
		if err := resumablePlan(wds, label); err != nil {
			return nil, callError(call, err)
		}
	}
	ropts := write.RunOptions{
		Mode:            c.saveMode,
		PlanFingerprint: planFingerprint(wds, fmt.Sprintf("%s ext=%s min=%d max=%d partitions=%v", call, f.Ext(), c.minRows, c.maxRows, c.partitionBy)),
		Resume:          c.resume,
	}
	if ds.backend() != nil {
		// A backend's workers write from other processes, and one killed mid-file may leave a
		// temporary file in the staging area: use a committer that publishes only the listed
		// files (renamed or copied out of the staging area), never the staging area whole.
		// On object stores copy, since a multipart upload is completed by its own process.
		ropts.Committer = write.CommitterRename
		if !localPath(dir) {
			ropts.Committer = write.CommitterCopy
		}
	}
	run, err := write.BeginRun(ctx, dir, ropts)
	if err != nil {
		return nil, callError(call, err)
	}
	if run == nil {
		return nil, nil // SaveIgnore and the output exists
	}
	defer run.Abort() // a no-op once committed or suspended
	warnLeftovers(call, run.Leftovers())
	var adjust func(streaming.Plan) error
	if c.resume {
		if from := run.ResumedFrom(); from != "" {
			slog.Info("sluice: " + call + ": " + dir + ": " + from)
		}
		adjust = func(plan streaming.Plan) error { return skipResumed(plan, label, run) }
	}
	sink.run = run
	var files []write.FileInfo
	if ds.backend() != nil {
		if len(c.partitionBy) > 0 || c.compression != "" {
			return nil, fmt.Errorf("sluice: %s: PartitionBy and Compression do not run on a backend yet", call)
		}
		spec := &WriteSpec{Call: call, Delimiter: c.delimiter, MaxRowsPerFile: c.maxRows, Dir: run.Dir(), Prefix: run.Prefix()}
		if _, err := spec.Format(); err != nil {
			return nil, err
		}
		if files, err = ds.runOnBackend(ctx, spec, nil); err != nil {
			return nil, err
		}
	} else {
		if err := wds.runWith(ctx, adjust, func(rec arrow.RecordBatch) error { rec.Release(); return nil }); err != nil {
			if c.resume {
				run.Suspend() // the completed tasks stay staged for a rerun with Resume
			}
			return nil, err
		}
		files = sink.written()
	}
	if len(files) == 0 && len(run.ResumedTasks()) == 0 && sink.emptyFile {
		if files, err = sink.writeEmpty(ctx, wds); err != nil {
			return nil, callError(call, err)
		}
	}
	_, paths, err := run.Commit(ctx, files)
	if err != nil {
		return nil, callError(call, err)
	}
	return paths, nil
}

// planFingerprint identifies what a write computes, for its manifest (and for a resumed run
// to check that it resumes the same computation): a SHA-256 of the physical plan as Explain
// prints it, and of the write's options. The plan's printed form names operators and their
// options, not the code of user functions: two plans that differ only inside a function body
// have one fingerprint.
func planFingerprint(ds *Dataset, options string) string {
	h := sha256.New()
	plan, err := physical(optimize(ds.op))
	if err != nil {
		io.WriteString(h, "invalid plan: "+err.Error())
	} else {
		io.WriteString(h, plan.String())
	}
	io.WriteString(h, "\n")
	io.WriteString(h, options)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// warnLeftovers logs what a write found of killed runs and removed.
func warnLeftovers(call string, leftovers []string) {
	for _, l := range leftovers {
		slog.Warn("sluice: " + call + ": " + l)
	}
}

// fileSink is the state of one write: a FilesWriter per running task (per task and
// directory with PartitionBy), and every file they completed, which the run commits when the
// plan has run.
type fileSink struct {
	run         *write.Run
	format      write.Format
	maxRows     int64
	emptyFile   bool     // an empty dataset gets one file carrying the schema
	partitionBy []string // Hive directories by these columns

	mu      sync.Mutex
	writers map[*streaming.TaskContext]map[string]*write.FilesWriter // by directory ("" unpartitioned)
	files   []write.FileInfo
	schema  *arrow.Schema // of the first batch seen, even an empty one
}

func (s *fileSink) stage(name string) streaming.Stage {
	s.writers = map[*streaming.TaskContext]map[string]*write.FilesWriter{}
	return streaming.Stage{
		Name: name,
		Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			if len(s.partitionBy) > 0 {
				return s.writePartitioned(ctx, tc, in)
			}
			w, err := s.writerIn(ctx, tc, "", in.Schema())
			if err != nil {
				return err
			}
			return w.Write(in)
		},
		Flush: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
			ws := s.take(tc)
			if len(ws) == 0 {
				if s.run.Resumed(tc.Task, tc.Origin) {
					return nil // recorded by the run this one resumes
				}
				// An input without rows is complete too.
				return s.run.RecordTask(ctx, tc.Task, tc.Origin, nil)
			}
			var done []write.FileInfo
			for i, w := range ws {
				if _, err := w.Close(); err != nil {
					for _, rest := range ws[i+1:] {
						rest.Abort()
					}
					return err
				}
				done = append(done, w.Files()...)
			}
			if err := s.run.RecordTask(ctx, tc.Task, tc.Origin, done); err != nil {
				return err
			}
			s.mu.Lock()
			s.files = append(s.files, done...)
			s.mu.Unlock()
			return nil
		},
		Abort: func(tc *streaming.TaskContext) {
			for _, w := range s.take(tc) {
				w.Abort()
			}
		},
	}
}

// writerIn returns the task's FilesWriter of directory dir (relative to the output; "" is
// the output itself), made on first use.
func (s *fileSink) writerIn(ctx context.Context, tc *streaming.TaskContext, dir string, schema *arrow.Schema) (*write.FilesWriter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.schema == nil {
		s.schema = schema
	}
	if w := s.writers[tc][dir]; w != nil {
		return w, nil
	}
	w, err := write.NewFiles(ctx, s.run.Storage(), s.format, write.FilesOptions{
		Dir: s.run.Dir(), Subdir: dir, Prefix: s.run.Prefix(), TaskIndex: tc.Task, MaxRowsPerFile: s.maxRows, Input: tc.Origin,
	})
	if err != nil {
		return nil, err
	}
	if s.writers[tc] == nil {
		s.writers[tc] = map[string]*write.FilesWriter{}
	}
	s.writers[tc][dir] = w
	return w, nil
}

// take removes and returns the task's writers, in directory order.
func (s *fileSink) take(tc *streaming.TaskContext) []*write.FilesWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	byDir := s.writers[tc]
	delete(s.writers, tc)
	dirs := slices.Sorted(maps.Keys(byDir))
	ws := make([]*write.FilesWriter, len(dirs))
	for i, d := range dirs {
		ws[i] = byDir[d]
	}
	return ws
}

func (s *fileSink) written() []write.FileInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.files)
}

// writeEmpty writes the one file of an empty dataset, with the schema of a batch the sink saw
// or, when no batch reached it, the schema the plan declares (a Parquet footer, column
// operations). With no schema to be had it writes nothing: the manifest alone records the
// empty dataset.
func (s *fileSink) writeEmpty(ctx context.Context, ds *Dataset) ([]write.FileInfo, error) {
	schema := s.schema
	if schema == nil {
		if schema = declaredSchema(ctx, ds); schema != nil && len(s.partitionBy) > 0 {
			var keep []arrow.Field
			for _, f := range schema.Fields() {
				if !slices.Contains(s.partitionBy, f.Name) {
					keep = append(keep, f)
				}
			}
			schema = arrow.NewSchema(keep, nil)
		}
	}
	if schema == nil {
		return nil, nil
	}
	mem := ds.context().allocator()
	fw, err := write.NewFiles(ctx, s.run.Storage(), s.format, write.FilesOptions{Dir: s.run.Dir(), Prefix: s.run.Prefix(), EmptyFile: true})
	if err != nil {
		return nil, err
	}
	defer fw.Abort()
	b := array.NewRecordBuilder(mem, schema)
	rec := b.NewRecordBatch()
	b.Release()
	err = fw.Write(rec)
	rec.Release()
	if err != nil {
		return nil, err
	}
	if _, err := fw.Close(); err != nil {
		return nil, err
	}
	return fw.Files(), nil
}

// declaredSchema is the schema of what a write plan writes (the input of its last operator,
// the write), when the plan says it before the run; nil where a user function's output is
// unknown.
func declaredSchema(ctx context.Context, ds *Dataset) *arrow.Schema {
	in := optimize(ds.op).input()
	if in == nil {
		return nil
	}
	s, err := schemaOf(ctx, in)
	if err != nil {
		return nil
	}
	return s
}

// callError names the call that failed, following the error rule (streaming.OpError): the
// call once, then the cause without what the call already says.
func callError(call string, err error) error {
	return fmt.Errorf("sluice: %s: %w", call, trimmedError{err})
}

// trimmedError is err's message without its "sluice: " prefix and package tag
// (streaming.CleanCause); errors.Is/As still see err.
type trimmedError struct{ err error }

func (t trimmedError) Error() string { return streaming.CleanCause(t.err) }
func (t trimmedError) Unwrap() error { return t.err }

// localPath says whether p is a path of the operating system's file system (not a URL).
func localPath(p string) bool {
	_, ok, _ := storage.LocalPath(p)
	return ok
}
