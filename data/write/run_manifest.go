package write

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/storage"
)

// The manifest committers (CommitterRename, CommitterCopy, CommitterMultipart): where no
// directory can be swapped, the manifest is the commit point, and the guarantee holds for the
// readers that honour it (sluice; scripts/check_manifest.py shows how another tool can).
// Readers that list the directory (pyarrow.dataset, DuckDB, Spark) may see a killed run's
// files published but not committed, until the next sluice run into the output removes them.
//
// Layout inside the output:
//
//	_SUCCESS                    the manifest: the dataset
//	part_...                    published files (of any run; only those listed are the dataset)
//	_sluice/<run id>/_LEDGER    a run's ledger (a manifest in state running or committing)
//	_sluice/<run id>/part_...   a run's staged files (not under CommitterMultipart, whose
//	                            uploads are invisible until completed at their final keys)
//
// Liveness is a lease: a run rewrites its ledger every third of RunOptions.Lease, and another
// run takes it for dead when the ledger is older than the lease, by the store's own clock
// (the ledger's modification time against that of the looking run's fresh ledger), so clock
// skew between machines does not matter.
//
// Commit: write the ledger in state committing with the final names; publish every file
// (rename, copy, or complete the upload; never replacing an object: a name that is taken
// gets the run id, except under CommitterMultipart, where the run then fails); then write the
// manifest with a compare-and-swap against the one read (If-Match on S3), re-reading and
// re-basing when another run committed first (appends both land; SaveError fails cleanly);
// then remove what an overwrite replaced, the staging area, and the ledger, last.

// store is where a manifest committer's output lives: local files or objects.
type store interface {
	join(dir, rel string) string
	// list returns every file under dir, recursively, with "/"-separated paths relative to
	// dir; a missing dir has none.
	list(ctx context.Context, dir string) ([]entry, error)
	// readTagged returns a file with a tag for writeIf; a missing file is fs.ErrNotExist.
	readTagged(ctx context.Context, p string) ([]byte, string, error)
	// writeIf replaces p with data only if its tag is still tag ("": only if p is missing),
	// else fails wrapping storage.ErrPrecondition.
	writeIf(ctx context.Context, p string, data []byte, tag string) error
	// put writes p atomically, replacing it.
	put(ctx context.Context, p string, data []byte) error
	// remove deletes p; a missing p is not an error.
	remove(ctx context.Context, p string) error
	// publish makes the staged file from appear at to, never replacing: errTaken when to
	// exists.
	publish(ctx context.Context, from, to string) error
	// files is the Storage the run's tasks write with.
	files() Storage
	// uploads lists the multipart uploads in progress under dir (none for other stores).
	uploads(ctx context.Context, dir string) ([]uploadInfo, error)
	// abortUpload discards an upload in progress.
	abortUpload(ctx context.Context, p, id string) error
	// checksum returns the CRC-32 (IEEE) of p's bytes (resume checks staged files with it).
	checksum(ctx context.Context, p string) (uint32, error)
}

type entry struct {
	rel  string
	size int64
	mod  time.Time
}

type uploadInfo struct {
	path, id  string
	initiated time.Time
}

// errTaken is returned by store.publish when the destination exists.
var errTaken = errors.New("destination exists")

type manifestRun struct {
	st         store
	dir        string
	staging    string // where tasks write
	area       string // dir/_sluice/<id>: the ledger and (but for multipart) the staged files
	ledgerPath string
	lease      time.Duration
	multipart  bool
	ups        *uploadSet

	mu     sync.Mutex
	doc    *manifest.Manifest // the ledger as last written
	wmu    sync.Mutex         // held while the ledger is written, so no older copy lands last
	stop   chan struct{}
	halted chan struct{}
}

var _ runImpl = (*manifestRun)(nil)

func beginManifest(ctx context.Context, r *Run, st store) (proceed bool, err error) {
	m := &manifestRun{st: st, dir: r.dir, lease: r.opts.Lease, ups: &uploadSet{}}
	m.area = st.join(r.dir, StagingDir+"/"+r.id)
	m.staging = m.area
	if r.committer == CommitterMultipart {
		m.multipart = true
		m.staging = r.dir
		st = objectStore{fs: st.(objectStore).fs, multipart: true, ups: m.ups}
		m.st = st
	}
	m.ledgerPath = st.join(m.area, manifest.LedgerName)
	r.impl = m
	// The ledger goes first: of two runs starting together, the later one to list sees the
	// other's, so they never both take the plain file names.
	m.doc = r.ledger(manifest.StateRunning, nil)
	if err := m.writeLedger(ctx); err != nil {
		return false, err
	}
	m.stop, m.halted = make(chan struct{}), make(chan struct{})
	go m.heartbeat()
	defer func() {
		if err != nil || !proceed {
			m.abort()
		}
	}()

	ents, err := st.list(ctx, r.dir)
	if err != nil {
		return false, err
	}
	now := time.Now()
	groups := map[string][]entry{}
	var data []entry
	hasManifest := false
	for _, e := range ents {
		switch {
		case e.rel == manifest.Name:
			hasManifest = true
		case strings.HasPrefix(e.rel, StagingDir+"/"):
			id, _, _ := strings.Cut(strings.TrimPrefix(e.rel, StagingDir+"/"), "/")
			if id == r.id && strings.HasSuffix(e.rel, "/"+manifest.LedgerName) {
				now = e.mod // the store's clock
			}
			if isRunID(id) && id != r.id {
				groups[id] = append(groups[id], e)
			}
		case !hiddenPath(e.rel):
			data = append(data, e)
		}
	}
	var cur *manifest.Manifest
	if hasManifest {
		if raw, _, err := st.readTagged(ctx, st.join(r.dir, manifest.Name)); err == nil {
			cur, _ = manifest.Decode(raw)
		}
	}
	live := 0
	attributed := map[string]bool{}
	removed := map[string]bool{}
	ledgers := map[string]*manifest.Manifest{}
	dead := map[string]bool{}
	for _, id := range sortedKeys(groups) {
		g := groups[id]
		// A run is as alive as its ledger is fresh; without one (cut short while removing
		// its area, which removes the ledger last), as its newest file. A suspended run is
		// over whatever its ledger's age.
		var last time.Time
		for _, e := range g {
			if e.rel == StagingDir+"/"+id+"/"+manifest.LedgerName {
				last = e.mod
				break
			}
			if e.mod.After(last) {
				last = e.mod
			}
		}
		led := m.readLedgerOf(ctx, id)
		ledgers[id] = led
		dead[id] = now.Sub(last) > m.lease || led != nil && led.State == manifest.StateSuspended
	}
	// A resumable run continues the newest dead run that was writing.
	resume := ""
	if r.opts.Resume {
		for _, id := range sortedKeys(groups) {
			if dead[id] && resumableLedger(ledgers[id], id) {
				resume = id
			}
		}
	}
	for _, id := range sortedKeys(groups) {
		g := groups[id]
		led := ledgers[id]
		if led != nil {
			for _, u := range led.Uploads {
				attributed[u.UploadID] = true
			}
		}
		if id == resume {
			continue
		}
		if !dead[id] {
			// A live run's published files are not the output's (yet).
			live++
			data = slices.DeleteFunc(data, func(e entry) bool {
				return strings.Contains(path.Base(e.rel), id) || led != nil && slices.ContainsFunc(led.Files, func(f manifest.File) bool { return f.Path == e.rel })
			})
			continue
		}
		r.leftovers = append(r.leftovers, m.removeDead(ctx, id, g, led, cur, data, removed))
	}
	if m.multipart {
		ups, err := st.uploads(ctx, r.dir)
		if err != nil {
			return false, err
		}
		for _, u := range ups {
			if !attributed[u.id] && now.Sub(u.initiated) > m.lease {
				st.abortUpload(ctx, u.path, u.id)
				r.leftovers = append(r.leftovers, fmt.Sprintf("aborted the multipart upload to %s started %s by a run that did not finish", u.path, u.initiated.UTC().Format("2006-01-02 15:04:05Z")))
			}
		}
	}
	data = slices.DeleteFunc(data, func(e entry) bool { return removed[e.rel] })
	if resume != "" {
		if err := m.adoptDead(ctx, r, ledgers[resume]); err != nil {
			return false, err
		}
	}
	if cur != nil || len(data) > 0 {
		switch r.opts.Mode {
		case SaveError:
			return false, r.existsError(describe(cur, data))
		case SaveIgnore:
			return false, nil
		}
	}
	if (cur != nil || len(data) > 0 || live > 0) && len(r.resumed) == 0 {
		r.prefix = DefaultPrefix + "_" + r.id
	}
	return true, nil
}

// adoptDead makes r the continuation of the dead run of ledger led (Run.adopt): the run's own
// fresh ledger is withdrawn and the dead run's area, refreshed, becomes the run's.
func (m *manifestRun) adoptDead(ctx context.Context, r *Run, led *manifest.Manifest) error {
	area := m.st.join(r.dir, StagingDir+"/"+led.RunID)
	staging := area
	if m.multipart {
		return fmt.Errorf("sluice: write: %s: committer %s cannot resume a run", r.dir, CommitterMultipart)
	}
	old := m.ledgerPath
	if err := r.adopt(ctx, m.st, area, staging, led); err != nil {
		return err
	}
	m.wmu.Lock()
	m.mu.Lock()
	m.area, m.staging = area, staging
	m.ledgerPath = m.st.join(area, manifest.LedgerName)
	m.doc = r.ledger(manifest.StateRunning, nil)
	m.mu.Unlock()
	m.wmu.Unlock()
	m.st.remove(ctx, old)
	if _, ok := m.st.(localStore); ok {
		os.Remove(filepath.Dir(old))
	}
	return m.writeLedger(ctx)
}

func (m *manifestRun) recordArea() (store, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st, m.area
}

func (m *manifestRun) suspend(led *manifest.Manifest) error {
	m.halt()
	m.mu.Lock()
	m.doc = led
	m.mu.Unlock()
	return m.writeLedger(context.Background())
}

// removeDead removes what the dead run id left: for a run that committed, the files its
// overwrite replaced; for one that did not, whatever it published, its uploads and its
// staging area. It returns a sentence for Leftovers.
func (m *manifestRun) removeDead(ctx context.Context, id string, g []entry, led, cur *manifest.Manifest, data []entry, removed map[string]bool) string {
	listed := map[string]bool{}
	committed := false
	if cur != nil {
		for _, f := range cur.Files {
			listed[f.Path] = true
		}
		committed = cur.RunID == id || slices.ContainsFunc(cur.Runs, func(r manifest.Run) bool { return r.RunID == id })
	}
	var failed []string
	drop := func(rel string) {
		if !listed[rel] && !removed[rel] {
			if err := m.st.remove(ctx, m.st.join(m.dir, rel)); err != nil {
				failed = append(failed, err.Error())
				return
			}
			removed[rel] = true
		}
	}
	what := fmt.Sprintf("removed %s, the staging area of run %s (started %s), which did not finish",
		m.st.join(m.dir, StagingDir+"/"+id), id, runTime(id).Format("2006-01-02 15:04:05Z"))
	switch {
	case committed && led != nil:
		for _, p := range led.Replaces {
			drop(p)
		}
		what = fmt.Sprintf("removed the files that run %s replaced (it committed; its cleanup was cut short)", id)
	case committed:
		what = fmt.Sprintf("removed the ledger of run %s, which committed; its ledger was unreadable, so files it replaced may remain", id)
	default:
		if led != nil && led.State == manifest.StateCommitting {
			for _, f := range led.Files {
				drop(f.Path)
			}
		}
		for _, e := range data {
			if strings.Contains(path.Base(e.rel), id) {
				drop(e.rel)
			}
		}
		if led != nil {
			for _, u := range led.Uploads {
				m.st.abortUpload(ctx, m.st.join(m.dir, u.Path), u.UploadID)
			}
		}
	}
	ledger := StagingDir + "/" + id + "/" + manifest.LedgerName
	for _, e := range g {
		if e.rel != ledger {
			if err := m.st.remove(ctx, m.st.join(m.dir, e.rel)); err != nil {
				failed = append(failed, err.Error())
			}
		}
	}
	if len(failed) > 0 {
		// Keep the ledger, so that the next run tries again.
		return what + fmt.Sprintf(", except what could not be removed (%s); the next run retries", strings.Join(failed, "; "))
	}
	m.st.remove(ctx, m.st.join(m.dir, ledger))
	return what
}

func (m *manifestRun) readLedgerOf(ctx context.Context, id string) *manifest.Manifest {
	raw, _, err := m.st.readTagged(ctx, m.st.join(m.dir, StagingDir+"/"+id+"/"+manifest.LedgerName))
	if err != nil {
		return nil
	}
	led, err := manifest.Decode(raw)
	if err != nil {
		return nil
	}
	return led
}

// writeLedger writes the ledger with the uploads started so far and a fresh timestamp. Writes
// are serialized: a heartbeat's copy taken before the commit changed the ledger must not be
// stored after the commit's own write (the killed run's replaced files would be forgotten).
func (m *manifestRun) writeLedger(ctx context.Context) error {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	m.mu.Lock()
	doc := *m.doc
	m.mu.Unlock()
	now := time.Now().UTC()
	doc.Timestamp, doc.Date = now.UnixMilli(), now.Format(time.RFC3339Nano)
	for _, u := range m.ups.started() {
		doc.Uploads = append(doc.Uploads, manifest.Upload{Path: strings.TrimPrefix(u.Path, m.dir+"/"), UploadID: u.UploadID})
	}
	raw, err := manifest.Encode(&doc)
	if err != nil {
		return err
	}
	return m.st.put(ctx, m.ledgerPath, raw)
}

// heartbeat refreshes the ledger every third of the lease until stopped.
func (m *manifestRun) heartbeat() {
	defer close(m.halted)
	t := time.NewTicker(m.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.writeLedger(context.Background())
		}
	}
}

func (m *manifestRun) halt() {
	if m.stop != nil {
		close(m.stop)
		<-m.halted
		m.stop = nil
	}
}

func (m *manifestRun) stagingDir() string { return m.staging }
func (m *manifestRun) storage() Storage   { return m.st.files() }

func (m *manifestRun) abort() error {
	m.halt()
	ctx := context.Background()
	var errs []error
	for _, u := range m.ups.started() {
		errs = append(errs, m.st.abortUpload(ctx, u.Path, u.UploadID))
	}
	ents, _ := m.st.list(ctx, m.area)
	for _, e := range ents {
		if e.rel != manifest.LedgerName {
			errs = append(errs, m.st.remove(ctx, m.st.join(m.area, e.rel)))
		}
	}
	errs = append(errs, m.st.remove(ctx, m.ledgerPath))
	m.tidy()
	return errors.Join(errs...)
}

// tidy removes the local staging directories once empty (object stores have no directories).
func (m *manifestRun) tidy() {
	if _, ok := m.st.(localStore); ok {
		os.Remove(m.area)
		os.Remove(filepath.Join(m.dir, StagingDir)) // fails while another run uses it
	}
}

// current reads the output's manifest and its tag; without a sluice manifest, foreign lists
// the files the output holds.
func (m *manifestRun) current(ctx context.Context) (cur *manifest.Manifest, tag string, foreign []manifest.File, err error) {
	raw, tag, err := m.st.readTagged(ctx, m.st.join(m.dir, manifest.Name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		tag, err = "", nil
	case err != nil:
		return nil, "", nil, err
	default:
		cur, err = manifest.Decode(raw)
		if errors.Is(err, manifest.ErrNotSluice) {
			cur, err = nil, nil
		}
		if err != nil {
			return nil, "", nil, fmt.Errorf("sluice: write: %s: %w", m.st.join(m.dir, manifest.Name), err)
		}
	}
	if cur != nil {
		return cur, tag, nil, nil
	}
	ents, err := m.st.list(ctx, m.dir)
	if err != nil {
		return nil, "", nil, err
	}
	// Files that other runs published but have not committed are theirs, not the output's:
	// an overwrite must not take them for old files to replace.
	theirs := map[string]bool{}
	var runs []string
	for _, e := range ents {
		if rest, ok := strings.CutPrefix(e.rel, StagingDir+"/"); ok {
			if id, name, _ := strings.Cut(rest, "/"); isRunID(id) && name == manifest.LedgerName {
				runs = append(runs, id)
				if led := m.readLedgerOf(ctx, id); led != nil {
					for _, f := range led.Files {
						theirs[f.Path] = true
					}
				}
			}
		}
	}
	for _, e := range ents {
		if hiddenPath(e.rel) || theirs[e.rel] || slices.ContainsFunc(runs, func(id string) bool { return strings.Contains(path.Base(e.rel), id) }) {
			continue
		}
		foreign = append(foreign, manifest.File{Path: e.rel, Rows: -1, Bytes: e.size})
	}
	return nil, tag, foreign, nil
}

func (m *manifestRun) commit(ctx context.Context, r *Run, files []FileInfo) (man *manifest.Manifest, paths []string, err error) {
	var published []string // final paths of ours, to withdraw on failure
	defer func() {
		if err != nil {
			bg := context.WithoutCancel(ctx)
			for _, p := range published {
				m.st.remove(bg, p)
			}
			m.abort()
		}
	}()
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimPrefix(strings.TrimPrefix(f.Path, m.staging), "/")
		if m.multipart {
			names[i] = f.Name
		}
	}
	m.mu.Lock()
	m.doc = r.ledger(manifest.StateCommitting, r.entries(files, names))
	m.mu.Unlock()
	if err := m.writeLedger(ctx); err != nil {
		return nil, nil, err
	}
	// Publish in parallel, as S3A's committers do (fs.s3a.committer.threads): one request per
	// file, so thousands of files must not wait on each other.
	var pubMu sync.Mutex
	var first sync.Once
	err = parallel(ctx, len(files), func(ctx context.Context, i int) error {
		to := m.st.join(m.dir, names[i])
		err := m.st.publish(ctx, files[i].Path, to)
		if errors.Is(err, errTaken) && !m.multipart {
			names[i] = r.withRunID(names[i])
			to = m.st.join(m.dir, names[i])
			err = m.st.publish(ctx, files[i].Path, to)
		}
		if err != nil {
			return fmt.Errorf("sluice: write: commit %s: publish %s: %w; nothing of this run was committed", r.dir, names[i], err)
		}
		pubMu.Lock()
		published = append(published, to)
		pubMu.Unlock()
		if len(files) > 1 {
			first.Do(func() { testPoint("published") })
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	ours := r.entries(files, names)
	ourNames := map[string]bool{}
	for _, n := range names {
		ourNames[n] = true
	}
	for attempt := 0; ; attempt++ {
		cur, tag, foreign, err := m.current(ctx)
		if err != nil {
			return nil, nil, err
		}
		foreign = slices.DeleteFunc(foreign, func(f manifest.File) bool { return ourNames[f.Path] })
		if cur != nil && cur.RunID == r.id {
			man = cur // an earlier try went through, its answer was lost
			break
		}
		if cur != nil || len(foreign) > 0 {
			switch r.opts.Mode {
			case SaveError:
				return nil, nil, fmt.Errorf("sluice: write: commit %s: %w (save mode error); nothing of this run was published", r.dir, ErrConcurrentCommit)
			case SaveIgnore:
				err = errIgnored
				return nil, nil, err
			}
		}
		man = r.next(cur, foreign, ours)
		man.Committer = r.committer
		var replaces []string
		if r.opts.Mode == SaveOverwrite {
			if cur != nil {
				foreign = cur.Files
			}
			for _, f := range foreign {
				if !ourNames[f.Path] {
					replaces = append(replaces, f.Path)
				}
			}
		}
		m.mu.Lock()
		m.doc.Replaces = replaces
		m.doc.Files = ours
		m.mu.Unlock()
		if err := m.writeLedger(ctx); err != nil {
			return nil, nil, err
		}
		raw, err := manifest.Encode(man)
		if err != nil {
			return nil, nil, err
		}
		err = m.st.writeIf(ctx, m.st.join(m.dir, manifest.Name), raw, tag)
		if err == nil {
			break
		}
		if !errors.Is(err, storage.ErrPrecondition) || attempt == 20 {
			return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, err)
		}
		// Another run committed first: re-base on its manifest.
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(50*time.Millisecond) << min(attempt, 4)))):
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("sluice: write: commit %s: %w", r.dir, ctx.Err())
		}
	}
	testPoint("committed")
	published = nil
	bg := context.WithoutCancel(ctx)
	m.mu.Lock()
	replaces := m.doc.Replaces
	m.mu.Unlock()
	var once sync.Once
	parallel(bg, len(replaces), func(ctx context.Context, i int) error {
		m.st.remove(ctx, m.st.join(m.dir, replaces[i]))
		once.Do(func() { testPoint("cleanup") })
		return nil
	})
	m.halt()
	ents, _ := m.st.list(bg, m.area)
	for _, e := range ents {
		if e.rel != manifest.LedgerName {
			m.st.remove(bg, m.st.join(m.area, e.rel))
		}
	}
	m.st.remove(bg, m.ledgerPath)
	m.tidy()
	paths = make([]string, len(names))
	for i, n := range names {
		paths[i] = m.st.join(r.dir, n)
	}
	return man, paths, nil
}

// errIgnored ends a SaveIgnore commit that found a dataset committed meanwhile; Run.Commit
// turns it into a nil manifest and no error.
var errIgnored = errors.New("ignored: the output exists")

// uploadSet holds a multipart run's uploads: started (for the ledger) and finished (to
// complete at commit), by final path.
type uploadSet struct {
	mu       sync.Mutex
	running  map[string]storage.Upload
	finished map[string]storage.Upload
}

func (s *uploadSet) start(u storage.Upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[string]storage.Upload{}
	}
	s.running[u.Path] = u
}

func (s *uploadSet) finish(u storage.Upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished == nil {
		s.finished = map[string]storage.Upload{}
	}
	s.finished[u.Path] = u
}

// take removes p's upload and returns it (the finished form when there is one).
func (s *uploadSet) take(p string) (storage.Upload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.running[p]
	if f, done := s.finished[p]; done {
		u = f
	}
	delete(s.running, p)
	delete(s.finished, p)
	return u, ok
}

func (s *uploadSet) finishedOf(p string) (storage.Upload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.finished[p]
	return u, ok
}

// started returns every upload not yet taken, in path order.
func (s *uploadSet) started() []storage.Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]storage.Upload, 0, len(s.running))
	for _, u := range s.running {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b storage.Upload) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// hiddenPath reports whether a relative path is hidden from readers: a segment starts with
// "_" or "." (the manifest, staging areas, temporary files).
func hiddenPath(rel string) bool {
	for _, s := range strings.Split(strings.ReplaceAll(rel, `\`, "/"), "/") {
		if s != "" && (s[0] == '_' || s[0] == '.') {
			return true
		}
	}
	return false
}

// describe says what an existing output holds, for SaveError's message.
func describe(cur *manifest.Manifest, data []entry) string {
	if cur != nil {
		return fmt.Sprintf("it holds a dataset of %d files committed by run %s at %s", len(cur.Files), cur.RunID, cur.Date)
	}
	ours := 0
	for _, e := range data {
		if strings.HasPrefix(path.Base(e.rel), DefaultPrefix+"_") {
			ours++
		}
	}
	if ours > 0 {
		return fmt.Sprintf("it holds %d files but no %s manifest: if a sluice run wrote them, it did not finish", len(data), manifest.Name)
	}
	return fmt.Sprintf("it holds %d files", len(data))
}

// publishers is how many files a commit publishes (or removes) at once.
const publishers = 16

// parallel calls fn(ctx, i) for i in [0, n), publishers at a time, and returns the first
// error (the others are cancelled through ctx).
func parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(publishers)
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}
