package read

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Sample is one WebDataset sample: the tar members that share a key, by extension.
type Sample struct {
	// Key is the members' common name without its extensions ("train/00042" for
	// train/00042.jpg and train/00042.cls).
	Key string
	// Exts holds the extensions in the order the members came ("jpg", "cls", "seg.png"), and
	// Data each member's bytes, in the same order.
	Exts []string
	Data [][]byte
	// Offset is the byte offset in the tar stream of the sample's first member header.
	Offset int64
}

// Member returns the bytes of the member with extension ext, or nil.
func (s *Sample) Member(ext string) []byte {
	for i, e := range s.Exts {
		if e == ext {
			return s.Data[i]
		}
	}
	return nil
}

// MaxTarMember bounds one tar member's size: a header declaring more is corrupt, not read.
const MaxTarMember = 1 << 30

// TarSamples reads the tar stream r and calls fn with each sample, grouping consecutive
// regular-file members by key as the webdataset package does: a member's key is its path up
// to the first "." of its base name, the rest is its extension (lower-cased). Directories,
// links and members whose base name starts with "." are skipped. A key that comes back after
// another one starts a new sample; a repeated extension within a sample is an error. The
// sample's byte slices are fresh for each call: fn may keep them.
//
// Errors name the member and the stream offset of its header: a truncated or corrupt
// stream, a member over MaxTarMember. An error from fn is returned unchanged.
func TarSamples(r io.Reader, fn func(*Sample) error) error {
	return tarSamples(r, true, fn)
}

// CountTarSamples is the number of samples TarSamples would call fn with, found from the
// member headers alone: the members' bytes are read past, never kept or decoded. Its errors
// are TarSamples' about the stream and its members.
func CountTarSamples(r io.Reader) (int64, error) {
	var n int64
	err := tarSamples(r, false, func(*Sample) error { n++; return nil })
	return n, err
}

// tarSamples is TarSamples; without withData the samples' Data are nil and the members'
// bytes are discarded.
func tarSamples(r io.Reader, withData bool, fn func(*Sample) error) error {
	cr := &countReader{r: r}
	tr := tar.NewReader(cr)
	var cur *Sample
	flush := func() error {
		if cur == nil {
			return nil
		}
		s := cur
		cur = nil
		return callerErr{fn(s)}.orNil()
	}
	for {
		// A member's headers start at the next 512-byte block after the previous member's
		// data: archive/tar reads no further ahead than that.
		at := (cr.n + 511) &^ 511
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("tar: header at byte %d: %w", at, tarCause(err))
		}
		// Members that are not part of a sample are read past (not skipped by Next), so
		// the offsets of the next headers stay exact.
		skip := func() error {
			if _, err := io.Copy(io.Discard, tr); err != nil {
				return fmt.Errorf("tar: member %s at byte %d: %w", h.Name, at, tarCause(err))
			}
			return nil
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			if err := skip(); err != nil {
				return err
			}
			continue
		}
		dir, base := path.Split(h.Name)
		dot := strings.IndexByte(base, '.')
		if base == "" || strings.HasPrefix(base, ".") || dot <= 0 {
			// Hidden, or no extension: not part of a sample (webdataset skips these too).
			if err := skip(); err != nil {
				return err
			}
			continue
		}
		key, ext := dir+base[:dot], strings.ToLower(base[dot+1:])
		if h.Size < 0 || h.Size > MaxTarMember {
			return fmt.Errorf("tar: member %s at byte %d: size %d is over the %d-byte limit", h.Name, at, h.Size, MaxTarMember)
		}
		var data []byte
		if withData {
			data = make([]byte, h.Size)
			if _, err := io.ReadFull(tr, data); err != nil {
				return fmt.Errorf("tar: member %s at byte %d: %w", h.Name, at, tarCause(err))
			}
		} else if err := skip(); err != nil {
			return err
		}
		if cur != nil && cur.Key != key {
			if err := flush(); err != nil {
				return err
			}
		}
		if cur == nil {
			cur = &Sample{Key: key, Offset: at}
		}
		if cur.Member(ext) != nil || containsExt(cur.Exts, ext) {
			return fmt.Errorf("tar: member %s at byte %d: sample %q already has a .%s member", h.Name, at, key, ext)
		}
		cur.Exts = append(cur.Exts, ext)
		cur.Data = append(cur.Data, data)
	}
	return flush()
}

func containsExt(exts []string, ext string) bool {
	for _, e := range exts {
		if e == ext {
			return true
		}
	}
	return false
}

func tarCause(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated stream: %w", err)
	}
	return err
}

// callerErr marks fn's error so TarSamples returns it unchanged.
type callerErr struct{ err error }

func (c callerErr) orNil() error { return c.err }

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
