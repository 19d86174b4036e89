package read

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// ListOptions filters what ListFiles yields. The zero value lists every non-hidden file and
// fails on a missing path.
type ListOptions struct {
	// Extensions keeps only files whose name ends in "." + one of these, compared without
	// regard to case; a leading dot is ignored, so "csv", ".CSV" and "csv.gz" all work.
	// Empty keeps every file.
	Extensions []string
	// IgnoreMissing skips a path that does not exist (or a glob that matches nothing) instead
	// of failing.
	IgnoreMissing bool
	// Incomplete reads a directory that sluice did not finish writing: one whose manifest
	// lists files that are missing or changed (the others are read), or one without a
	// manifest that holds a run's staging area (its published files are read). A warning
	// naming what is missing is logged (log/slog). Without it, both are errors.
	Incomplete bool
}

// ListFiles expands paths and calls fn once per file, streaming: fn is called as files are
// found, so reading can start while listing continues.
//
// A path may be a file (yielded even if its name is hidden), a directory (walked recursively),
// or a glob: "*", "?" and "[...]" match within one path segment as in path.Match, "**" matches
// any number of segments, and a glob that matches a directory yields the files under it. Files
// come in input order and, within one input, in lexical order. Under a directory or glob, files
// and directories whose name starts with "." or "_" are skipped, as Ray does (".git",
// "_SUCCESS", "_temporary"), unless the glob segment matching them starts with that character.
// Files are not deduplicated: a file named by two inputs is listed twice.
//
// A directory path (not a glob) that holds a sluice `_SUCCESS` manifest yields exactly the
// files the manifest lists, in its order, so a write that was killed part way through its
// publish, or the leftovers of a replaced dataset, are never read; each listed file must be
// there with the listed size. A directory without a manifest but with a sluice run's staging
// area ("_sluice") is a write in progress or a killed one, and an error. opts.Incomplete turns
// both errors into warnings (see ListOptions). Checking for the manifest costs one open per
// path (one GET on an object store).
//
// Errors: a missing path or an unmatched glob gives "sluice: list: <path>: no such file or
// directory" (errors.Is fs.ErrNotExist) unless opts.IgnoreMissing; no file at all after
// filtering gives an error wrapping ErrNoFiles that names the paths and extensions; an error
// returned by fn stops the listing and is returned unchanged; ctx is checked between files.
func ListFiles(ctx context.Context, st Storage, paths []string, opts ListOptions, fn func(File) error) error {
	exts := make([]string, 0, len(opts.Extensions))
	for _, e := range opts.Extensions {
		e = strings.ToLower(strings.TrimPrefix(e, "."))
		if e != "" {
			exts = append(exts, "."+e)
		}
	}
	total, manifests := 0, 0
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "" {
			return errors.New("sluice: list: empty path")
		}
		n, fromManifest, err := listOne(ctx, st, p, exts, opts, func(f File) error {
			total++
			return fn(f)
		})
		if fromManifest && n == 0 {
			manifests++ // an empty dataset, committed: not "no files"
		}
		var me missingError
		switch {
		case errors.As(err, &me) && opts.IgnoreMissing:
			continue
		case errors.As(err, &me):
			return me.error
		case err != nil:
			return err
		case n == 0 && hasMeta(p) && !opts.IgnoreMissing:
			return fmt.Errorf("sluice: list: %s: %w", p, errNoMatch)
		}
	}
	if total == 0 && manifests == 0 {
		return fmt.Errorf("sluice: list: %w in %q with extensions %q", ErrNoFiles, paths, opts.Extensions)
	}
	return nil
}

// callerError marks an error returned by the caller's fn so it passes through unchanged.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }

// listOne lists a single input path and returns how many files existed under it before the
// extension filter (0 for an unmatched glob), and whether they came from a manifest.
func listOne(ctx context.Context, st Storage, p string, exts []string, opts ListOptions, fn func(File) error) (int, bool, error) {
	root, pat := splitGlob(p)
	if pat == nil {
		m, err := readManifest(ctx, st, root)
		if err != nil {
			return 0, false, err
		}
		if m != nil {
			n, err := listManifest(ctx, st, root, m, exts, opts, fn)
			if errors.Is(err, errManifestMoved) {
				// A commit replaced the output between reading the manifest and listing the
				// files: list the new version, once.
				if m, err = readManifest(ctx, st, root); err == nil && m != nil {
					n, err = listManifest(ctx, st, root, m, exts, opts, fn)
				}
			}
			var ce callerError
			if errors.As(err, &ce) {
				return n, true, ce.err
			}
			return n, true, err
		}
		if area := unfinished(ctx, st, root); area != "" {
			n, err := listUnfinished(ctx, st, p, root, area, exts, opts, fn)
			var ce callerError
			if errors.As(err, &ce) {
				err = ce.err
			}
			return n, false, err
		}
	}
	n, err := listGlob(ctx, st, p, root, pat, exts, fn)
	return n, false, err
}

// listGlob lists the files under root that pat matches (all of them when pat is nil).
func listGlob(ctx context.Context, st Storage, p, root string, pat, exts []string, fn func(File) error) (int, error) {
	for _, seg := range pat {
		if _, err := path.Match(seg, ""); err != nil {
			return 0, fmt.Errorf("sluice: list: %s: bad glob pattern %q", p, seg)
		}
	}
	found := 0
	err := st.Walk(ctx, root, func(f File) error {
		rel := relSegments(root, f.Path)
		if pat != nil {
			k := matchPrefix(pat, rel)
			if k == 0 || hidden(rel, pat) {
				return nil
			}
		} else if hidden(rel, nil) {
			return nil
		}
		found++
		if !hasExt(f.Path, exts) {
			return nil
		}
		if err := fn(f); err != nil {
			return callerError{err}
		}
		return nil
	})
	var ce callerError
	switch {
	case err == nil:
		return found, nil
	case errors.As(err, &ce):
		return found, ce.err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return found, err
	case errors.Is(err, fs.ErrNotExist) && found == 0:
		if pat != nil {
			return 0, nil // reported by the caller as an unmatched glob
		}
		return 0, missing(p)
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return found, fmt.Errorf("sluice: list: %s: %w", pe.Path, pe.Err)
		}
		return found, fmt.Errorf("sluice: list: %s: %w", p, err)
	}
}

// missingError marks a path that does not exist; ListFiles skips it when IgnoreMissing is set.
type missingError struct{ error }

func missing(p string) error {
	if s := siblingStaging(p); s != "" {
		return missingError{fmt.Errorf("sluice: list: %s: %w (a sluice run that was to write it did not finish: %s holds its staged files; rerun the write)", p, errNoSuchFile, s)}
	}
	return missingError{fmt.Errorf("sluice: list: %s: %w", p, errNoSuchFile)}
}

func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// splitGlob splits p into the directory to walk and the pattern segments below it (nil when p
// has no glob characters).
func splitGlob(p string) (root string, pat []string) {
	if !hasMeta(p) {
		return p, nil
	}
	segs := strings.Split(filepath.ToSlash(p), "/")
	i := 0
	for i < len(segs) && !hasMeta(segs[i]) {
		i++
	}
	root = strings.Join(segs[:i], "/")
	switch {
	case root == "" && strings.HasPrefix(p, "/"):
		root = "/"
	case root == "":
		root = "."
	}
	return filepath.FromSlash(root), segs[i:]
}

// relSegments returns the path segments of file below root (empty when file is root).
func relSegments(root, file string) []string {
	rel, err := filepath.Rel(root, file)
	if err != nil || rel == "." {
		return nil
	}
	return strings.Split(filepath.ToSlash(rel), "/")
}

// matchPrefix returns k > 0 when pat matches segs[:k] exactly: the file itself (k = len(segs))
// or a directory above it. It returns 0 when nothing matches.
func matchPrefix(pat, segs []string) int {
	for k := 1; k <= len(segs); k++ {
		if matchSegs(pat, segs[:k]) {
			return k
		}
	}
	return 0
}

func matchSegs(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegs(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, err := path.Match(pat[0], segs[0])
	return err == nil && ok && matchSegs(pat[1:], segs[1:])
}

// hidden reports whether a segment of rel starts with "." or "_". A segment is exempt when the
// glob segment in the same position starts with the same character, so ".cache/*" still lists.
func hidden(rel, pat []string) bool {
	for i, s := range rel {
		if s == "" || (s[0] != '.' && s[0] != '_') {
			continue
		}
		if i < len(pat) && pat[i] != "" && pat[i][0] == s[0] {
			continue
		}
		return true
	}
	return false
}

func hasExt(p string, exts []string) bool {
	if len(exts) == 0 {
		return true
	}
	name := strings.ToLower(p)
	for _, e := range exts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}
