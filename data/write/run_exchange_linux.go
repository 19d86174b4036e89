//go:build linux

package write

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sluicedata/sluice/data/manifest"
)

// The exchange committer (CommitterExchange). The staging area is a hidden sibling of the
// output, ".<name>.sluice-<run id>", on the same file system, not a "_" directory inside it:
// renameat2(RENAME_EXCHANGE) swaps two directory entries atomically, so the output must be
// rebuilt beside itself, whole, and then swapped in. That is what makes the commit atomic for
// every reader, not only for manifest-aware ones: pyarrow.dataset, DuckDB or Spark opening
// the output see the old directory or the new one, never a mix. The price is that the parent
// directory must be writable; where it is not, BeginRun falls back to CommitterRename.
//
// Locks (flock, released by the kernel when a process dies, so a SIGKILL never leaves one
// held):
//   - the parent directory is locked while a run scans for leftovers, creates its staging
//     area, and commits, so commits into one parent are serialized and an append always
//     builds on the newest version;
//   - each staging directory is locked by its run for the run's life: a sibling whose lock is
//     free belongs to a dead run (or is a replaced version whose removal was cut short) and
//     is removed by the next run.
//
// Commit, under the parent lock: for SaveAppend, hard-link every entry of the current output
// into the staging area (a run's own files are renamed with its id if a name is taken); write
// the manifest into it; swap it with the output (or rename it into place when there is no
// output yet); unlock; remove the old version, now at the staging path. A kill before the
// swap leaves the old output and a dead staging area; after it, the new output and a dead
// old version. Both are removed by the next run.

type exchangeRun struct {
	out     string // the output, absolute, symlinks resolved
	parent  string
	base    string
	staging string
	lock    *os.File // the staging directory, locked for the run's life
	mode    SaveMode
}

// exchangeProbed caches, per device, whether RENAME_EXCHANGE works there.
var exchangeProbed sync.Map // uint64 -> error

// beginExchange starts r under the exchange committer. why is non-nil when the committer
// cannot be used for this output (the caller falls back); err is a real failure.
func beginExchange(ctx context.Context, r *Run) (proceed bool, why, err error) {
	out, err := filepath.Abs(r.dir)
	if err != nil {
		return false, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
	}
	if real, err := filepath.EvalSymlinks(out); err == nil {
		out = real
	}
	e := &exchangeRun{out: out, parent: filepath.Dir(out), base: filepath.Base(out), mode: r.opts.Mode}
	if e.parent == out {
		return false, errors.New("the output is a file system root"), nil
	}
	if err := os.MkdirAll(e.parent, 0o777); err != nil {
		return false, fmt.Errorf("cannot create the parent directory: %w", err), nil
	}
	unlock, err := lockPath(e.parent)
	if err != nil {
		return false, fmt.Errorf("cannot lock the parent directory: %w", err), nil
	}
	defer unlock()

	adopted := false
	if r.opts.Resume {
		// Before removeDead, which would remove the area to resume; once adopted it is locked
		// by this run, and removeDead leaves it alone.
		if adopted, err = e.adoptDead(ctx, r); err != nil {
			return false, nil, err
		}
		defer func() {
			if !proceed && e.lock != nil {
				e.lock.Close() // the area stays for a later resume
				e.lock = nil
			}
		}()
	}
	r.leftovers = append(r.leftovers, e.removeDead()...)

	st, err := os.Stat(out)
	exists := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
	case !st.IsDir():
		return false, nil, fmt.Errorf("sluice: write: %s: output path is a file, not a directory", r.dir)
	default:
		pst, err := os.Stat(e.parent)
		if err != nil {
			return false, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
		}
		if devOf(st) != devOf(pst) {
			return false, errors.New("the output is a mount point"), nil
		}
		ents, err := os.ReadDir(out)
		if err != nil {
			return false, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
		}
		exists = len(ents) > 0
	}
	if exists {
		switch r.opts.Mode {
		case SaveError:
			return false, nil, r.existsError(describeLocal(out))
		case SaveIgnore:
			return false, nil, nil
		}
	}
	if exists && r.opts.Mode == SaveAppend && !adopted {
		r.prefix = DefaultPrefix + "_" + r.id
	}
	if adopted {
		if err := writeFileAtomic(filepath.Join(e.staging, manifest.LedgerName), r.ledger(manifest.StateRunning, nil)); err != nil {
			return false, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
		}
		r.impl = e
		r.committer = CommitterExchange
		return true, nil, nil
	}

	e.staging = filepath.Join(e.parent, "."+e.base+".sluice-"+r.id)
	if err := os.Mkdir(e.staging, 0o777); err != nil {
		return false, fmt.Errorf("cannot create a staging directory beside the output: %w", err), nil
	}
	if why := probeExchange(e.staging); why != nil {
		os.RemoveAll(e.staging)
		return false, why, nil
	}
	lock, err := os.Open(e.staging)
	if err == nil {
		err = unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(e.staging)
		return false, fmt.Errorf("cannot lock the staging directory: %w", err), nil
	}
	e.lock = lock
	if err := writeFileAtomic(filepath.Join(e.staging, manifest.LedgerName), r.ledger(manifest.StateRunning, nil)); err != nil {
		e.abort()
		return false, nil, fmt.Errorf("sluice: write: %s: %w", r.dir, err)
	}
	r.impl = e
	r.committer = CommitterExchange
	return true, nil, nil
}

func devOf(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*unix.Stat_t); ok {
		return uint64(st.Dev)
	}
	return 0
}

// probeExchange checks, once per device, that RENAME_EXCHANGE works in dir's file system
// (ext4, xfs, btrfs and tmpfs have it; NFS and some FUSE file systems do not).
func probeExchange(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	dev := devOf(fi)
	if v, ok := exchangeProbed.Load(dev); ok {
		err, _ := v.(error)
		return err
	}
	a, b := filepath.Join(dir, ".probe-a"), filepath.Join(dir, ".probe-b")
	os.Mkdir(a, 0o700)
	os.Mkdir(b, 0o700)
	err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	os.Remove(a)
	os.Remove(b)
	if err != nil {
		err = fmt.Errorf("the file system does not support renameat2(RENAME_EXCHANGE): %w", err)
	}
	exchangeProbed.Store(dev, err)
	return err
}

// removeDead removes the siblings of the output that belong to dead runs, and describes them.
// It runs under the parent lock, so no run is creating a staging area meanwhile.
func (e *exchangeRun) removeDead() []string {
	ents, err := os.ReadDir(e.parent)
	if err != nil {
		return nil
	}
	var msgs []string
	prefix := "." + e.base + ".sluice-"
	for _, ent := range ents {
		id, ok := strings.CutPrefix(ent.Name(), prefix)
		if !ok || !isRunID(id) || !ent.IsDir() {
			continue
		}
		p := filepath.Join(e.parent, ent.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err != nil {
			f.Close()
			continue // its run is alive
		}
		what := fmt.Sprintf("removed %s, the staging area of run %s (started %s), which did not finish", p, id, runTime(id).Format("2006-01-02 15:04:05Z"))
		if m, err := readManifestFile(filepath.Join(p, manifest.Name)); err == nil && m.RunID != id {
			what = fmt.Sprintf("removed %s, the version of the output that run %s replaced (the run committed; its cleanup was cut short)", p, id)
		}
		os.RemoveAll(p)
		f.Close()
		msgs = append(msgs, what)
	}
	return msgs
}

// adoptDead finds the newest dead run's staging area whose ledger says it was writing, locks
// it and adopts it (Run.adopt). It runs under the parent lock.
func (e *exchangeRun) adoptDead(ctx context.Context, r *Run) (bool, error) {
	ents, err := os.ReadDir(e.parent)
	if err != nil {
		return false, nil
	}
	prefix := "." + e.base + ".sluice-"
	var best string
	var bestLock *os.File
	var bestLed *manifest.Manifest
	for _, ent := range ents { // in name order: the newest run last
		id, ok := strings.CutPrefix(ent.Name(), prefix)
		if !ok || !isRunID(id) || !ent.IsDir() {
			continue
		}
		p := filepath.Join(e.parent, ent.Name())
		led, err := readManifestFile(filepath.Join(p, manifest.LedgerName))
		if err != nil || !resumableLedger(led, id) {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			f.Close()
			continue // its run is alive
		}
		if bestLock != nil {
			bestLock.Close()
		}
		best, bestLock, bestLed = p, f, led
	}
	if bestLock == nil {
		return false, nil
	}
	if err := r.adopt(ctx, localStore{}, best, best, bestLed); err != nil {
		bestLock.Close()
		return false, err
	}
	e.staging, e.lock = best, bestLock
	return true, nil
}

func (e *exchangeRun) recordArea() (store, string) { return localStore{}, e.staging }

func (e *exchangeRun) suspend(led *manifest.Manifest) error {
	err := writeFileAtomic(filepath.Join(e.staging, manifest.LedgerName), led)
	if e.lock != nil {
		e.lock.Close()
		e.lock = nil
	}
	return err
}

func (e *exchangeRun) stagingDir() string { return e.staging }
func (e *exchangeRun) storage() Storage   { return localStorage{} }

func (e *exchangeRun) abort() error {
	err := os.RemoveAll(e.staging)
	if e.lock != nil {
		e.lock.Close()
		e.lock = nil
	}
	if err != nil {
		return fmt.Errorf("sluice: write: abort %s: %w", e.staging, err)
	}
	return nil
}

func (e *exchangeRun) commit(ctx context.Context, r *Run, files []FileInfo) (m *manifest.Manifest, paths []string, err error) {
	defer func() {
		if err != nil {
			e.abort()
		}
	}()
	unlock, err := lockPath(e.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("sluice: write: commit %s: lock %s: %w", r.dir, e.parent, err)
	}
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()

	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	// A resumable run's task records must not become part of the output.
	if err := removeRecords(ctx, localStore{}, e.staging); err != nil {
		return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
	}
	st, err := os.Stat(e.out)
	exists := err == nil
	if exists {
		ents, err := os.ReadDir(e.out)
		if err != nil {
			return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
		}
		exists = len(ents) > 0 && st.IsDir()
	}
	var base *manifest.Manifest
	var foreign []manifest.File
	switch {
	case exists && e.mode == SaveError:
		return nil, nil, fmt.Errorf("sluice: write: commit %s: %w (save mode error); nothing of this run was published", r.dir, ErrConcurrentCommit)
	case exists && e.mode == SaveIgnore:
		e.abort()
		return nil, nil, nil
	case exists && e.mode == SaveAppend:
		base, _ = readManifestFile(filepath.Join(e.out, manifest.Name))
		taken := map[string]bool{}
		if err := linkTree(e.out, e.staging, "", taken, &foreign, base == nil); err != nil {
			return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
		}
		for i, n := range names {
			if !taken[n] {
				continue
			}
			// A name of ours is taken (another run appended meanwhile): ours carries the
			// run id. The link of the other file is already in place under the name.
			nn := r.withRunID(n)
			if err := os.Rename(files[i].Path+".mine", filepath.Join(e.staging, nn)); err != nil {
				return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
			}
			names[i] = nn
		}
	}
	m = r.next(base, foreign, r.entries(files, names))
	m.Committer = CommitterExchange
	if err := writeFileAtomic(filepath.Join(e.staging, manifest.Name), m); err != nil {
		return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
	}
	os.Remove(filepath.Join(e.staging, manifest.LedgerName))
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
	}

	swapped := true
	if _, err := os.Lstat(e.out); errors.Is(err, fs.ErrNotExist) {
		err = unix.Renameat2(unix.AT_FDCWD, e.staging, unix.AT_FDCWD, e.out, unix.RENAME_NOREPLACE)
		switch {
		case err == nil:
			swapped = false
		case !errors.Is(err, unix.EEXIST):
			return nil, nil, fmt.Errorf("sluice: write: commit %s: rename %s: %w", r.dir, e.staging, err)
		}
		// EEXIST: another program created the output meanwhile; exchange with it.
	}
	if swapped {
		if err := unix.Renameat2(unix.AT_FDCWD, e.staging, unix.AT_FDCWD, e.out, unix.RENAME_EXCHANGE); err != nil {
			return nil, nil, fmt.Errorf("sluice: write: commit %s: exchange with %s: %w", r.dir, e.staging, err)
		}
	}
	unlock()
	locked = false
	// The lock of the staging directory moved with it into the output; the old version now at
	// the staging path is unlocked, and a run that finds it before we remove it removes it.
	e.lock.Close()
	e.lock = nil
	testPoint("committed")
	if swapped {
		removeTree(e.staging)
	}
	paths = make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(r.dir, n)
	}
	return m, paths, nil
}

// linkTree hard-links every entry of src into dst (directories recreated, symlinks copied),
// except src's top-level manifest. Directories both hold (partitions) are merged; a file
// name that dst already holds (a file of this run) is moved aside to <name>.mine and its
// slash-separated path relative to dst recorded in taken. When listForeign is set, the
// non-hidden files are appended to foreign as manifest entries of unknown rows and checksum.
func linkTree(src, dst, rel string, taken map[string]bool, foreign *[]manifest.File, listForeign bool) error {
	ents, err := os.ReadDir(filepath.Join(src, rel))
	if err != nil {
		return err
	}
	for _, ent := range ents {
		name := ent.Name()
		r := filepath.Join(rel, name)
		if rel == "" && name == manifest.Name {
			continue
		}
		from, to := filepath.Join(src, r), filepath.Join(dst, r)
		have, err := os.Lstat(to)
		switch {
		case err == nil && ent.IsDir() && have.IsDir():
			// A directory both have (a partition both runs wrote into): merged below.
		case err == nil:
			if err := os.Rename(to, to+".mine"); err != nil {
				return err
			}
			taken[filepath.ToSlash(r)] = true
			have = nil
		default:
			have = nil
		}
		switch {
		case ent.IsDir():
			if have == nil {
				if err := os.Mkdir(to, 0o777); err != nil {
					return err
				}
			}
			if err := linkTree(src, dst, r, taken, foreign, listForeign); err != nil {
				return err
			}
		case ent.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
		default:
			if err := os.Link(from, to); err != nil {
				return err
			}
			testPoint("published")
			if listForeign && !hiddenPath(r) {
				fi, err := ent.Info()
				if err != nil {
					return err
				}
				*foreign = append(*foreign, manifest.File{Path: filepath.ToSlash(r), Rows: -1, Bytes: fi.Size()})
			}
		}
	}
	return nil
}

// removeTree removes a replaced version file by file (so a kill test can stop it part way),
// then whatever is left.
func removeTree(dir string) {
	first := true
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && os.Remove(p) == nil && first {
			first = false
			testPoint("cleanup")
		}
		return nil
	})
	os.RemoveAll(dir)
}
