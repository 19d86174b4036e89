// Package manifest is the format of the file that commits a sluice write: `_SUCCESS`, a JSON
// document written last, and atomically, into the output directory of every directory sink
// (WriteParquet, WriteCSV, WriteJSON, WriteNumpy, WriteImages). Its presence means the run
// that wrote it finished; its file list is the dataset. data/write writes it, data/read honours
// it, and scripts/check_manifest.py checks a directory against it; data/write/MANIFEST.md
// describes the fields for other tools.
//
// The same document, with State "running", is the ledger of a run in progress (LedgerName, in
// the run's staging area). A resumable run (data.Resume) also writes one task record per
// completed write task (StateStaged, TaskRecordPrefix): a rerun with the option reads a dead
// run's ledger and records, keeps the files they list whose sizes and checksums still match,
// and writes only the rest, refusing when the plan fingerprint differs.
//
// The name follows Hadoop's `_SUCCESS` marker, which Spark and the S3A committers also write
// (S3A's is JSON too, with "name", "timestamp", "date", "hostname" and "committer" fields that
// this format keeps); a leading "_" makes pyarrow, Spark, DuckDB and sluice's own listing skip
// it as a data file. A `_SUCCESS` that is not a sluice manifest (Spark's empty marker, an S3A
// SuccessData document) decodes to ErrNotSluice, and readers then list the directory as
// before.
package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Name is the manifest's file name in the output directory.
const Name = "_SUCCESS"

// LedgerName is the ledger's file name inside a run's staging area.
const LedgerName = "_LEDGER"

// FormatName is the value of the "name" field, without the version: "sluice.manifest/1".
const FormatName = "sluice.manifest"

// Version is the format version this package writes. A reader refuses a manifest with a higher
// version: it may list files in a way an older reader would misread.
const Version = 1

// The states of a manifest. Only StateCommitted appears in a `_SUCCESS`.
const (
	StateRunning    = "running"    // a ledger: the run is writing
	StateCommitting = "committing" // a ledger: the run is publishing; Replaces is final
	StateCommitted  = "committed"  // a `_SUCCESS`
	// StateSuspended is the ledger of a resumable run that ended without committing (it
	// failed or was cancelled) and left its staging area for a rerun with the resume option;
	// no lease protects it.
	StateSuspended = "suspended"
	// StateStaged is a task record: one completed write task of a resumable run, its input
	// (Tasks) and the files it staged (Files, relative to the staging area).
	StateStaged = "staged"
)

// TaskRecordPrefix starts the name of a task record in a resumable run's staging area:
// "_TASK_000003" for write task 3.
const TaskRecordPrefix = "_TASK_"

// ErrNotSluice is returned by Decode for a `_SUCCESS` that another tool wrote.
var ErrNotSluice = errors.New("not a sluice manifest")

// Manifest is the decoded `_SUCCESS` (or ledger) of one output directory.
type Manifest struct {
	// Name is FormatName + "/" + the version, as S3A's SuccessData names its format.
	Name string `json:"name"`
	// Version repeats the version as a number.
	Version int `json:"format_version"`
	// State is StateCommitted in a `_SUCCESS`.
	State string `json:"state"`
	// RunID identifies the run that wrote this manifest (see write.NewRunID): 12 hex digits of
	// its start time in milliseconds, then 8 random hex digits, so ids sort by start time.
	RunID string `json:"run_id"`
	// Committer names the protocol that published the run: "local-exchange", "local-rename",
	// "object-copy" or "object-multipart" (see data/write/MANIFEST.md).
	Committer string `json:"committer"`
	// Mode is the run's save mode: "error", "overwrite", "append" or "ignore".
	Mode string `json:"mode"`
	// PlanFingerprint identifies what the run computed: a hash of its physical plan and write
	// options. A resumed run refuses a ledger with another fingerprint.
	PlanFingerprint string `json:"plan_fingerprint"`
	// Timestamp is when the manifest was written, in milliseconds since the Unix epoch, and
	// Date the same instant in RFC 3339 (UTC).
	Timestamp int64  `json:"timestamp"`
	Date      string `json:"date"`
	// Hostname is the machine the run ran on.
	Hostname string `json:"hostname"`
	// Generation counts the commits into this directory that the dataset descends from: 1
	// for a first write or an overwrite, one more for every append.
	Generation int64 `json:"generation"`
	// Rows and Bytes are the sums over Files; Rows is -1 when a file's row count is unknown
	// (files another tool wrote, kept by an append).
	Rows  int64 `json:"rows"`
	Bytes int64 `json:"bytes"`
	// Files is the dataset, in read order: every file a reader must read, and no other.
	Files []File `json:"files"`
	// Runs are the commits whose files Files holds, oldest first.
	Runs []Run `json:"runs"`
	// Replaces, in a ledger in StateCommitting, lists the paths (relative to the output) that
	// the commit makes obsolete: the old files of an overwrite. They are removed after the
	// `_SUCCESS` is in place; a later run finishes the removal if this one was killed.
	Replaces []string `json:"replaces,omitempty"`
	// Uploads, in a ledger of the object-multipart committer, are the run's multipart uploads
	// (started or finished, not yet completed), so that a later run can abort a dead run's.
	Uploads []Upload `json:"uploads,omitempty"`
	// Tasks, in a task record (StateStaged), is the one write task the record completes.
	Tasks []Task `json:"tasks,omitempty"`
}

// Task is a completed write task of a resumable run: its index, its input (TaskContext.Origin:
// a file path, a row range), and how many files it staged (Files of its record).
type Task struct {
	Task  int    `json:"task"`
	Input string `json:"input"`
	Files int    `json:"files"`
}

// Upload is a multipart upload of a run in progress.
type Upload struct {
	Path     string `json:"path"`
	UploadID string `json:"upload_id"`
}

// File is one data file of a dataset.
type File struct {
	// Path is relative to the output directory, with "/" separators.
	Path string `json:"path"`
	// Rows is the file's row count, -1 when unknown.
	Rows int64 `json:"rows"`
	// Bytes is the file's size.
	Bytes int64 `json:"bytes"`
	// CRC32 is the CRC-32 (IEEE polynomial, as zlib.crc32 and S3's CRC32 checksum compute it)
	// of the file's bytes, as 8 lower-case hex digits; "" when unknown.
	CRC32 string `json:"crc32"`
	// RunID is the run that wrote the file ("" for files another tool wrote).
	RunID string `json:"run_id,omitempty"`
	// Task is the index of the write task that wrote it, and Input that task's input (a file
	// path or a row range), for a resumed run to know which inputs are done.
	Task  int    `json:"task"`
	Input string `json:"input,omitempty"`
}

// Run is one commit that contributed files.
type Run struct {
	RunID           string `json:"run_id"`
	Timestamp       int64  `json:"timestamp"`
	Mode            string `json:"mode"`
	PlanFingerprint string `json:"plan_fingerprint"`
	Files           int    `json:"files"`
	Rows            int64  `json:"rows"`
}

// Encode returns m as indented JSON, with Name, Version and the totals filled in. It checks m
// as Decode does.
func Encode(m *Manifest) ([]byte, error) {
	c := *m
	c.Name = FormatName + "/" + strconv.Itoa(Version)
	c.Version = Version
	c.Rows, c.Bytes = 0, 0
	for _, f := range c.Files {
		c.Bytes += f.Bytes
		if f.Rows < 0 || c.Rows < 0 {
			c.Rows = -1
		} else {
			c.Rows += f.Rows
		}
	}
	if c.Files == nil {
		c.Files = []File{}
	}
	if c.Runs == nil {
		c.Runs = []Run{}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sluice: manifest: %w", err)
	}
	return append(out, '\n'), nil
}

// Decode parses a manifest. It returns an error wrapping ErrNotSluice when data is not a sluice
// manifest (empty, not JSON, or another format's name), and a plain error when it is one but
// is damaged or of a newer version.
func Decode(data []byte) (*Manifest, error) {
	var probe struct {
		Name string `json:"name"`
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, fmt.Errorf("sluice: manifest: empty file: %w", ErrNotSluice)
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		if strings.Contains(string(data), `"`+FormatName+"/") {
			// Ours, cut short or damaged: an error, not a reason to list the directory.
			return nil, fmt.Errorf("sluice: manifest: damaged: %w", err)
		}
		return nil, fmt.Errorf("sluice: manifest: %w", ErrNotSluice)
	}
	if !strings.HasPrefix(probe.Name, FormatName+"/") {
		return nil, fmt.Errorf("sluice: manifest: %w", ErrNotSluice)
	}
	v, err := strconv.Atoi(strings.TrimPrefix(probe.Name, FormatName+"/"))
	switch {
	case err != nil:
		return nil, fmt.Errorf("sluice: manifest: bad format name %q", probe.Name)
	case v > Version:
		return nil, fmt.Errorf("sluice: manifest: format version %d is newer than this sluice reads (%d); upgrade sluice", v, Version)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("sluice: manifest: %w", err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// check validates what readers rely on: relative, clean, unique paths and consistent sizes.
func (m *Manifest) check() error {
	seen := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		if err := CheckPath(f.Path); err != nil {
			return err
		}
		if seen[f.Path] {
			return fmt.Errorf("sluice: manifest: file %q listed twice", f.Path)
		}
		seen[f.Path] = true
		if f.Bytes < 0 {
			return fmt.Errorf("sluice: manifest: file %q has negative size %d", f.Path, f.Bytes)
		}
		if f.CRC32 != "" {
			if _, err := strconv.ParseUint(f.CRC32, 16, 32); err != nil || len(f.CRC32) != 8 {
				return fmt.Errorf("sluice: manifest: file %q has bad crc32 %q", f.Path, f.CRC32)
			}
		}
	}
	for _, p := range m.Replaces {
		if err := CheckPath(p); err != nil {
			return err
		}
	}
	return nil
}

// CheckPath reports whether p can name a file of a dataset: relative, "/"-separated, clean,
// not hidden at the top ("_" or "." first, where the manifest and staging areas live).
func CheckPath(p string) error {
	switch {
	case p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == "..":
		return fmt.Errorf("sluice: manifest: bad file path %q (want a clean relative path)", p)
	case p[0] == '_' || p[0] == '.':
		return fmt.Errorf("sluice: manifest: file path %q is hidden", p)
	}
	return nil
}

// FormatCRC32 formats a checksum as File.CRC32 does.
func FormatCRC32(sum uint32) string { return fmt.Sprintf("%08x", sum) }

// Paths returns the paths of m's files, in order.
func (m *Manifest) Paths() []string {
	out := make([]string, len(m.Files))
	for i, f := range m.Files {
		out[i] = f.Path
	}
	return out
}
