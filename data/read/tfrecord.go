package read

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/sluicedata/sluice/data/internal/tfexample"
)

// MaxTFRecord bounds one TFRecord's length: a header declaring more is corrupt, not read.
const MaxTFRecord = 1 << 30

// TFRecords reads the TFRecord stream r and calls fn with each record's data and the byte
// offset of its header in the (decompressed) stream. A record is framed as TensorFlow writes
// it: the data length (uint64, little-endian), the masked CRC32C of those 8 bytes, the data,
// the masked CRC32C of the data; both checksums are verified. data is valid only during the
// call: fn must copy what it keeps.
//
// Errors name the record's offset: a bad checksum, a length over MaxTFRecord, a stream that
// ends inside a record ("truncated"). An error from fn is returned unchanged. A stream that
// ends exactly between records is complete, as it is for TensorFlow.
func TFRecords(r io.Reader, fn func(data []byte, offset int64) error) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 256<<10)
	}
	var head [12]byte
	var crc [4]byte
	var buf []byte
	var at int64
	for {
		n, err := io.ReadFull(br, head[:])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return tfrecordErr(at, "header", n, err)
		}
		if got, want := binary.LittleEndian.Uint32(head[8:]), tfexample.MaskedCRC(head[:8]); got != want {
			return fmt.Errorf("tfrecord: record at byte %d: length checksum mismatch (stored %#08x, computed %#08x): corrupt file", at, got, want)
		}
		size := binary.LittleEndian.Uint64(head[:8])
		if size > MaxTFRecord {
			return fmt.Errorf("tfrecord: record at byte %d: length %d is over the %d-byte limit", at, size, MaxTFRecord)
		}
		if uint64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if n, err := io.ReadFull(br, buf); err != nil {
			return tfrecordErr(at, "data", n, err)
		}
		if n, err := io.ReadFull(br, crc[:]); err != nil {
			return tfrecordErr(at, "data checksum", n, err)
		}
		if got, want := binary.LittleEndian.Uint32(crc[:]), tfexample.MaskedCRC(buf); got != want {
			return fmt.Errorf("tfrecord: record at byte %d: data checksum mismatch (stored %#08x, computed %#08x): corrupt record", at, got, want)
		}
		if err := fn(buf, at); err != nil {
			return err
		}
		at += 16 + int64(size)
	}
}

func tfrecordErr(at int64, part string, n int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("tfrecord: record at byte %d: truncated file: the stream ends in the record's %s (%d bytes of it read)", at, part, n)
	}
	return fmt.Errorf("tfrecord: record at byte %d: %s: %w", at, part, err)
}
