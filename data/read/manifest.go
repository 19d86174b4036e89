package read

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/storage"
)

// A directory that sluice wrote holds a `_SUCCESS` manifest (package data/manifest) listing
// exactly the files of its dataset. ListFiles reads exactly those, in the manifest's order, so
// that whatever else the directory holds (the files of a run that was killed while it
// published, the replaced files of an overwrite whose cleanup was cut short) is invisible.
// A `_SUCCESS` another tool wrote (Spark's empty marker, S3A's JSON) is not a sluice manifest
// and the directory is listed as before.

// stagingDir is data/write.StagingDir: where a run that has not committed keeps its staged
// files and ledger inside the output (object stores, and local disks without the exchange).
const stagingDir = "_sluice"

// joinRoot joins a directory path and a relative "/" path in the directory's form.
func joinRoot(root, rel string) string {
	if storage.IsURL(root) {
		return strings.TrimSuffix(root, "/") + "/" + rel
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// readManifest returns the sluice manifest of the directory root, or nil when root is not a
// directory or holds none (or holds another tool's `_SUCCESS`).
func readManifest(ctx context.Context, st Storage, root string) (*manifest.Manifest, error) {
	p := joinRoot(root, manifest.Name)
	rc, err := st.Open(ctx, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil
		}
		return nil, fmt.Errorf("sluice: list: %s: %w", p, unwrapPath(err))
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("sluice: list: %s: %w", p, unwrapPath(err))
	}
	m, err := manifest.Decode(raw)
	switch {
	case errors.Is(err, manifest.ErrNotSluice):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("sluice: list: %s: %w", p, trimSluice(err))
	}
	return m, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// trimSluice drops a "sluice: " prefix so a wrapped message says it once.
type trimmed struct{ err error }

func (t trimmed) Error() string { return strings.TrimPrefix(t.err.Error(), "sluice: ") }
func (t trimmed) Unwrap() error { return t.err }

func trimSluice(err error) error { return trimmed{err} }

// errManifestMoved says that the output's manifest changed while it was being listed.
var errManifestMoved = errors.New("the manifest changed during the listing")

// listManifest yields the files m lists under root that have one of exts, after checking
// that each is there with the size the manifest gives. A file missing or changed is an error
// naming it, unless opts.Incomplete, which logs a warning and skips it. It returns how many
// files m lists.
func listManifest(ctx context.Context, st Storage, root string, m *manifest.Manifest, exts []string, opts ListOptions, fn func(File) error) (int, error) {
	have := map[string]int64{}
	err := st.Walk(ctx, root, func(f File) error {
		if segs := relSegments(root, f.Path); len(segs) > 0 {
			have[strings.Join(segs, "/")] = f.Size
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("sluice: list: %s: %w", root, unwrapPath(err))
	}
	var bad []string
	for _, f := range m.Files {
		size, ok := have[f.Path]
		switch {
		case !ok:
			bad = append(bad, f.Path+" (missing)")
		case size != f.Bytes:
			bad = append(bad, fmt.Sprintf("%s (%d bytes, the manifest says %d)", f.Path, size, f.Bytes))
		}
	}
	if len(bad) > 0 {
		if again, err := readManifest(ctx, st, root); err == nil && again != nil && again.RunID != m.RunID {
			return 0, errManifestMoved
		}
		what := fmt.Sprintf("%s: the %s manifest (run %s) lists %d files that are not as it says: %s", root, manifest.Name, m.RunID, len(bad), listSome(bad))
		if !opts.Incomplete {
			return 0, fmt.Errorf("sluice: list: %s; the dataset is incomplete (pass data.ReadIncomplete() to read the rest)", what)
		}
		slog.Warn("sluice: list: " + what + "; reading the rest (ReadIncomplete)")
	}
	for _, f := range m.Files {
		size, ok := have[f.Path]
		if !ok || size != f.Bytes || !hasExt(f.Path, exts) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := fn(File{Path: joinRoot(root, f.Path), Size: size}); err != nil {
			return 0, callerError{err}
		}
	}
	return len(m.Files), nil
}

func listSome(items []string) string {
	const show = 5
	if len(items) <= show {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:show], ", "), len(items)-show)
}

// unfinished returns the staging area of a sluice run inside root ("" when there is none):
// the sign, in a directory without a manifest, that a run writing it has not committed.
func unfinished(ctx context.Context, st Storage, root string) string {
	area := joinRoot(root, stagingDir)
	if !storage.IsURL(root) {
		if fi, err := os.Stat(area); err == nil && fi.IsDir() {
			return area
		}
		return ""
	}
	found := errors.New("found")
	if err := st.Walk(ctx, area+"/", func(File) error { return found }); err == found {
		return area
	}
	return ""
}

// siblingStaging returns the staging directory a sluice run writing the local directory
// root left beside it (".<name>.sluice-<run id>"), "" when there is none: why a directory that
// a killed first run was to create is missing.
func siblingStaging(root string) string {
	if storage.IsURL(root) {
		return ""
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	ents, err := os.ReadDir(filepath.Dir(abs))
	if err != nil {
		return ""
	}
	prefix := "." + filepath.Base(abs) + ".sluice-"
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.IsDir() {
			return filepath.Join(filepath.Dir(root), e.Name())
		}
	}
	return ""
}

// listUnfinished lists a directory without a manifest that holds a sluice run's staging area.
// The files that a run there published but did not commit (named in its ledger, or carrying
// its id) are not the directory's dataset and are left out; what remains (files another tool
// wrote, which an overwrite in progress has not replaced) is listed. When nothing remains the
// directory is a run that never committed: an error naming what is missing, unless
// opts.Incomplete, which lists every file with a warning.
func listUnfinished(ctx context.Context, st Storage, p, root, area string, exts []string, opts ListOptions, fn func(File) error) (int, error) {
	theirs := map[string]bool{}
	var ids []string
	st.Walk(ctx, strings.TrimSuffix(area, "/")+"/", func(f File) error {
		segs := relSegments(area, f.Path)
		if len(segs) != 2 || segs[1] != manifest.LedgerName {
			return nil
		}
		ids = append(ids, segs[0])
		rc, err := st.Open(ctx, f.Path)
		if err != nil {
			return nil
		}
		defer rc.Close()
		raw, _ := io.ReadAll(rc)
		if led, err := manifest.Decode(raw); err == nil {
			for _, lf := range led.Files {
				theirs[lf.Path] = true
			}
		}
		return nil
	})
	var keep, runs []File
	found, err := listGlob(ctx, st, p, root, nil, nil, func(f File) error {
		rel := strings.Join(relSegments(root, f.Path), "/")
		base := rel[strings.LastIndex(rel, "/")+1:]
		if theirs[rel] || slices.ContainsFunc(ids, func(id string) bool { return len(id) >= 8 && strings.Contains(base, id) }) {
			runs = append(runs, f)
		} else {
			keep = append(keep, f)
		}
		return nil
	})
	if err != nil && !errors.As(err, new(missingError)) {
		return found, err
	}
	if len(keep) == 0 {
		what := fmt.Sprintf("%s: no %s manifest, but %s holds the staging area of a sluice run that has not committed (it is running, or it was killed): the %d files here are not a complete dataset", p, manifest.Name, area, len(runs))
		if !opts.Incomplete {
			return found, fmt.Errorf("sluice: list: %s; rerun the write, or pass data.ReadIncomplete() to read them anyway", what)
		}
		slog.Warn("sluice: list: " + what + "; reading them anyway (ReadIncomplete)")
		keep = runs
	}
	for _, f := range keep {
		if !hasExt(f.Path, exts) {
			continue
		}
		if err := fn(f); err != nil {
			return found, callerError{err}
		}
	}
	return len(keep), nil
}
