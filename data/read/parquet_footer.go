package read

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A Parquet footer is a FileMetaData struct in Thrift's compact protocol. arrow-go v18.8.0
// panics on one thing readers must tolerate there: a LogicalType union whose member it does
// not know (a type newer than the library, parquet-testing's unknown-logical-type.parquet),
// in schema.getLogicalType ("invalid logical type"). Arrow C++ reads such a column as its
// physical type, which is what dropping the logical type gives: stripUnknownLogicalTypes
// rewrites the footer without those unions and leaves every other byte as it was, and the
// file is opened again over the rewritten footer (footerPatched). The rewrite copies the
// encoding field by field; only the field headers after a dropped field change, since the
// compact protocol stores field ids as deltas.

// knownLogicalTypes are the LogicalType union members arrow-go v18.8.0 understands
// (parquet.thrift: STRING=1 ... GEOGRAPHY=18; 9 is unused).
var knownLogicalTypes = map[int16]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true,
	10: true, 11: true, 12: true, 13: true, 14: true, 15: true, 16: true, 17: true, 18: true}

// Thrift compact protocol type codes.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// maxThriftDepth bounds nesting, so hostile bytes cannot recurse without end.
const maxThriftDepth = 64

var errThrift = errors.New("malformed Thrift in the footer")

// stripUnknownLogicalTypes returns the footer with every SchemaElement's logicalType field
// (field 10) removed when its union member is not one arrow-go knows, and how many it
// removed. The footer is FileMetaData; its schema is field 2, a list of SchemaElement.
func stripUnknownLogicalTypes(footer []byte) ([]byte, int, error) {
	t := &thriftCopier{src: footer}
	removed := 0
	element := func(id int16, typ byte) (fieldAction, error) {
		if id != 10 || typ != tStruct {
			return copyField, nil
		}
		start := t.pos
		member, err := t.firstFieldID()
		t.pos = start
		if err != nil || member == 0 || knownLogicalTypes[member] {
			return copyField, err
		}
		removed++
		return dropField, nil
	}
	err := t.copyStruct(0, func(id int16, typ byte) (fieldAction, error) {
		if id != 2 || typ != tList {
			return copyField, nil
		}
		// The schema: copy the list header, then each element through the filter.
		elem, n, err := t.listHeader()
		if err != nil {
			return copiedField, err
		}
		if elem != tStruct {
			return copiedField, errThrift
		}
		for range n {
			if err := t.copyStruct(1, element); err != nil {
				return copiedField, err
			}
		}
		return copiedField, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return t.dst, removed, nil
}

// fieldAction is what copyStruct does with a field, as its filter decides.
type fieldAction int

const (
	copyField   fieldAction = iota // copy the value as it is
	dropField                      // leave the field out
	copiedField                    // the filter has copied the value itself
)

// thriftCopier copies compact-protocol bytes from src to dst, re-encoding field headers.
type thriftCopier struct {
	src []byte
	pos int
	dst []byte
}

func (t *thriftCopier) byte() (byte, error) {
	if t.pos >= len(t.src) {
		return 0, errThrift
	}
	b := t.src[t.pos]
	t.pos++
	return b, nil
}

func (t *thriftCopier) uvarint() (uint64, error) {
	v, n := binary.Uvarint(t.src[t.pos:])
	if n <= 0 {
		return 0, errThrift
	}
	t.pos += n
	return v, nil
}

// fieldHeader reads a field header after the field id last: its type, and its id.
func (t *thriftCopier) fieldHeader(last int16) (typ byte, id int16, err error) {
	b, err := t.byte()
	if err != nil {
		return 0, 0, err
	}
	typ = b & 0x0f
	if typ == tStop {
		return tStop, 0, nil
	}
	if delta := int16(b >> 4); delta != 0 {
		return typ, last + delta, nil
	}
	v, err := t.uvarint()
	if err != nil {
		return 0, 0, err
	}
	return typ, int16(int64(v>>1) ^ -int64(v&1)), nil
}

// writeFieldHeader appends a field header for id after last.
func (t *thriftCopier) writeFieldHeader(typ byte, id, last int16) {
	if d := id - last; d > 0 && d <= 15 {
		t.dst = append(t.dst, byte(d)<<4|typ)
		return
	}
	t.dst = append(t.dst, typ)
	t.dst = binary.AppendUvarint(t.dst, uint64((int64(id)<<1)^(int64(id)>>63)))
}

// copyStruct copies a struct whose first field header is at pos, asking filter (if not
// nil) what to do with each field; filter is called with pos at the field's value.
func (t *thriftCopier) copyStruct(depth int, filter func(id int16, typ byte) (fieldAction, error)) error {
	if depth > maxThriftDepth {
		return errThrift
	}
	var last, lastOut int16
	for {
		typ, id, err := t.fieldHeader(last)
		if err != nil {
			return err
		}
		if typ == tStop {
			t.dst = append(t.dst, tStop)
			return nil
		}
		last = id
		mark := len(t.dst)
		t.writeFieldHeader(typ, id, lastOut)
		action := copyField
		if filter != nil {
			if action, err = filter(id, typ); err != nil {
				return err
			}
		}
		switch action {
		case dropField:
			t.dst = t.dst[:mark]
			if err := t.skip(typ, depth+1); err != nil {
				return err
			}
			continue
		case copyField:
			if err := t.copyValue(typ, depth+1); err != nil {
				return err
			}
		}
		lastOut = id
	}
}

// listHeader copies a list or set header and returns its element type and size.
func (t *thriftCopier) listHeader() (byte, int, error) {
	start := t.pos
	b, err := t.byte()
	if err != nil {
		return 0, 0, err
	}
	n := int(b >> 4)
	if n == 15 {
		v, err := t.uvarint()
		if err != nil || v > uint64(len(t.src)) {
			return 0, 0, errThrift
		}
		n = int(v)
	}
	t.dst = append(t.dst, t.src[start:t.pos]...)
	return b & 0x0f, n, nil
}

// firstFieldID returns the id of the first field of the struct at pos (0 for an empty
// struct), without copying.
func (t *thriftCopier) firstFieldID() (int16, error) {
	typ, id, err := t.fieldHeader(0)
	if err != nil || typ == tStop {
		return 0, err
	}
	return id, nil
}

// copyValue copies one value of type typ.
func (t *thriftCopier) copyValue(typ byte, depth int) error {
	start := t.pos
	if err := t.skip(typ, depth); err != nil {
		return err
	}
	t.dst = append(t.dst, t.src[start:t.pos]...)
	return nil
}

// skip moves past one value of type typ (a value inside a struct field; a bool field's value
// is in its header, so there is nothing to skip).
func (t *thriftCopier) skip(typ byte, depth int) error {
	if depth > maxThriftDepth {
		return errThrift
	}
	switch typ {
	case tTrue, tFalse:
		return nil
	case tByte:
		_, err := t.byte()
		return err
	case tI16, tI32, tI64:
		_, err := t.uvarint()
		return err
	case tDouble:
		if len(t.src)-t.pos < 8 {
			return errThrift
		}
		t.pos += 8
		return nil
	case tBinary:
		n, err := t.uvarint()
		if err != nil || n > uint64(len(t.src)-t.pos) {
			return errThrift
		}
		t.pos += int(n)
		return nil
	case tList, tSet:
		b, err := t.byte()
		if err != nil {
			return err
		}
		n := uint64(b >> 4)
		if n == 15 {
			if n, err = t.uvarint(); err != nil {
				return err
			}
		}
		return t.skipElems(b&0x0f, n, depth)
	case tMap:
		n, err := t.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := t.byte()
		if err != nil {
			return err
		}
		if n > uint64(len(t.src)) {
			return errThrift
		}
		for range n {
			if err := t.skipElem(kv>>4, depth+1); err != nil {
				return err
			}
			if err := t.skipElem(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		var last int16
		for {
			ft, id, err := t.fieldHeader(last)
			if err != nil {
				return err
			}
			if ft == tStop {
				return nil
			}
			last = id
			if err := t.skip(ft, depth+1); err != nil {
				return err
			}
		}
	}
	return errThrift
}

func (t *thriftCopier) skipElems(typ byte, n uint64, depth int) error {
	if n > uint64(len(t.src)) { // every element takes at least one byte, bools included
		return errThrift
	}
	for range n {
		if err := t.skipElem(typ, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// skipElem skips a list, set or map element, where a bool takes one byte.
func (t *thriftCopier) skipElem(typ byte, depth int) error {
	if typ == tTrue || typ == tFalse {
		_, err := t.byte()
		return err
	}
	return t.skip(typ, depth)
}

// footerPatched is a Parquet file with its footer replaced: the original bytes up to the
// old footer, then the new footer, its length and the magic. Column chunks are addressed by
// absolute offsets before the footer, so they read as before.
type footerPatched struct {
	r      io.ReaderAt
	body   int64  // bytes of r before the old footer
	footer []byte // new footer, length and "PAR1"
}

func newFooterPatched(r io.ReaderAt, body int64, footer []byte) *footerPatched {
	tail := make([]byte, 0, len(footer)+8)
	tail = append(tail, footer...)
	tail = binary.LittleEndian.AppendUint32(tail, uint32(len(footer)))
	tail = append(tail, "PAR1"...)
	return &footerPatched{r: r, body: body, footer: tail}
}

func (p *footerPatched) Size() int64 { return p.body + int64(len(p.footer)) }

func (p *footerPatched) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	n := 0
	if off < p.body {
		k := min(int64(len(b)), p.body-off)
		m, err := p.r.ReadAt(b[:k], off)
		n += m
		if err != nil && !(err == io.EOF && int64(m) == k) {
			return n, err
		}
		b, off = b[k:], off+k
	}
	if len(b) == 0 {
		return n, nil
	}
	m := copy(b, p.footer[min(off-p.body, int64(len(p.footer))):])
	n += m
	if m < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// readFooter returns the footer of the Parquet file r of size bytes and the offset where
// it starts, for an unencrypted file ("PAR1" at the end).
func readFooter(r io.ReaderAt, size int64) ([]byte, int64, error) {
	if size < 12 {
		return nil, 0, fmt.Errorf("%d bytes is too small for a Parquet file", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, 0, err
	}
	if string(tail[4:]) != "PAR1" {
		return nil, 0, errors.New("no PAR1 magic at the end (an encrypted footer is not rewritten)")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return nil, 0, fmt.Errorf("footer length %d exceeds the file", n)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return nil, 0, err
	}
	return footer, size - 8 - n, nil
}
