package data

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/storage"
	"github.com/sluicedata/sluice/streaming"
)

// OnError is what a run does with a failure: a read task that cannot read its file, a batch
// function that fails on a batch, a row function (Map, FlatMap, Filter, MapTyped, FilterTyped)
// that fails on a row. Set it in Context.OnError.
type OnError int

const (
	// FailOnError fails the run at the first failure (after Context.MaxErroredBlocks tolerated
	// ones, Ray's max_errored_blocks). The default.
	FailOnError OnError = iota
	// SkipOnError drops the failing input (a file, a batch, or just the failing row of a row
	// function) and goes on; Stats lists every failure. Context.MaxErroredBlocks, if positive,
	// caps how many.
	SkipOnError
	// DeadLetterOnError is SkipOnError that also keeps every failure in Context.DeadLetter: one
	// JSON Lines file per run, "deadletter-<time>-<id>.jsonl", with a record per failure (the
	// operator, the input, the error, and the failing row, or every row of a failed batch;
	// a failed read names its file and row range). The file appears, complete, when the run
	// ends, whether it succeeded or failed.
	DeadLetterOnError
)

// deadLetterRecord is one line of a dead-letter file.
type deadLetterRecord struct {
	Operator string `json:"operator"`
	Input    string `json:"input"`
	Error    string `json:"error"`
	Row      any    `json:"row,omitempty"`
	Time     string `json:"time"`
}

// deadLetter writes a run's failures to one atomic JSON Lines file.
type deadLetter struct {
	mu    sync.Mutex
	path  string
	file  write.AtomicFile
	buf   *bufio.Writer
	enc   *json.Encoder
	count int
	err   error
}

// newDeadLetter opens the run's dead-letter file in dir (a local directory or a storage URL).
func newDeadLetter(ctx context.Context, dir string) (*deadLetter, error) {
	if dir == "" {
		return nil, fmt.Errorf("sluice: Context.DeadLetter: DeadLetterOnError needs a directory")
	}
	dir, err := storage.Default().Resolve(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("sluice: Context.DeadLetter: %w", trimmedError{err})
	}
	name := fmt.Sprintf("deadletter-%s-%s.jsonl", time.Now().UTC().Format("20060102T150405"), strconv.FormatUint(rand.Uint64(), 36))
	path := strings.TrimSuffix(dir, "/") + "/" + name
	if !strings.Contains(dir, "://") {
		path = filepath.Join(dir, name)
	}
	f, err := write.Default().Create(context.WithoutCancel(ctx), path)
	if err != nil {
		return nil, fmt.Errorf("sluice: Context.DeadLetter: %w", trimmedError{err})
	}
	d := &deadLetter{path: path, file: f, buf: bufio.NewWriterSize(f, 64<<10)}
	d.enc = json.NewEncoder(d.buf)
	return d, nil
}

// add is the run's streaming.Options.OnFailure.
func (d *deadLetter) add(f streaming.Failure) {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	rec := deadLetterRecord{Operator: f.Op, Input: f.Origin, Error: strings.TrimPrefix(f.Err.Error(), "sluice: "), Time: now}
	var recs []deadLetterRecord
	switch {
	case f.Row != nil:
		rec.Row = jsonValue(f.Row)
		recs = append(recs, rec)
	case len(f.Rows) > 0:
		for _, b := range f.Rows {
			for _, r := range rowsOf(b) {
				one := rec
				one.Row = jsonValue(r)
				recs = append(recs, one)
			}
		}
	default:
		recs = append(recs, rec)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range recs {
		if d.err == nil {
			d.err = d.enc.Encode(r)
		}
		d.count++
	}
}

// jsonValue is v if encoding/json can encode it, else its printed form.
func jsonValue(v any) any {
	if _, err := json.Marshal(v); err == nil {
		return v
	}
	if r, ok := v.(Row); ok {
		out := map[string]any{}
		for k, x := range r {
			out[k] = jsonValue(x)
		}
		return out
	}
	return fmt.Sprint(v)
}

// close commits the file if it holds a failure (else removes it) and returns its path, or "".
func (d *deadLetter) close() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = d.buf.Flush()
	}
	if d.err != nil || d.count == 0 {
		d.file.Abort()
		if d.err != nil {
			return "", fmt.Errorf("sluice: dead letters %s: %w", d.path, trimmedError{d.err})
		}
		return "", nil
	}
	if err := d.file.Commit(); err != nil {
		return "", fmt.Errorf("sluice: dead letters %s: %w", d.path, trimmedError{err})
	}
	return d.path, nil
}
