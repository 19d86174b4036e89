package read

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The DELTA encodings of byte arrays, decoded by sluice for the page reader (parquet_flat.go):
// DELTA_LENGTH_BYTE_ARRAY stores the lengths DELTA_BINARY_PACKED and then the bytes;
// DELTA_BYTE_ARRAY stores prefix lengths and suffix lengths DELTA_BINARY_PACKED and then the
// suffixes, each value being the previous value's prefix and its suffix.

// deltaBinaryPacked decodes one DELTA_BINARY_PACKED run from data into dst (reused when large
// enough) and returns the values and the bytes it took. Arithmetic wraps, as the format says.
func deltaBinaryPacked(data []byte, dst []int64) ([]int64, int, error) {
	pos := 0
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(data[pos:])
		if n <= 0 {
			return 0, errors.New("DELTA_BINARY_PACKED: bad varint")
		}
		pos += n
		return v, nil
	}
	zz := func() (int64, error) {
		v, err := uv()
		return int64(v>>1) ^ -int64(v&1), err
	}
	blockSize, err := uv()
	if err != nil {
		return nil, 0, err
	}
	minis, err := uv()
	if err != nil {
		return nil, 0, err
	}
	total, err := uv()
	if err != nil {
		return nil, 0, err
	}
	first, err := zz()
	if err != nil {
		return nil, 0, err
	}
	if blockSize == 0 || blockSize%128 != 0 || minis == 0 || blockSize%minis != 0 || (blockSize/minis)%32 != 0 {
		return nil, 0, fmt.Errorf("DELTA_BINARY_PACKED: block of %d values in %d miniblocks", blockSize, minis)
	}
	if total > 1<<31 {
		return nil, 0, fmt.Errorf("DELTA_BINARY_PACKED: %d values", total)
	}
	if uint64(cap(dst)) < total {
		dst = make([]int64, total)
	}
	dst = dst[:total]
	if total == 0 {
		return dst, pos, nil
	}
	dst[0] = first
	perMini := int(blockSize / minis)
	last := uint64(first)
	for got := 1; got < int(total); {
		minDelta, err := zz()
		if err != nil {
			return nil, 0, err
		}
		if uint64(len(data)-pos) < minis {
			return nil, 0, errors.New("DELTA_BINARY_PACKED: bit widths cut short")
		}
		widths := data[pos : pos+int(minis)]
		pos += int(minis)
		for _, w := range widths {
			if got >= int(total) {
				break // the last block stores no more miniblocks
			}
			if w > 64 {
				return nil, 0, fmt.Errorf("DELTA_BINARY_PACKED: miniblock of width %d", w)
			}
			nbytes := perMini * int(w) / 8
			if len(data)-pos < nbytes {
				return nil, 0, errors.New("DELTA_BINARY_PACKED: miniblock cut short")
			}
			mini := data[pos : pos+nbytes]
			pos += nbytes
			n := min(perMini, int(total)-got)
			for i := range n {
				last += uint64(minDelta) + bitsAt(mini, uint(i)*uint(w), uint(w))
				dst[got+i] = int64(last)
			}
			got += n
		}
	}
	return dst, pos, nil
}

// bitsAt returns the width bits of b from bit pos, least significant first (width <= 64).
func bitsAt(b []byte, pos, width uint) uint64 {
	if width == 0 {
		return 0
	}
	at, sh := pos>>3, pos&7
	var lo uint64
	if int(at)+8 <= len(b) {
		lo = binary.LittleEndian.Uint64(b[at:])
	} else {
		for i := 0; int(at)+i < len(b) && i < 8; i++ {
			lo |= uint64(b[int(at)+i]) << (8 * i)
		}
	}
	v := lo >> sh
	if sh+width > 64 && int(at)+8 < len(b) {
		v |= uint64(b[at+8]) << (64 - sh)
	}
	if width < 64 {
		v &= 1<<width - 1
	}
	return v
}

// deltaBytes is the state of a page of DELTA_LENGTH_BYTE_ARRAY or DELTA_BYTE_ARRAY values.
type deltaBytes struct {
	withPrefix bool    // DELTA_BYTE_ARRAY
	prefix     []int64 // its prefix lengths
	length     []int64 // value (or suffix) lengths
	data       []byte  // the concatenated values (or suffixes) not yet read
	next       int     // index of the next value
	prev       []byte  // DELTA_BYTE_ARRAY: the previous value
}

// start parses a page's values; withPrefix says DELTA_BYTE_ARRAY.
func (d *deltaBytes) start(data []byte, withPrefix bool) error {
	d.next, d.prev, d.withPrefix = 0, d.prev[:0], withPrefix
	if withPrefix {
		var n int
		var err error
		if d.prefix, n, err = deltaBinaryPacked(data, d.prefix); err != nil {
			return fmt.Errorf("prefix lengths: %w", err)
		}
		data = data[n:]
	} else {
		d.prefix = d.prefix[:0]
	}
	var n int
	var err error
	if d.length, n, err = deltaBinaryPacked(data, d.length); err != nil {
		return fmt.Errorf("lengths: %w", err)
	}
	if withPrefix && len(d.prefix) != len(d.length) {
		return fmt.Errorf("%d prefix lengths for %d suffixes", len(d.prefix), len(d.length))
	}
	d.data = data[n:]
	return nil
}

// value returns the next value, valid until the next call.
func (d *deltaBytes) value() ([]byte, error) {
	if d.next >= len(d.length) {
		return nil, errors.New("DELTA byte arrays end before the page's values")
	}
	m := d.length[d.next]
	if m < 0 || m > int64(len(d.data)) {
		return nil, fmt.Errorf("DELTA byte array of %d bytes where %d remain", m, len(d.data))
	}
	v := d.data[:m]
	d.data = d.data[m:]
	if d.withPrefix {
		p := d.prefix[d.next]
		if p < 0 || p > int64(len(d.prev)) {
			return nil, fmt.Errorf("DELTA_BYTE_ARRAY prefix of %d bytes after a value of %d", p, len(d.prev))
		}
		d.prev = append(d.prev[:p], v...)
		v = d.prev
	}
	d.next++
	return v, nil
}
