package tfexample

import (
	"encoding/binary"
	"hash/crc32"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC is the masked CRC32C that TFRecord files store after a record's length and after
// its data (TensorFlow's crc32c::Mask: the CRC rotated right by 15 bits plus 0xa282ead8, so
// that the CRC of data that holds CRCs is not degenerate).
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return (c>>15 | c<<17) + 0xa282ead8
}

// AppendRecord appends data framed as one TFRecord to dst: the data length (uint64,
// little-endian), the masked CRC32C of those 8 bytes, the data, the masked CRC32C of the data.
func AppendRecord(dst, data []byte) []byte {
	var head [12]byte
	binary.LittleEndian.PutUint64(head[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(head[8:], MaskedCRC(head[:8]))
	dst = append(dst, head[:]...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, MaskedCRC(data))
}
