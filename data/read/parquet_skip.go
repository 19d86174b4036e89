package read

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Skipping rows inside a page, for selective reads (parquet_select.go): the definition
// levels of the rows skipped are decoded to count their values, and the values are passed
// over without being copied or gathered: PLAIN fixed-width values by moving past their
// bytes, PLAIN booleans past their bits, byte arrays past their lengths, dictionary indices
// and RLE booleans decoded into scratch and dropped.

// skip passes over the next want levels (rows of a flat column; it does not take repeated
// ones) and returns how many it passed, fewer only at the end of the chunk.
func (d *flatDecoder) skip(want int64) (int64, error) {
	if d.maxRep > 0 {
		return 0, errors.New("skip: repeated column")
	}
	var done int64
	for done < want {
		if d.left == 0 {
			ok, err := d.nextPage()
			if err != nil || !ok {
				return done, err
			}
			continue
		}
		n := min(int(want-done), d.left, len(d.lvl))
		k := n
		if d.maxDef > 0 {
			got, err := d.defs.next(d.lvl[:n])
			if err != nil {
				return done, fmt.Errorf("definition levels: %w", err)
			}
			if got != n {
				return done, errors.New("definition levels end before the page's values")
			}
			k = 0
			for _, l := range d.lvl[:n] {
				if l == uint32(d.maxDef) {
					k++
				} else if l > uint32(d.maxDef) {
					return done, fmt.Errorf("definition level %d above the maximum %d", l, d.maxDef)
				}
			}
		}
		if err := d.skipValues(k); err != nil {
			return done, err
		}
		d.left -= n
		done += int64(n)
	}
	return done, nil
}

// skipValues passes over the page's next k values.
func (d *flatDecoder) skipValues(k int) error {
	if k == 0 {
		return nil
	}
	switch {
	case d.isBool && d.boolRLE != nil:
		for done := 0; done < k; {
			v := d.lvl[:min(k-done, len(d.lvl))]
			got, err := d.boolRLE.next(v)
			if err != nil || got != len(v) {
				return fmt.Errorf("RLE booleans end early (%v)", err)
			}
			done += got
		}
	case d.isBool:
		if uint(len(d.plain))*8 < d.plainBit+uint(k) {
			return fmt.Errorf("PLAIN booleans end after %d bits", len(d.plain)*8)
		}
		d.plainBit += uint(k)
	case d.isDict:
		if err := d.startIndices(k); err != nil {
			return err
		}
		for done := 0; done < k; {
			idx := d.lvl[:min(k-done, len(d.lvl))]
			got, err := d.idx.next(idx)
			if err != nil {
				return fmt.Errorf("dictionary indices: %w", err)
			}
			if got != len(idx) {
				return errors.New("dictionary indices end before the page's values")
			}
			done += got
		}
	case d.isDelta:
		for range k {
			if _, err := d.delta.value(); err != nil {
				return err
			}
		}
	case d.isBytes:
		pos := 0
		for range k {
			if len(d.plain)-pos < 4 {
				return errors.New("PLAIN byte array cut short")
			}
			m := binary.LittleEndian.Uint32(d.plain[pos:])
			if uint64(m) > uint64(len(d.plain)-pos-4) {
				return fmt.Errorf("PLAIN byte array of %d bytes where %d remain", m, len(d.plain)-pos-4)
			}
			pos += 4 + int(m)
		}
		d.plain = d.plain[pos:]
	default:
		if len(d.plain) < k*d.size {
			return fmt.Errorf("PLAIN values end after %d of %d", len(d.plain)/d.size, k)
		}
		d.plain = d.plain[k*d.size:]
	}
	return nil
}
