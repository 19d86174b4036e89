package read

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sync"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// MaxAvroBlock bounds one Avro container block, compressed or not: a header declaring more
// is corrupt, not read.
const MaxAvroBlock = 1 << 30

// AvroHeader is the header of an Avro object container file.
type AvroHeader struct {
	// Meta is the file metadata: "avro.schema" (the writer schema, JSON) and "avro.codec"
	// (null, deflate, snappy, zstandard, bzip2 or xz; absent means null), and any other.
	Meta map[string][]byte
	Sync [16]byte
	// Size is the header's length in bytes: the first block starts there.
	Size int64
}

// Codec is the file's codec name ("null" when the header names none).
func (h *AvroHeader) Codec() string {
	if c := h.Meta["avro.codec"]; len(c) > 0 {
		return string(c)
	}
	return "null"
}

// avroCounter reads Avro's zig-zag varints and counts the bytes it consumed.
type avroCounter struct {
	r *bufio.Reader
	n int64
}

func (c *avroCounter) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *avroCounter) long(what string) (int64, error) {
	at := c.n
	v, err := binary.ReadVarint(c)
	if err != nil {
		return 0, avroTrunc(at, what, err)
	}
	return v, nil
}

func (c *avroCounter) full(b []byte, what string) error {
	at := c.n
	n, err := io.ReadFull(c.r, b)
	c.n += int64(n)
	if err != nil {
		return avroTrunc(at, what, err)
	}
	return nil
}

// readN reads n bytes into dst[:0], growing it as the bytes arrive rather than by n up
// front, so a corrupt length costs what the file holds, not what it claims.
func (c *avroCounter) readN(dst []byte, n int64, what string) ([]byte, error) {
	dst = dst[:0]
	at := c.n
	for int64(len(dst)) < n {
		step := min(n-int64(len(dst)), 1<<20)
		if int64(cap(dst)-len(dst)) < step {
			dst = slices.Grow(dst, int(max(step, int64(len(dst)))))
		}
		k, err := io.ReadFull(c.r, dst[len(dst):len(dst)+int(step)])
		dst = dst[:len(dst)+k]
		c.n += int64(k)
		if err != nil {
			return dst, avroTrunc(at, what, err)
		}
	}
	return dst, nil
}

func avroTrunc(at int64, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("avro: byte %d: truncated file: the stream ends in the %s", at, what)
	}
	if err.Error() == "binary: varint overflows a 64-bit integer" {
		return fmt.Errorf("avro: byte %d: %s: varint overflows 64 bits: corrupt file", at, what)
	}
	return fmt.Errorf("avro: byte %d: %s: %w", at, what, err)
}

// AvroBlocks reads the Avro object container file r: its header (magic "Obj\x01", the
// metadata map, the sync marker), given to header before any block, then each data block:
// fn gets its object count, its decompressed bytes (valid only during the call) and the
// file offset of the block. Every codec of the Avro specification is decoded: null, deflate,
// snappy (with its CRC32 checked), zstandard, bzip2, xz; another codec name is an error
// before the first block. A block whose sync marker differs from the header's, whose size
// is negative or over MaxAvroBlock, or which fails to decompress, is an error naming its
// offset; so is a file that ends inside the header or a block. If skipData is true the
// blocks are framed but not decompressed (fn gets nil data), for counting rows. An error
// from header or fn is returned unchanged.
func AvroBlocks(r io.Reader, skipData bool, header func(*AvroHeader) error, fn func(count int64, data []byte, offset int64) error) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 256<<10)
	}
	c := &avroCounter{r: br}
	var magic [4]byte
	if err := c.full(magic[:], "magic"); err != nil {
		return err
	}
	if magic != [4]byte{'O', 'b', 'j', 1} {
		return fmt.Errorf("avro: byte 0: magic %q is not \"Obj\\x01\": not an Avro object container file", magic[:])
	}
	h := &AvroHeader{Meta: map[string][]byte{}}
	for {
		n, err := c.long("header metadata")
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if n < 0 {
			if _, err := c.long("header metadata"); err != nil {
				return err
			}
			n = -n
		}
		for range n {
			var kv [2][]byte
			for i := range kv {
				at := c.n
				size, err := c.long("header metadata")
				if err != nil {
					return err
				}
				if size < 0 || size > MaxAvroBlock {
					return fmt.Errorf("avro: byte %d: header metadata entry of %d bytes: corrupt file", at, size)
				}
				if kv[i], err = c.readN(nil, size, "header metadata"); err != nil {
					return err
				}
			}
			h.Meta[string(kv[0])] = kv[1]
		}
	}
	if err := c.full(h.Sync[:], "header sync marker"); err != nil {
		return err
	}
	h.Size = c.n
	dec, err := newAvroCodec(h.Codec())
	if err != nil {
		return err
	}
	if err := header(h); err != nil {
		return err
	}
	var raw, out []byte
	var sync [16]byte
	for {
		at := c.n
		if _, err := br.Peek(1); err == io.EOF {
			return nil
		}
		count, err := c.long("block header")
		if err != nil {
			return err
		}
		size, err := c.long("block header")
		if err != nil {
			return err
		}
		if count < 0 || size < 0 || size > MaxAvroBlock {
			return fmt.Errorf("avro: block at byte %d: %d objects in %d bytes: corrupt block header", at, count, size)
		}
		var data []byte
		if skipData {
			if n, err := br.Discard(int(size)); err != nil {
				c.n += int64(n)
				return avroTrunc(at, "block data", err)
			}
			c.n += size
		} else {
			if raw, err = c.readN(raw, size, "block data"); err != nil {
				return err
			}
			if out, err = dec(out[:0], raw); err != nil {
				return fmt.Errorf("avro: block at byte %d: %s codec: %w", at, h.Codec(), err)
			}
			data = out
		}
		if err := c.full(sync[:], "block sync marker"); err != nil {
			return err
		}
		if sync != h.Sync {
			return fmt.Errorf("avro: block at byte %d: sync marker does not match the header's: corrupt file", at)
		}
		if err := fn(count, data, at); err != nil {
			return err
		}
	}
}

// avroZstd is one decoder for every file: DecodeAll is safe for concurrent use and starts no
// goroutine.
var avroZstd = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxAvroBlock))
})

// newAvroCodec returns the block decompressor of a codec: it appends the decoded bytes of
// src to dst.
func newAvroCodec(name string) (func(dst, src []byte) ([]byte, error), error) {
	limited := func(dst []byte, r io.Reader) ([]byte, error) {
		buf := bytes.NewBuffer(dst)
		n, err := buf.ReadFrom(io.LimitReader(r, MaxAvroBlock+1))
		if err == nil && n > MaxAvroBlock {
			err = fmt.Errorf("decompresses to more than %d bytes", MaxAvroBlock)
		}
		return buf.Bytes(), err
	}
	switch name {
	case "null":
		return func(dst, src []byte) ([]byte, error) { return src, nil }, nil
	case "deflate":
		return func(dst, src []byte) ([]byte, error) {
			fr := flate.NewReader(bytes.NewReader(src))
			defer fr.Close()
			return limited(dst, fr)
		}, nil
	case "snappy":
		return func(dst, src []byte) ([]byte, error) {
			if len(src) < 4 {
				return nil, errors.New("block shorter than its CRC32")
			}
			n, err := snappy.DecodedLen(src[:len(src)-4])
			if err != nil {
				return nil, err
			}
			// A snappy copy element yields at most 64 bytes for 3: a longer claim is corrupt,
			// and refusing it spares allocating what the header claims.
			if n > MaxAvroBlock || n > 22*len(src)+64 {
				return nil, fmt.Errorf("block of %d bytes claims %d decompressed bytes: corrupt", len(src), n)
			}
			out, err := snappy.Decode(dst[:cap(dst)], src[:len(src)-4])
			if err != nil {
				return nil, err
			}
			if got, want := crc32.ChecksumIEEE(out), binary.BigEndian.Uint32(src[len(src)-4:]); got != want {
				return nil, fmt.Errorf("CRC32 mismatch (stored %#08x, computed %#08x)", want, got)
			}
			return out, nil
		}, nil
	case "zstandard":
		zd, err := avroZstd()
		if err != nil {
			return nil, err
		}
		return func(dst, src []byte) ([]byte, error) { return zd.DecodeAll(src, dst) }, nil
	case "bzip2":
		return func(dst, src []byte) ([]byte, error) { return limited(dst, bzip2.NewReader(bytes.NewReader(src))) }, nil
	case "xz":
		return func(dst, src []byte) ([]byte, error) {
			xr, err := xz.NewReader(bytes.NewReader(src))
			if err != nil {
				return nil, err
			}
			return limited(dst, xr)
		}, nil
	}
	return nil, fmt.Errorf("avro: header: unknown codec %q (the Avro specification defines null, deflate, snappy, zstandard, bzip2 and xz)", name)
}
