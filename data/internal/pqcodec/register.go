package pqcodec

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet/compress"
)

// emptySafe wraps a codec so that an empty compressed body decodes to an empty page, which
// no block format accepts but writers emit for pages without values (a v2 data page of only
// nulls or of zero rows: parquet-testing's datapage_v2_empty_datapage.snappy.parquet). It also
// decodes a non-empty body into an empty page, which arrow-go v18.8.0's brotli codec refuses
// ("decoded data exceeds destination size 0") for the 1-byte stream brotli makes of nothing.
type emptySafe struct{ compress.Codec }

func (c emptySafe) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // as arrow-go's codecs; readers call DecodeWithError
	}
	return out
}

func (c emptySafe) DecodeWithError(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst[:0], nil
	}
	if len(dst) == 0 {
		// The page reader sizes dst to the page: none expected. With nil the codecs size
		// the output themselves, so a body that is not empty after all is still reported.
		out, err := compress.Decode(c.Codec, nil, src)
		if err == nil && len(out) != 0 {
			err = fmt.Errorf("codec: %d bytes decoded into a page of 0 bytes", len(out))
		}
		return dst[:0], err
	}
	return compress.Decode(c.Codec, dst, src)
}

// emptySafeStream is emptySafe for a codec that also streams, which arrow-go's page reader
// uses for large plain pages; keeping the interface keeps that path.
type emptySafeStream struct {
	emptySafe
	s compress.StreamingCodec
}

func (c emptySafeStream) NewReader(r io.Reader) io.ReadCloser  { return c.s.NewReader(r) }
func (c emptySafeStream) NewWriter(w io.Writer) io.WriteCloser { return c.s.NewWriter(w) }
func (c emptySafeStream) NewWriterLevel(w io.Writer, level int) (io.WriteCloser, error) {
	return c.s.NewWriterLevel(w, level)
}

func wrap(c compress.Codec) compress.Codec {
	if s, ok := c.(compress.StreamingCodec); ok {
		return emptySafeStream{emptySafe{c}, s}
	}
	return emptySafe{c}
}

func init() {
	compress.RegisterCodec(compress.Codecs.Snappy, wrap(fastSnappy{}))
	compress.RegisterCodec(compress.Codecs.Lz4, wrap(lz4Hadoop{}))
	for _, c := range []compress.Compression{compress.Codecs.Gzip, compress.Codecs.Brotli, compress.Codecs.Zstd, compress.Codecs.Lz4Raw} {
		if codec, err := compress.GetCodec(c); err == nil {
			compress.RegisterCodec(c, wrap(codec))
		}
	}
}

var (
	_ compress.ErrorCodec     = emptySafe{}
	_ compress.StreamingCodec = emptySafeStream{}
)
