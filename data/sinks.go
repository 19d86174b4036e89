package data

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/storage"
	"github.com/sluicedata/sluice/streaming"
)

// SaveMode says what a write does when its output directory already holds files.
type SaveMode = write.SaveMode

// The save modes. SaveError, the default, refuses to write into a directory that already
// holds files: sluice's file names are deterministic (part_<task>_<file>), so appending a
// second run would silently replace the first run's files of the same names.
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
// written in order. Files are named part_<task>_<file>.parquet; each appears only when
// complete, and if the run fails every file it wrote is removed. Options: MinRowsPerFile,
// MaxRowsPerFile, Mode (default SaveError).
func (ds *Dataset) WriteParquet(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteParquet", dir, opts, nil, func(*config) write.Format { return write.Parquet() })
}

// WriteCSV writes CSV files with a header row. Options: Delimiter, MinRowsPerFile,
// MaxRowsPerFile.
func (ds *Dataset) WriteCSV(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteCSV", dir, opts, []string{"Delimiter"}, func(c *config) write.Format {
		if c.delimiter != 0 {
			return write.CSV(write.CSVDelimiter(c.delimiter))
		}
		return write.CSV()
	})
}

// WriteJSON writes JSON Lines files, one object per row. Options: MinRowsPerFile,
// MaxRowsPerFile.
func (ds *Dataset) WriteJSON(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteJSON", dir, opts, nil, func(*config) write.Format { return write.JSON() })
}

// WriteNumpy writes column to .npy files in dir, one per write task (the rows of a task
// stacked on the first axis), readable with numpy.load; atomic like the other sinks. Options:
// MinRowsPerFile, MaxRowsPerFile.
func (ds *Dataset) WriteNumpy(ctx context.Context, dir, column string, opts ...Option) ([]string, error) {
	mem := ds.context().allocator()
	return ds.writeFiles(ctx, "WriteNumpy", dir, opts, nil, func(*config) write.Format { return write.Numpy(column, mem) })
}

// WriteImages writes the HWC uint8 tensor column as one image file per row in dir, in format
// "png" or "jpeg" (Ray's write_images), each file atomic like the other sinks. Options: Mode.
func (ds *Dataset) WriteImages(ctx context.Context, dir, column, format string, opts ...Option) ([]string, error) {
	f, err := write.Image(column, format)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		if o.name != "Mode" {
			return nil, fmt.Errorf("sluice: WriteImages: option %s does not apply (it takes Mode, Name)", o.name)
		}
	}
	return ds.writeFiles(ctx, "WriteImages", dir, append(opts, MaxRowsPerFile(1)), nil, func(*config) write.Format { return f })
}

func (ds *Dataset) writeFiles(ctx context.Context, call, dir string, opts []Option, extra []string, format func(*config) write.Format) ([]string, error) {
	c, err := parseOptions(call, opts, append([]string{"MinRowsPerFile", "MaxRowsPerFile", "Mode"}, extra...)...)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, fmt.Errorf("sluice: %s: empty output directory", call)
	}
	if c.minRows > 0 && c.maxRows > 0 && c.minRows > c.maxRows {
		return nil, fmt.Errorf("sluice: %s: MinRowsPerFile(%d) is more than MaxRowsPerFile(%d)", call, c.minRows, c.maxRows)
	}
	if dir, err = storage.Default().Resolve(ctx, dir); err != nil {
		return nil, callError(call, err)
	}
	st := write.Default()
	proceed, err := write.PrepareOutput(ctx, st, dir, c.saveMode)
	if err != nil {
		return nil, callError(call, err)
	}
	if !proceed {
		return nil, nil // SaveIgnore and the output exists
	}
	sink := &fileSink{st: st, format: format(c), dir: dir, maxRows: c.maxRows}
	label := fmt.Sprintf("%s[%s]", call, dir)
	op := &logicalOp{kind: opMap, name: label, fuse: true, needRows: int(c.minRows), stage: sink.stage(label)}
	wds := ds.derive(op, nil)
	wds.last = ds.last
	paths, err := wds.collectPaths(ctx)
	if err != nil {
		sink.removeAll()
		return nil, err
	}
	return paths, nil
}

// collectPaths runs a write plan and gathers the "path" rows its write stage emits.
func (ds *Dataset) collectPaths(ctx context.Context) ([]string, error) {
	var paths []string
	err := ds.run(ctx, func(rec arrow.RecordBatch) error {
		defer rec.Release()
		col := rec.Column(0).(*array.String)
		for i := 0; i < col.Len(); i++ {
			paths = append(paths, col.Value(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return paths, nil
}

// fileSink is the state of one write: a FilesWriter per running task, and every file
// committed so far (removed if the run fails).
type fileSink struct {
	st      write.Storage
	format  write.Format
	dir     string
	maxRows int64

	mu        sync.Mutex
	writers   map[*streaming.TaskContext]*write.FilesWriter
	committed []string
}

var pathSchema = arrow.NewSchema([]arrow.Field{{Name: "path", Type: arrow.BinaryTypes.String}}, nil)

func (s *fileSink) stage(name string) streaming.Stage {
	s.writers = map[*streaming.TaskContext]*write.FilesWriter{}
	return streaming.Stage{
		Name: name,
		Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			w, err := s.writer(ctx, tc)
			if err != nil {
				return err
			}
			return w.Write(in)
		},
		Flush: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
			w := s.take(tc)
			if w == nil {
				return nil
			}
			paths, err := w.Close()
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.committed = append(s.committed, paths...)
			s.mu.Unlock()
			b := array.NewStringBuilder(tc.Mem)
			defer b.Release()
			b.AppendValues(paths, nil)
			a := b.NewArray()
			defer a.Release()
			return emit(array.NewRecordBatch(pathSchema, []arrow.Array{a}, int64(len(paths))))
		},
		Abort: func(tc *streaming.TaskContext) {
			if w := s.take(tc); w != nil {
				w.Abort()
			}
		},
	}
}

func (s *fileSink) writer(ctx context.Context, tc *streaming.TaskContext) (*write.FilesWriter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.writers[tc]; w != nil {
		return w, nil
	}
	w, err := write.NewFiles(ctx, s.st, s.format, write.FilesOptions{Dir: s.dir, TaskIndex: tc.Task, MaxRowsPerFile: s.maxRows})
	if err != nil {
		return nil, err
	}
	s.writers[tc] = w
	return w, nil
}

func (s *fileSink) take(tc *streaming.TaskContext) *write.FilesWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.writers[tc]
	delete(s.writers, tc)
	return w
}

// removeAll undoes a failed write: open files are aborted by their tasks; committed ones are
// removed here.
func (s *fileSink) removeAll() {
	s.mu.Lock()
	files := slices.Clone(s.committed)
	s.committed = nil
	s.mu.Unlock()
	for _, p := range files {
		s.st.Remove(context.Background(), p)
	}
}

// callError names the call that failed, saying "sluice: " once.
func callError(call string, err error) error {
	return fmt.Errorf("sluice: %s: %w", call, trimmedError{err})
}

// trimmedError is err with its "sluice: " prefix dropped from the message (errors.Is/As still
// see err).
type trimmedError struct{ err error }

func (t trimmedError) Error() string { return strings.TrimPrefix(t.err.Error(), "sluice: ") }
func (t trimmedError) Unwrap() error { return t.err }
