package write

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/internal/codec"
)

// Compressed returns format with every file compressed by codec: "gzip", "zstd", "lz4" (the
// LZ4 frame format, pyarrow's "lz4") or "xz"; "none" returns format itself. Files carry the
// codec's extension after the format's ("part_0_0.csv.gz"), so pyarrow, pandas, Ray and
// sluice's readers detect it. "bz2" is refused: there is no maintained Go bzip2 encoder to
// write it with (sluice reads it).
func Compressed(format Format, compression string) (Format, error) {
	if compression == codec.None {
		return format, nil
	}
	if compression == "" {
		return nil, fmt.Errorf("sluice: write: compression: empty codec name (want gzip, zstd, lz4, xz or none)")
	}
	if err := codec.Check(compression); err != nil {
		return nil, fmt.Errorf("sluice: write: compression: %w", err)
	}
	if _, err := codec.NewWriter(io.Discard, compression); err != nil {
		return nil, fmt.Errorf("sluice: write: compression: %w", err)
	}
	return compressedFormat{inner: format, codec: compression}, nil
}

type compressedFormat struct {
	inner Format
	codec string
}

var _ Format = compressedFormat{}

func (c compressedFormat) Ext() string { return c.inner.Ext() + "." + codec.Ext(c.codec) }

func (c compressedFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	zw, err := codec.NewWriter(w, c.codec)
	if err != nil {
		return nil, fmt.Errorf("sluice: write %s: %w", c.Ext(), err)
	}
	rw, err := c.inner.NewWriter(zw, schema)
	if err != nil {
		zw.Close()
		return nil, err
	}
	return &compressedWriter{RecordWriter: rw, zw: zw, ext: c.Ext()}, nil
}

// compressedWriter closes the format's writer, then the codec, whose Close writes the last
// block and the stream's trailer.
type compressedWriter struct {
	RecordWriter
	zw  io.WriteCloser
	ext string
}

func (c *compressedWriter) Close() error {
	err := c.RecordWriter.Close()
	if zerr := c.zw.Close(); err == nil && zerr != nil {
		err = fmt.Errorf("sluice: write %s: %w", c.ext, zerr)
	}
	return err
}
