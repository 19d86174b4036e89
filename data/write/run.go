package write

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/storage"
)

// The committers: how a Run publishes its files. Each is named in the manifests it writes.
const (
	// CommitterExchange builds the next version of a local output directory in a hidden
	// sibling directory and swaps the two with one renameat2(RENAME_EXCHANGE) (Linux).
	CommitterExchange = "local-exchange"
	// CommitterRename stages files in <out>/_sluice/<run>/ and renames them into the output,
	// then writes the manifest (local disks where the exchange is not possible).
	CommitterRename = "local-rename"
	// CommitterCopy stages objects under <out>/_sluice/<run>/ and copies them into place
	// inside the store at commit (any object store).
	CommitterCopy = "object-copy"
	// CommitterMultipart uploads every file as a multipart upload to its final key and
	// completes the uploads at commit, as the S3A magic committer does (S3).
	CommitterMultipart = "object-multipart"
)

// StagingDir is the directory inside an output where the manifest committers keep each run's
// staging area (<out>/_sluice/<run id>/) and ledger. Its leading "_" hides it from sluice's
// listing, pyarrow, Spark and DuckDB.
const StagingDir = "_sluice"

// DefaultLease is how long the ledger of a run on an object store (or under CommitterRename)
// may go without a refresh before another run takes the run for dead and removes what it
// left. A live run refreshes its ledger every third of it.
const DefaultLease = 2 * time.Minute

// RunOptions configure a Run.
type RunOptions struct {
	// Mode is what to do when the output already holds a dataset (default SaveError).
	Mode SaveMode
	// PlanFingerprint identifies the computation (see manifest.Manifest.PlanFingerprint).
	PlanFingerprint string
	// FS is the storage layer for URL outputs; nil means storage.Default().
	FS *storage.FS
	// Committer forces a committer (one of the Committer constants) instead of the best one
	// for the output: CommitterExchange on Linux local disks, CommitterRename on other local
	// disks, CommitterMultipart on S3, CommitterCopy on other object stores.
	Committer string
	// Lease overrides DefaultLease.
	Lease time.Duration
	// Resume makes the run resumable (resume.go): it records each completed write task
	// (RecordTask), Suspend keeps its staging area, and BeginRun adopts the newest dead run's
	// staging area when that run computed the same plan (else it refuses, wrapping
	// ErrResumeRefused). On S3 a resumable run uses CommitterCopy.
	Resume bool
}

// Run is one write of a dataset into an output directory under the commit protocol: its
// tasks write their files into a staging area that no reader lists, and Commit publishes them
// all at once, ending with the manifest (manifest.Name) that is the commit point. Until
// Commit returns, the output holds exactly what it held before the run (for SaveOverwrite:
// the old dataset, untouched); after it, exactly the new dataset (for SaveAppend: the old
// files and the new). A failure or a kill at any moment leaves one or the other, never a mix,
// for every reader that honours the manifest, and, under CommitterExchange, for every reader
// at all (pyarrow, DuckDB and Spark know nothing of the manifest).
//
// Protocol: BeginRun, then the tasks write with FilesWriters built on Dir, Prefix and
// Storage (FilesOptions{Dir: r.Dir(), Prefix: r.Prefix()}, NewFiles(ctx, r.Storage(), ...)),
// then Commit with every FileInfo they report, or Abort. Call exactly one of them; Abort
// after Commit is a no-op, so `defer r.Abort()` guards every exit. Dir, Prefix and Storage
// may be used from many goroutines; Commit and Abort may not run concurrently with writes.
//
// What a killed run leaves is found by the next run into the same output, named in
// Leftovers, and removed: a staging area whose owner is gone (its lock is free, under
// CommitterExchange; its ledger older than the lease, elsewhere), and the replaced files of
// an overwrite whose commit went through but whose cleanup did not.
type Run struct {
	id        string
	dir       string // the output as the caller named it (cleaned)
	opts      RunOptions
	committer string
	impl      runImpl
	prefix    string
	leftovers []string
	started   time.Time
	done      bool

	resumed     map[int]ResumedTask // the tasks adopted from a dead run (Resume)
	resumedFrom string
	resumeMu    sync.Mutex
	skipped     map[int]bool // the adopted tasks the caller skipped
}

// runImpl is one committer's side of a Run.
type runImpl interface {
	stagingDir() string
	storage() Storage
	// commit publishes files and returns the new manifest and the final paths of files.
	commit(ctx context.Context, r *Run, files []FileInfo) (*manifest.Manifest, []string, error)
	abort() error
	// recordArea is where the run's task records go: its store and area (resume.go).
	recordArea() (store, string)
	// suspend ends the run without committing or removing its staging area, leaving led as
	// its ledger (resume.go).
	suspend(led *manifest.Manifest) error
}

// ErrConcurrentCommit is wrapped by Commit's error in SaveError mode when another run
// committed a dataset into the output while this one was writing.
var ErrConcurrentCommit = errors.New("another run committed this output meanwhile")

// NewRunID returns a new run id: 12 hex digits of the current time in milliseconds, then 8
// random hex digits. Ids sort by start time and two runs starting in the same millisecond
// collide with a chance of one in four billion.
func NewRunID() string {
	var r [4]byte
	rand.Read(r[:])
	return fmt.Sprintf("%012x%s", time.Now().UnixMilli(), hex.EncodeToString(r[:]))
}

// isRunID reports whether s has NewRunID's form.
func isRunID(s string) bool {
	if len(s) != 20 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// runTime is the start time encoded in a run id.
func runTime(id string) time.Time {
	var ms int64
	fmt.Sscanf(id[:12], "%x", &ms)
	return time.UnixMilli(ms).UTC()
}

// BeginRun starts a run writing into dir, a local path or an object-store URL, applying
// opts.Mode: SaveError fails, before anything is written, when dir already holds a dataset
// (the error wraps ErrExists), and SaveIgnore then returns a nil Run and no error: the caller
// writes nothing. Leftovers of killed runs are removed first, and listed by Leftovers.
func BeginRun(ctx context.Context, dir string, opts RunOptions) (*Run, error) {
	if opts.Mode < SaveError || opts.Mode > SaveIgnore {
		return nil, fmt.Errorf("sluice: write: %s: unknown save mode %d", dir, int(opts.Mode))
	}
	if dir == "" {
		return nil, fmt.Errorf("sluice: write: empty output directory")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sluice: write: %s: %w", dir, err)
	}
	if opts.FS == nil {
		opts.FS = storage.Default()
	}
	if opts.Lease <= 0 {
		opts.Lease = defaultLease
	}
	r := &Run{id: NewRunID(), opts: opts, prefix: DefaultPrefix, started: time.Now()}
	osPath, local, err := storage.LocalPath(dir)
	if err != nil {
		return nil, err
	}
	if local {
		r.dir = filepath.Clean(osPath)
	} else {
		// The form the store lists paths in (no options, no doubled slashes), so the paths of
		// listed objects start with it.
		if r.dir, err = opts.FS.Resolve(ctx, dir); err != nil {
			return nil, err
		}
		r.dir = strings.TrimSuffix(r.dir, "/")
	}
	committer := opts.Committer
	if committer == "" {
		committer = forceCommitter
	}
	switch {
	case committer == "" && local:
		committer = CommitterExchange
	case committer == "" && opts.FS.CanDefer(r.dir) && !opts.Resume:
		committer = CommitterMultipart
	case committer == "":
		committer = CommitterCopy
	}
	var proceed bool
	switch committer {
	case CommitterExchange:
		if !local {
			return nil, fmt.Errorf("sluice: write: %s: committer %s needs a local directory", dir, committer)
		}
		var why error
		proceed, why, err = beginExchange(ctx, r)
		if why == nil {
			break
		}
		if opts.Committer == CommitterExchange {
			return nil, fmt.Errorf("sluice: write: %s: committer %s: %w", dir, committer, why)
		}
		// The exchange is not possible here (not Linux, the parent is not writable, the
		// output is a mount point, the file system lacks RENAME_EXCHANGE): the manifest is
		// the commit point, for manifest-aware readers only.
		committer = CommitterRename
		fallthrough
	case CommitterRename:
		if !local {
			return nil, fmt.Errorf("sluice: write: %s: committer %s needs a local directory", dir, committer)
		}
		r.committer = committer
		proceed, err = beginManifest(ctx, r, localStore{})
	case CommitterCopy, CommitterMultipart:
		if local {
			return nil, fmt.Errorf("sluice: write: %s: committer %s needs an object-store URL", dir, committer)
		}
		if committer == CommitterMultipart && opts.Resume {
			return nil, fmt.Errorf("sluice: write: %s: committer %s cannot resume a run (a dead run's uploads cannot be completed); use %s", dir, committer, CommitterCopy)
		}
		if committer == CommitterMultipart && !opts.FS.CanDefer(r.dir) {
			return nil, fmt.Errorf("sluice: write: %s: committer %s: the store has no multipart uploads", dir, committer)
		}
		r.committer = committer
		proceed, err = beginManifest(ctx, r, objectStore{fs: opts.FS})
	default:
		return nil, fmt.Errorf("sluice: write: %s: unknown committer %q", dir, committer)
	}
	if r.committer == "" {
		r.committer = committer
	}
	if err != nil || !proceed {
		return nil, err
	}
	return r, nil
}

// ID returns the run id, recorded in the manifest and in the names of files that could
// otherwise collide with the output's.
func (r *Run) ID() string { return r.id }

// Committer returns the committer the run uses (one of the Committer constants).
func (r *Run) Committer() string { return r.committer }

// Dir returns the directory the run's tasks write into (FilesOptions.Dir): its staging area,
// or, under CommitterMultipart, the output itself (the uploads stay invisible until Commit).
func (r *Run) Dir() string { return r.impl.stagingDir() }

// Prefix returns the file name prefix for the run's FilesWriters: DefaultPrefix when the
// output holds no dataset to collide with, else DefaultPrefix + "_" + the run id.
func (r *Run) Prefix() string { return r.prefix }

// Storage returns the Storage the run's FilesWriters must write with.
func (r *Run) Storage() Storage {
	if wrapStorage != nil {
		return wrapStorage(r.impl.storage())
	}
	return r.impl.storage()
}

// Knobs of the tests (export_test.go sets them): a wrapper of the Storage a Run gives its
// tasks (the simulated full disk), the committer of runs that do not name one, and the lease
// of runs that do not set one (the kill tests use a short one).
var (
	wrapStorage    func(Storage) Storage
	forceCommitter string
	defaultLease   = DefaultLease
)

// Leftovers describes, one sentence each, what BeginRun found of killed runs and removed.
func (r *Run) Leftovers() []string { return slices.Clone(r.leftovers) }

// Commit publishes files (every FileInfo the run's FilesWriters returned, in any order; they
// are listed in task and file order) and writes the manifest, the commit point. It returns the
// manifest and the final paths of the run's files, in the manifest's order. On error nothing
// of this run is published: the output holds what it held before, and the run is over.
// Under SaveIgnore, when another run committed meanwhile, it returns a nil manifest and no
// error, and publishes nothing.
func (r *Run) Commit(ctx context.Context, files []FileInfo) (*manifest.Manifest, []string, error) {
	if r.done {
		return nil, nil, fmt.Errorf("sluice: write: %s: run %s already committed or aborted", r.dir, r.id)
	}
	r.done = true
	files = r.withResumed(ctx, slices.Clone(files))
	slices.SortFunc(files, func(a, b FileInfo) int {
		if a.Task != b.Task {
			return a.Task - b.Task
		}
		if a.Index != b.Index {
			return a.Index - b.Index
		}
		return strings.Compare(a.Name, b.Name) // files of one task in several partitions
	})
	for _, f := range files {
		if !strings.HasPrefix(f.Path, r.impl.stagingDir()) {
			r.impl.abort()
			return nil, nil, fmt.Errorf("sluice: write: %s: file %s is not in the run's staging area %s", r.dir, f.Path, r.impl.stagingDir())
		}
	}
	if err := ctx.Err(); err != nil {
		r.impl.abort()
		return nil, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
	}
	testPoint("publish")
	m, paths, err := r.impl.commit(ctx, r, files)
	if errors.Is(err, errIgnored) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return m, paths, nil
}

// Abort discards everything the run wrote; the output is left as it was. It is a no-op after
// Commit or Abort.
func (r *Run) Abort() error {
	if r == nil || r.done {
		return nil
	}
	r.done = true
	return r.impl.abort()
}

// ledger returns the run's ledger in state, with files (relative paths).
func (r *Run) ledger(state string, files []manifest.File) *manifest.Manifest {
	now := time.Now().UTC()
	host, _ := os.Hostname()
	return &manifest.Manifest{
		State:           state,
		RunID:           r.id,
		Committer:       r.committer,
		Mode:            r.opts.Mode.String(),
		PlanFingerprint: r.opts.PlanFingerprint,
		Timestamp:       now.UnixMilli(),
		Date:            now.Format(time.RFC3339Nano),
		Hostname:        host,
		Files:           files,
	}
}

// entries turns the run's files into manifest entries named as they will be published.
func (r *Run) entries(files []FileInfo, names []string) []manifest.File {
	out := make([]manifest.File, len(files))
	for i, f := range files {
		out[i] = manifest.File{Path: names[i], Rows: f.Rows, Bytes: f.Bytes, CRC32: manifest.FormatCRC32(f.CRC32),
			RunID: r.id, Task: f.Task, Input: f.Input}
	}
	return out
}

// next returns the manifest of the dataset after this run commits: base's files then ours
// for SaveAppend (base nil: none), ours alone otherwise.
func (r *Run) next(base *manifest.Manifest, foreign []manifest.File, ours []manifest.File) *manifest.Manifest {
	m := r.ledger(manifest.StateCommitted, nil)
	gen := int64(1)
	if r.opts.Mode == SaveAppend {
		if base != nil {
			m.Files = append(m.Files, base.Files...)
			m.Runs = append(m.Runs, base.Runs...)
			gen = base.Generation + 1
		} else if len(foreign) > 0 {
			m.Files = append(m.Files, foreign...)
			gen = 2 // the foreign dataset counts as the first
		}
	}
	m.Files = append(m.Files, ours...)
	var rows int64
	for _, f := range ours {
		rows += f.Rows
	}
	m.Runs = append(m.Runs, manifest.Run{RunID: r.id, Timestamp: m.Timestamp, Mode: m.Mode, PlanFingerprint: m.PlanFingerprint, Files: len(ours), Rows: rows})
	m.Generation = gen
	return m
}

// withRunID renames a file of the run so that it cannot collide with files already in the
// output: "part_000003_000001.parquet" becomes "part_<id>_000003_000001.parquet", and
// "year=2024/part_000003_000001.parquet" "year=2024/part_<id>_000003_000001.parquet".
func (r *Run) withRunID(name string) string {
	dir, base := "", name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		dir, base = name[:i+1], name[i+1:]
	}
	if strings.Contains(base, r.id) {
		return name
	}
	if rest, ok := strings.CutPrefix(base, DefaultPrefix+"_"); ok {
		return dir + DefaultPrefix + "_" + r.id + "_" + rest
	}
	return dir + r.id + "_" + base
}

// existsError is SaveError's refusal, saying what the output holds.
func (r *Run) existsError(what string) error {
	msg := fmt.Sprintf("sluice: write: %s: %%w (%s; save mode %s; choose overwrite or append)", r.dir, what, r.opts.Mode)
	if len(r.leftovers) > 0 {
		msg += "; " + strings.Join(r.leftovers, "; ")
	}
	return fmt.Errorf(msg, ErrExists)
}
