package write

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicedata/sluice/data/manifest"
	"github.com/sluicedata/sluice/storage"
)

// localStore is CommitterRename's store: files on the operating system, published by a hard
// link (which fails rather than replace) and the removal of the staged name.
type localStore struct{}

var _ store = localStore{}

func (localStore) join(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

func (localStore) list(ctx context.Context, dir string) ([]entry, error) {
	var out []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return ctx.Err()
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, entry{rel: filepath.ToSlash(rel), size: fi.Size(), mod: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sluice: write: list %s: %w", dir, err)
	}
	return out, nil
}

// localTag is a file's tag: its checksum and size.
func localTag(data []byte) string { return fmt.Sprintf("%08x-%d", crc32.ChecksumIEEE(data), len(data)) }

func (localStore) readTagged(ctx context.Context, p string) ([]byte, string, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, "", fmt.Errorf("sluice: write: read %s: %w", p, err)
	}
	return data, localTag(data), nil
}

func (s localStore) writeIf(ctx context.Context, p string, data []byte, tag string) error {
	// Every compare-and-swap of one output holds a lock on the output directory itself (this
	// committer never replaces the directory, so its inode is stable).
	lock := filepath.Dir(p)
	unlock, err := lockPath(lock)
	if err != nil {
		return fmt.Errorf("sluice: write: lock %s: %w", lock, err)
	}
	defer unlock()
	cur, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if tag != "" {
			return fmt.Errorf("sluice: write: %s: %w (it was removed)", p, storage.ErrPrecondition)
		}
	case err != nil:
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	case tag == "" || localTag(cur) != tag:
		return fmt.Errorf("sluice: write: %s: %w (another run changed it)", p, storage.ErrPrecondition)
	}
	return s.put(ctx, p, data)
}

func (localStore) put(ctx context.Context, p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	}
	f, err := createTemp(filepath.Dir(p), filepath.Base(p))
	if err != nil {
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("sluice: write: %s: %w", p, err)
	}
	return nil
}

func (localStore) checksum(ctx context.Context, p string) (uint32, error) { return localChecksum(p) }

func (localStore) remove(ctx context.Context, p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sluice: write: remove %s: %w", p, err)
	}
	// A staging directory left empty goes too (its parent _sluice stays while others use it).
	if dir := filepath.Dir(p); strings.Contains(filepath.ToSlash(dir), "/"+StagingDir+"/") {
		os.Remove(dir)
	}
	return nil
}

func (localStore) publish(ctx context.Context, from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o777); err != nil {
		return err
	}
	err := os.Link(from, to)
	switch {
	case errors.Is(err, fs.ErrExist):
		return errTaken
	case err != nil:
		// No hard links here: rename, after checking that nothing is in the way (a race
		// with a foreign writer remains; sluice runs do not collide, see the naming rule).
		if _, serr := os.Lstat(to); serr == nil {
			return errTaken
		}
		return os.Rename(from, to)
	}
	return os.Remove(from)
}

func (localStore) files() Storage { return localStorage{} }

func (localStore) uploads(context.Context, string) ([]uploadInfo, error) { return nil, nil }
func (localStore) abortUpload(context.Context, string, string) error     { return nil }

// writeFileAtomic writes m encoded to p by a temporary file renamed over it.
func writeFileAtomic(p string, m *manifest.Manifest) error {
	raw, err := manifest.Encode(m)
	if err != nil {
		return err
	}
	return localStore{}.put(context.Background(), p, raw)
}

// readManifestFile reads and decodes a local manifest.
func readManifestFile(p string) (*manifest.Manifest, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return manifest.Decode(raw)
}

// describeLocal says what an existing local output holds, for SaveError's message.
func describeLocal(dir string) string {
	cur, _ := readManifestFile(filepath.Join(dir, manifest.Name))
	var data []entry
	if cur == nil {
		ents, _ := localStore{}.list(context.Background(), dir)
		for _, e := range ents {
			if !hiddenPath(e.rel) {
				data = append(data, e)
			}
		}
	}
	return describe(cur, data)
}
