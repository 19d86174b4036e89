package storage

import (
	"context"
	"fmt"
	"io"

	"gocloud.dev/blob"
)

// Open opens the object at p for a sequential read from the start. The caller must Close the
// reader. A stream cut short by the network (a reset or dropped connection, a 5xx) is resumed
// from the byte it stopped at with a new range request, up to f.Retry's bound, so a whole-file
// reader (images, CSV, .npy) sees one unbroken stream. A missing object gives an error
// satisfying errors.Is(err, fs.ErrNotExist). The reader stops with ctx's error once ctx ends.
func (f *FS) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return nil, err
	}
	r := &streamReader{ctx: ctx, fs: f, b: b, l: l}
	if err := f.Retry.Do(ctx, r.reopen); err != nil {
		return nil, wrapErr("open", l, err)
	}
	return r, nil
}

// streamReader reads one object sequentially, reopening at its offset after a transient error.
type streamReader struct {
	ctx context.Context
	fs  *FS
	b   *blob.Bucket
	l   location
	r   *blob.Reader // nil after Close
	off int64        // bytes delivered so far
	end bool
}

func (s *streamReader) reopen() error {
	if s.r != nil {
		s.r.Close()
		s.r = nil
	}
	r, err := s.b.NewRangeReader(s.ctx, s.l.key, s.off, -1, nil)
	if err != nil {
		return err
	}
	s.r = r
	return nil
}

func (s *streamReader) Read(p []byte) (int, error) {
	if s.end {
		return 0, io.EOF
	}
	if s.r == nil {
		return 0, fmt.Errorf("sluice: storage: read %s: reader closed", s.l)
	}
	retry := s.fs.Retry.withDefaults()
	for fails := 1; ; fails++ {
		n, err := s.r.Read(p)
		s.off += int64(n)
		if err == io.EOF && s.off < s.r.Size() {
			err = io.ErrUnexpectedEOF // the connection ended before the object did
		}
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF:
			s.end = true
			return n, io.EOF
		case n > 0:
			// Deliver what arrived; the next Read fails again on the dead body and resumes.
			return n, nil
		case !Retryable(err) || s.ctx.Err() != nil || fails >= retry.Attempts:
			return 0, wrapErr("read", s.l, err)
		}
		// Reading resumes only after progress-free failures stay within the bound, so a
		// server that accepts requests but always cuts them off ends the stream.
		if serr := retry.sleep(s.ctx, fails); serr != nil {
			return 0, wrapErr("read", s.l, err)
		}
		if rerr := retry.Do(s.ctx, s.reopen); rerr != nil {
			return 0, wrapErr("read", s.l, rerr)
		}
	}
}

func (s *streamReader) Close() error {
	if s.r == nil {
		return nil
	}
	err := s.r.Close()
	s.r = nil
	return err
}
