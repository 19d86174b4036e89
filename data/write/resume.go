package write

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/data/manifest"
)

// Resumable runs (RunOptions.Resume). A resumable run records every write task it completes
// in its staging area, beside its ledger: a task record (manifest.StateStaged, named
// manifest.TaskRecordPrefix + the task index) holding the task's index, its input and the
// files it staged, each with its size and CRC-32, written atomically once the task's files
// are all complete. A run that fails or is cancelled suspends instead of aborting (its ledger
// says manifest.StateSuspended and its staging area stays); a killed run leaves its area as
// it was.
//
// A rerun with Resume adopts the newest dead run's staging area instead of removing it: it
// takes the dead run's id (so its files keep their names), refuses when the dead run's plan
// fingerprint or save mode differs from its own (resumeRefusal says why and what to do),
// keeps every task record whose files are all there with the recorded size and checksum,
// and removes everything else from the area (files of tasks cut short, temporaries). The
// caller skips the inputs of the kept tasks (Resumed) and Commit publishes the kept files
// with the new ones, so the committed dataset is the one a clean run would have written.
//
// CommitterMultipart cannot resume (a dead run's finished uploads cannot be completed
// without their part lists): a resumable run on S3 uses CommitterCopy.

// ResumedTask is a write task that a resumed run adopted from the dead run it resumes.
type ResumedTask struct {
	Task  int
	Input string
	Files []FileInfo
}

func taskRecordName(task int) string {
	return manifest.TaskRecordPrefix + fmt.Sprintf("%06d", task)
}

// Resumed reports whether write task task, reading input, was completed by the run this one
// resumes: its files are staged and will be committed, and the caller must not write it again.
// Only the tasks it reported (and the caller so skipped) are committed from the dead run: an
// adopted task whose input is now another is written again.
func (r *Run) Resumed(task int, input string) bool {
	r.resumeMu.Lock()
	defer r.resumeMu.Unlock()
	t, ok := r.resumed[task]
	if ok && t.Input == input {
		if r.skipped == nil {
			r.skipped = map[int]bool{}
		}
		r.skipped[task] = true
		return true
	}
	return false
}

// ResumedTasks returns the tasks adopted from the resumed run, in task order (none when the
// run resumes nothing).
func (r *Run) ResumedTasks() []ResumedTask {
	out := make([]ResumedTask, 0, len(r.resumed))
	for _, t := range r.resumed {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b ResumedTask) int { return a.Task - b.Task })
	return out
}

// ResumedFrom describes the run this one resumes ("" when none), for a log line.
func (r *Run) ResumedFrom() string { return r.resumedFrom }

// RecordTask records, in a resumable run, that write task task has completed input and
// staged files (everything its FilesWriter returned; none for an input with no rows). The
// record is written atomically: a rerun either sees all of the task or none of it. It is a
// no-op for a run without RunOptions.Resume. It may be called from many goroutines.
func (r *Run) RecordTask(ctx context.Context, task int, input string, files []FileInfo) error {
	if !r.opts.Resume {
		return nil
	}
	rec := r.ledger(manifest.StateStaged, make([]manifest.File, len(files)))
	for i, f := range files {
		rec.Files[i] = manifest.File{Path: f.Name, Rows: f.Rows, Bytes: f.Bytes, CRC32: manifest.FormatCRC32(f.CRC32),
			RunID: r.id, Task: f.Task, Input: f.Input}
	}
	rec.Tasks = []manifest.Task{{Task: task, Input: input, Files: len(files)}}
	raw, err := manifest.Encode(rec)
	if err != nil {
		return err
	}
	st, area := r.impl.recordArea()
	if err := st.put(ctx, st.join(area, taskRecordName(task)), raw); err != nil {
		return fmt.Errorf("sluice: write: %s: record task %d: %w", r.dir, task, err)
	}
	testPoint("recorded")
	return nil
}

// Suspend ends a resumable run that will not commit (it failed or was cancelled), leaving its
// staging area and task records for a rerun with Resume; the output is left as it was. For a
// run without RunOptions.Resume it is Abort. It is a no-op after Commit, Abort or Suspend.
func (r *Run) Suspend() error {
	if r == nil || r.done {
		return nil
	}
	if !r.opts.Resume {
		return r.Abort()
	}
	r.done = true
	return r.impl.suspend(r.ledger(manifest.StateSuspended, nil))
}

// resumable says whether a dead run's ledger can be resumed by r: nil, or the refusal.
func (r *Run) resumable(led *manifest.Manifest, staged int) error {
	var why string
	switch {
	case led.PlanFingerprint != r.opts.PlanFingerprint:
		why = fmt.Sprintf("its plan fingerprint %s differs from this run's %s: the plan or the write's options changed since",
			short(led.PlanFingerprint), short(r.opts.PlanFingerprint))
	case led.Mode != r.opts.Mode.String():
		why = fmt.Sprintf("it was started in save mode %s, this run is in save mode %s", led.Mode, r.opts.Mode)
	default:
		return nil
	}
	return fmt.Errorf("sluice: write: %s: %w: run %s (started %s, %d tasks staged) cannot be resumed: %s; rerun the original write with Resume to finish it, or write without Resume to discard it and start over",
		r.dir, ErrResumeRefused, led.RunID, runTime(led.RunID).Format("2006-01-02 15:04:05Z"), staged, why)
}

// ErrResumeRefused is wrapped by BeginRun's error when a resumable run finds a dead run that it
// cannot resume (another plan, another save mode); the dead run's staging area is left as it
// was.
var ErrResumeRefused = errors.New("resume refused")

func short(fp string) string {
	if fp == "" {
		return `""`
	}
	if len(fp) > 19 {
		return fp[:19] + "..."
	}
	return fp
}

// adopt makes r the continuation of the dead run whose ledger is led and whose staging area
// is area in st: r takes its id, keeps every task record whose files are intact, and removes
// every other file of the area but the ledger. It checks resumable first and changes nothing
// when it refuses.
func (r *Run) adopt(ctx context.Context, st store, area, staging string, led *manifest.Manifest) error {
	ents, err := st.list(ctx, area)
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	var records []string
	for _, e := range ents {
		sizes[e.rel] = e.size
		if strings.HasPrefix(e.rel, manifest.TaskRecordPrefix) && !strings.Contains(e.rel, "/") {
			if _, err := strconv.Atoi(strings.TrimPrefix(e.rel, manifest.TaskRecordPrefix)); err == nil {
				records = append(records, e.rel)
			}
		}
	}
	if err := r.resumable(led, len(records)); err != nil {
		return err
	}
	r.id = led.RunID
	r.resumed = map[int]ResumedTask{}
	keep := map[string]bool{manifest.LedgerName: true}
	dropped := 0
	for _, name := range records {
		t, ok := r.readRecord(ctx, st, area, staging, name, sizes)
		if !ok {
			dropped++
			continue
		}
		r.resumed[t.Task] = t
		keep[name] = true
		for _, f := range t.Files {
			keep[f.Name] = true
		}
	}
	removed := 0
	for _, e := range ents {
		if !keep[e.rel] {
			if err := st.remove(ctx, st.join(area, e.rel)); err != nil {
				return err
			}
			removed++
		}
	}
	files := 0
	for _, t := range r.resumed {
		files += len(t.Files)
		for _, f := range t.Files {
			// The prefix the dead run chose (plain or with its id) names its files; the rest of
			// the run must use the same one.
			if strings.HasPrefix(f.Name, DefaultPrefix+"_"+r.id+"_") {
				r.prefix = DefaultPrefix + "_" + r.id
			} else {
				r.prefix = DefaultPrefix
			}
		}
	}
	r.resumedFrom = fmt.Sprintf("resuming run %s (started %s): %d write tasks complete with %d files staged (their inputs are skipped); %d damaged task records and %d other files of the run removed",
		r.id, runTime(r.id).Format("2006-01-02 15:04:05Z"), len(r.resumed), files, dropped, removed-dropped)
	return nil
}

// readRecord reads one task record and checks its files against their sizes and checksums.
func (r *Run) readRecord(ctx context.Context, st store, area, staging, name string, sizes map[string]int64) (ResumedTask, bool) {
	raw, _, err := st.readTagged(ctx, st.join(area, name))
	if err != nil {
		return ResumedTask{}, false
	}
	rec, err := manifest.Decode(raw)
	if err != nil || rec.State != manifest.StateStaged || rec.RunID != r.id || len(rec.Tasks) != 1 ||
		rec.Tasks[0].Files != len(rec.Files) || name != taskRecordName(rec.Tasks[0].Task) {
		return ResumedTask{}, false
	}
	t := ResumedTask{Task: rec.Tasks[0].Task, Input: rec.Tasks[0].Input}
	for i, f := range rec.Files {
		size, ok := sizes[f.Path]
		if !ok || size != f.Bytes || strings.Contains(f.Path, "/") {
			return ResumedTask{}, false
		}
		sum, err := st.checksum(ctx, st.join(area, f.Path))
		if err != nil || manifest.FormatCRC32(sum) != f.CRC32 {
			return ResumedTask{}, false
		}
		t.Files = append(t.Files, FileInfo{Path: joinPath(staging, f.Path), Name: f.Path, Task: t.Task, Index: i,
			Input: f.Input, Rows: f.Rows, Bytes: f.Bytes, CRC32: sum})
	}
	return t, true
}

// withResumed returns files with the files of every adopted task that the caller skipped
// (Resumed) and files does not redo. The staged files of the other adopted tasks are removed,
// so that they cannot become part of the output.
func (r *Run) withResumed(ctx context.Context, files []FileInfo) []FileInfo {
	if len(r.resumed) == 0 {
		return files
	}
	r.resumeMu.Lock()
	defer r.resumeMu.Unlock()
	redone := map[int]bool{}
	ours := map[string]bool{}
	for _, f := range files {
		redone[f.Task] = true
		ours[f.Path] = true
	}
	for _, t := range r.ResumedTasks() {
		if r.skipped[t.Task] && !redone[t.Task] {
			files = append(files, t.Files...)
			continue
		}
		for _, f := range t.Files {
			if !ours[f.Path] {
				r.impl.storage().Remove(ctx, f.Path)
			}
		}
	}
	return files
}

// resumableLedger reports whether a dead run's ledger describes a run a rerun can continue:
// one that was writing (or suspended), not one that was publishing.
func resumableLedger(led *manifest.Manifest, id string) bool {
	return led != nil && led.RunID == id && (led.State == manifest.StateRunning || led.State == manifest.StateSuspended)
}

// removeRecords removes a run's task records from its area (before the exchange committer
// turns the area into the output).
func removeRecords(ctx context.Context, st store, area string) error {
	ents, err := st.list(ctx, area)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.rel, manifest.TaskRecordPrefix) {
			if err := st.remove(ctx, st.join(area, e.rel)); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileChecksum is the CRC-32 (IEEE) of a reader's bytes.
func fileChecksum(rd io.Reader) (uint32, error) {
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, rd); err != nil {
		return 0, err
	}
	return h.Sum32(), nil
}

func localChecksum(p string) (uint32, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return fileChecksum(f)
}
