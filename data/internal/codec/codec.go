// Package codec holds the stream compression codecs sluice's file readers and writers share:
// gzip and zstd (klauspost/compress), bzip2 (the standard library; read only, as no maintained
// Go encoder is available here), LZ4 frames (pierrec/lz4) and xz (ulikunitz/xz). Every codec
// streams: nothing holds a whole file in memory.
package codec

import (
	"bufio"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// The codec names, as pyarrow's Codec names them ("bz2", not "bzip2"). None reads or writes a
// file as it is, whatever its extension.
const (
	None  = "none"
	Gzip  = "gzip"
	Zstd  = "zstd"
	Bzip2 = "bz2"
	LZ4   = "lz4"
	XZ    = "xz"
)

// exts maps each file name extension (with its dot) to the codec it stands for.
var exts = []struct{ ext, codec string }{
	{".gz", Gzip}, {".gzip", Gzip}, {".zst", Zstd}, {".zstd", Zstd}, {".bz2", Bzip2},
	{".lz4", LZ4}, {".xz", XZ},
}

// Extensions are the extensions ByExtension recognises, without the dot.
func Extensions() []string {
	out := make([]string, len(exts))
	for i, e := range exts {
		out[i] = e.ext[1:]
	}
	return out
}

// ByExtension is the codec a path's extension names (compared without regard to case), or
// None.
func ByExtension(path string) string {
	lower := strings.ToLower(path)
	for _, e := range exts {
		if strings.HasSuffix(lower, e.ext) {
			return e.codec
		}
	}
	return None
}

// Ext is the extension, without the dot, that files compressed with codec carry ("gz" for
// gzip), and "" for None.
func Ext(codec string) string {
	for _, e := range exts {
		if e.codec == codec {
			return e.ext[1:]
		}
	}
	return ""
}

// Check returns an error unless codec is a known codec name or "" (detect by extension).
func Check(codec string) error {
	switch codec {
	case "", None, Gzip, Zstd, Bzip2, LZ4, XZ:
		return nil
	}
	return fmt.Errorf("unknown compression %q (want one of none, gzip, zstd, bz2, lz4, xz)", codec)
}

// Resolve is the codec to read path with: codec itself, or for "" the one its extension names.
func Resolve(codec, path string) string {
	if codec == "" {
		return ByExtension(path)
	}
	return codec
}

// StreamError is a decompression failure: a corrupt or truncated stream. Offset is how many
// compressed bytes the decoder had consumed when it failed (exact for gzip and bzip2, which
// read byte by byte; xz, zstd and lz4 read ahead by up to a block); Decoded is how many bytes
// it had produced.
type StreamError struct {
	Codec   string
	Offset  int64
	Decoded int64
	Err     error
}

func (e *StreamError) Error() string {
	cause := e.Err.Error()
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		cause = "truncated stream (unexpected EOF)"
	}
	return fmt.Sprintf("%s: compressed byte %d (decompressed byte %d): %s", e.Codec, e.Offset, e.Decoded, cause)
}

func (e *StreamError) Unwrap() error { return e.Err }

// NewReader returns a reader of the bytes that src decompresses to under codec (None returns a
// reader of src itself). The decoder is made at the first Read, so a bad header is reported
// there, as a *StreamError. Errors of src itself are returned unchanged. Close releases the
// decoder; it does not close src.
func NewReader(src io.Reader, codec string) (io.ReadCloser, error) {
	switch codec {
	case None, "":
		return io.NopCloser(src), nil
	case Gzip, Zstd, Bzip2, LZ4, XZ:
	default:
		return nil, Check(codec)
	}
	return &decoder{codec: codec, src: &countingReader{r: bufio.NewReaderSize(src, 64<<10)}}, nil
}

// countingReader counts the bytes decoders take from it. It is an io.ByteReader so that flate
// and bzip2 read from it directly rather than through a buffer of their own, which makes
// their offsets exact.
type countingReader struct {
	r   *bufio.Reader
	n   int64
	err error // the source's own error, passed through unchanged
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	} else if err != io.EOF {
		c.err = err
	}
	return b, err
}

type decoder struct {
	codec   string
	src     *countingReader
	dec     io.Reader
	zstd    *zstd.Decoder
	decoded int64
	err     error // sticky
}

func (d *decoder) open() error {
	var err error
	switch d.codec {
	case Gzip:
		d.dec, err = gzip.NewReader(d.src)
	case Zstd:
		// One goroutine-free decoder per stream; the window limit bounds memory on a
		// hostile frame header.
		d.zstd, err = zstd.NewReader(d.src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<30))
		d.dec = d.zstd
	case Bzip2:
		d.dec = bzip2.NewReader(d.src)
	case LZ4:
		d.dec = lz4.NewReader(d.src)
	case XZ:
		d.dec, err = xz.NewReader(d.src)
	}
	return err
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.dec == nil {
		if _, err := d.src.r.Peek(1); err == io.EOF {
			d.err = io.EOF // an empty file is an empty stream
			return 0, d.err
		}
		if err := d.open(); err != nil {
			d.err = d.wrap(err)
			return 0, d.err
		}
	}
	n, err := d.dec.Read(p)
	d.decoded += int64(n)
	if err != nil && err != io.EOF {
		d.err = d.wrap(err)
		return n, d.err
	}
	return n, err
}

func (d *decoder) wrap(err error) error {
	if d.src.err != nil && errors.Is(err, d.src.err) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // a header cut short
	}
	return &StreamError{Codec: d.codec, Offset: d.src.n, Decoded: d.decoded, Err: err}
}

func (d *decoder) Close() error {
	if d.zstd != nil {
		d.zstd.Close()
		d.zstd = nil
	}
	if d.err == nil {
		d.err = errors.New("read after close")
	}
	return nil
}

// NewWriter returns a writer that compresses what it is given into dst under codec; Close
// flushes the codec's last block and trailer but does not close dst. None returns a writer of
// dst itself whose Close does nothing. Bzip2 has no encoder and is refused.
func NewWriter(dst io.Writer, codec string) (io.WriteCloser, error) {
	switch codec {
	case None:
		return nopWriteCloser{dst}, nil
	case Gzip:
		return gzip.NewWriter(dst), nil
	case Zstd:
		return zstd.NewWriter(dst, zstd.WithEncoderConcurrency(1))
	case LZ4:
		// Block checksums let a reader detect a corrupt block when it reaches it, not only
		// at the content checksum at the end of the frame.
		w := lz4.NewWriter(dst)
		if err := w.Apply(lz4.BlockChecksumOption(true), lz4.ConcurrencyOption(1)); err != nil {
			return nil, err
		}
		return w, nil
	case XZ:
		return xz.NewWriter(dst)
	case Bzip2:
		return nil, errors.New("bz2 is read but not written: no maintained Go bzip2 encoder (use gzip, zstd, lz4 or xz)")
	}
	return nil, Check(codec)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
