package pqcodec

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// lz4Hadoop is Parquet's deprecated LZ4 codec. Files carry it in one of two framings, with
// nothing in the file saying which:
//   - Hadoop's (parquet-mr, Spark, Arrow C++ since 2.0): a sequence of frames, each a
//     big-endian uint32 decompressed size, a big-endian uint32 compressed size and that many
//     bytes of one raw LZ4 block;
//   - a bare raw LZ4 block (Arrow C++ before 2.0).
//
// Decoding tries the Hadoop framing and falls back to a bare block when the frames do not
// account for the input exactly, which is what Arrow C++'s Lz4HadoopCodec does
// (cpp/src/arrow/util/compression_lz4.cc), so sluice reads what pyarrow reads. Encoding writes
// one Hadoop frame, which every reader of LZ4 Parquet accepts.
type lz4Hadoop struct{}

const hadoopPrefix = 8 // two big-endian uint32 sizes

// compressors holds lz4.Compressors (each carries a 64 KiB hash table, not goroutine-safe).
var compressors = sync.Pool{New: func() any { return new(lz4.Compressor) }}

func (c lz4Hadoop) Encode(dst, src []byte) []byte {
	bound := int(c.CompressBound(int64(len(src))))
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:bound]
	comp := compressors.Get().(*lz4.Compressor)
	n, err := comp.CompressBlock(src, dst[hadoopPrefix:])
	compressors.Put(comp)
	if err != nil {
		panic(err) // CompressBlock cannot fail with a destination of CompressBlockBound bytes
	}
	binary.BigEndian.PutUint32(dst[0:], uint32(len(src)))
	binary.BigEndian.PutUint32(dst[4:], uint32(n))
	return dst[:hadoopPrefix+n]
}

func (c lz4Hadoop) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

func (lz4Hadoop) CompressBound(n int64) int64 {
	return hadoopPrefix + int64(lz4.CompressBlockBound(int(n)))
}

func (c lz4Hadoop) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // readers call DecodeWithError
	}
	return out
}

// DecodeWithError decodes src into dst, which must have room (len or cap) for the whole
// decompressed page, as arrow-go's page reader provides.
func (lz4Hadoop) DecodeWithError(dst, src []byte) ([]byte, error) {
	out := dst[:cap(dst)]
	if n, ok := decodeHadoop(out, src); ok {
		return out[:n], nil
	}
	n, err := uncompressBlock(src, out)
	if err != nil {
		return nil, fmt.Errorf("lz4: neither Hadoop-framed nor a raw block: %w", err)
	}
	return out[:n], nil
}

// uncompressBlock is lz4.UncompressBlock made safe for any input: pierrec/lz4 v4.1.29's
// assembly decoder dereferences dst[0] and faults on an empty dst, so an empty one decodes
// into scratch (accepted only if the block holds nothing), and a panic on hostile bytes
// becomes an error.
func uncompressBlock(src, dst []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("lz4: corrupt block: %v", r)
		}
	}()
	if len(dst) == 0 {
		var scratch [64]byte
		n, err = lz4.UncompressBlock(src, scratch[:])
		if err == nil && n != 0 {
			err = fmt.Errorf("lz4: block of %d bytes for an empty page", n)
		}
		return 0, err
	}
	return lz4.UncompressBlock(src, dst)
}

// decodeHadoop decodes src as Hadoop LZ4 frames into out and reports whether src was exactly
// a sequence of well-formed frames.
func decodeHadoop(out, src []byte) (int, bool) {
	total := 0
	for len(src) >= hadoopPrefix {
		want := binary.BigEndian.Uint32(src)
		size := binary.BigEndian.Uint32(src[4:])
		src = src[hadoopPrefix:]
		if uint64(size) > uint64(len(src)) || uint64(want) > uint64(len(out)-total) {
			return 0, false
		}
		n, err := uncompressBlock(src[:size], out[total:total+int(want)])
		if err != nil || n != int(want) {
			return 0, false
		}
		total += n
		src = src[size:]
	}
	return total, len(src) == 0
}
