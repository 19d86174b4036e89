package read

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// A file written by an Arrow implementation stores its Arrow schema in the footer's
// "ARROW:schema" key: an IPC Schema message (a flatbuffer), base64-encoded. arrow-go v18.8.0's
// IPC reader trusts the flatbuffer's vector lengths: a corrupt one (a few flipped bits in a
// 4 KB file, TestReadParquetMutations) makes it allocate hundreds of gigabytes, which kills the
// process with "fatal error: out of memory", past any recover. checkArrowSchema verifies the
// message's structure first, as a flatbuffers verifier does (every offset, vector and string
// inside the buffer, nesting bounded), so pqarrow only ever decodes one whose allocations the
// buffer's size bounds.

// checkArrowSchema verifies the ARROW:schema entry of kv, if any, decoded as pqarrow decodes it.
func checkArrowSchema(kv metadata.KeyValueMetadata) error {
	v := kv.FindValue("ARROW:schema")
	if v == nil {
		return nil
	}
	var decoded []byte
	var err error
	if len(*v)%4 == 0 {
		decoded, err = base64.StdEncoding.DecodeString(*v)
	}
	if len(decoded) == 0 || err != nil {
		if decoded, err = base64.RawStdEncoding.DecodeString(*v); err != nil {
			return nil // pqarrow reports it
		}
	}
	if err := verifySchemaMessage(decoded); err != nil {
		return fmt.Errorf("ARROW:schema metadata: %w", err)
	}
	return nil
}

var errFlatbuffer = errors.New("corrupt flatbuffer")

// verifySchemaMessage verifies an IPC stream's first message, which must be a Schema.
func verifySchemaMessage(b []byte) error {
	// [0xFFFFFFFF] int32 length, then the flatbuffer (the marker is absent in the old format).
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == 0xFFFFFFFF {
		b = b[4:]
	}
	if len(b) < 4 {
		return errFlatbuffer
	}
	n := int(int32(binary.LittleEndian.Uint32(b)))
	if n < 8 || n > len(b)-4 {
		return fmt.Errorf("message of %d bytes in %d", n, len(b)-4)
	}
	v := &fbVerifier{b: b[4 : 4+n]}
	msg, err := v.root()
	if err != nil {
		return err
	}
	// Message: 0 version, 1 header_type, 2 header, 3 bodyLength, 4 custom_metadata.
	if t, ok := msg.field(1); !ok || v.byteAt(t) != 1 { // MessageHeader.Schema
		return errors.New("the first message is not a Schema")
	}
	// arrow-go allocates the message body before reading it: a Schema has none.
	if at, ok := msg.field(3); ok {
		if at < 0 || at > len(v.b)-8 {
			return errFlatbuffer
		}
		if body := int64(binary.LittleEndian.Uint64(v.b[at:])); body < 0 || body > int64(len(b)) {
			return fmt.Errorf("a Schema message with a body of %d bytes", body)
		}
	}
	schema, err := v.tableField(msg, 2)
	if err != nil || schema == nil {
		return errFlatbuffer
	}
	if err := v.tables(msg, 4, v.keyValue); err != nil {
		return err
	}
	// Schema: 0 endianness, 1 fields, 2 custom_metadata, 3 features.
	if err := v.tables(*schema, 1, v.field); err != nil {
		return err
	}
	if err := v.tables(*schema, 2, v.keyValue); err != nil {
		return err
	}
	_, _, err = v.vector(*schema, 3, 8)
	return err
}

// fbVerifier checks the structure of one flatbuffer.
type fbVerifier struct {
	b     []byte
	depth int
}

// fbTable is a verified table: its position and its vtable's field offsets.
type fbTable struct {
	pos    int
	vtable []byte // the vtable's field entries (uint16 each)
	size   int    // the table's size in bytes
}

func (v *fbVerifier) u32(at int) (uint32, bool) {
	if at < 0 || at > len(v.b)-4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(v.b[at:]), true
}

// byteAt returns the byte at, or 0 past the buffer.
func (v *fbVerifier) byteAt(at int) byte {
	if at < 0 || at >= len(v.b) {
		return 0
	}
	return v.b[at]
}

func (v *fbVerifier) root() (fbTable, error) {
	off, ok := v.u32(0)
	if !ok {
		return fbTable{}, errFlatbuffer
	}
	return v.table(int(off))
}

// table verifies the table at pos and its vtable.
func (v *fbVerifier) table(pos int) (fbTable, error) {
	so, ok := v.u32(pos)
	if !ok {
		return fbTable{}, errFlatbuffer
	}
	vt := pos - int(int32(so))
	if vt < 0 || vt > len(v.b)-4 {
		return fbTable{}, errFlatbuffer
	}
	vsize := int(binary.LittleEndian.Uint16(v.b[vt:]))
	tsize := int(binary.LittleEndian.Uint16(v.b[vt+2:]))
	if vsize < 4 || vsize%2 != 0 || vt+vsize > len(v.b) || tsize < 4 || pos+tsize > len(v.b) {
		return fbTable{}, errFlatbuffer
	}
	return fbTable{pos: pos, vtable: v.b[vt+4 : vt+vsize], size: tsize}, nil
}

// field returns the position of field i of t, and false when the table does not have it.
// The flatbuffers library reads a field wherever the vtable says, past the table's declared
// size too, so only the buffer bounds it: a field whose 4 bytes would fall outside is taken
// as absent here and rejected by the callers that need it (a scalar read past the end is
// left to the library's own bounds checks).
func (t fbTable) field(i int) (int, bool) {
	if 2*i+2 > len(t.vtable) {
		return 0, false
	}
	off := int(binary.LittleEndian.Uint16(t.vtable[2*i:]))
	if off == 0 {
		return 0, false
	}
	return t.pos + off, true
}

// target follows the uoffset in field i of t (0, false when absent).
func (v *fbVerifier) target(t fbTable, i int) (int, bool, error) {
	at, ok := t.field(i)
	if !ok {
		return 0, false, nil
	}
	off, ok := v.u32(at)
	if !ok || off == 0 || uint64(at)+uint64(off) > uint64(len(v.b)) {
		return 0, false, errFlatbuffer
	}
	return at + int(off), true, nil
}

// tableField verifies the table referenced by field i of t (nil when absent).
func (v *fbVerifier) tableField(t fbTable, i int) (*fbTable, error) {
	pos, ok, err := v.target(t, i)
	if err != nil || !ok {
		return nil, err
	}
	tt, err := v.table(pos)
	return &tt, err
}

// vector verifies the vector in field i of t, of elements of size bytes, and returns where its
// elements start and how many there are.
func (v *fbVerifier) vector(t fbTable, i, size int) (int, int, error) {
	pos, ok, err := v.target(t, i)
	if err != nil || !ok {
		return 0, 0, err
	}
	n, ok := v.u32(pos)
	if !ok || uint64(n)*uint64(size) > uint64(len(v.b)-pos-4) {
		return 0, 0, errFlatbuffer
	}
	return pos + 4, int(n), nil
}

// str verifies the string in field i of t.
func (v *fbVerifier) str(t fbTable, i int) error {
	_, _, err := v.vector(t, i, 1)
	return err
}

// tables verifies the vector of tables in field i of t, each with check.
func (v *fbVerifier) tables(t fbTable, i int, check func(fbTable) error) error {
	start, n, err := v.vector(t, i, 4)
	if err != nil {
		return err
	}
	for k := range n {
		at := start + 4*k
		off, _ := v.u32(at)
		tt, err := v.table(at + int(off))
		if err != nil {
			return err
		}
		if err := check(tt); err != nil {
			return err
		}
	}
	return nil
}

func (v *fbVerifier) keyValue(t fbTable) error {
	if err := v.str(t, 0); err != nil {
		return err
	}
	return v.str(t, 1)
}

// field verifies an arrow Field: 0 name, 1 nullable, 2 type_type, 3 type, 4 dictionary,
// 5 children, 6 custom_metadata.
func (v *fbVerifier) field(t fbTable) error {
	v.depth++
	defer func() { v.depth-- }()
	if v.depth > 64 {
		return errors.New("fields nested too deep")
	}
	if err := v.str(t, 0); err != nil {
		return err
	}
	typ, err := v.tableField(t, 3)
	if err != nil {
		return err
	}
	if typ != nil {
		if tt, ok := t.field(2); ok {
			switch v.byteAt(tt) {
			case 10: // Timestamp: 1 timezone
				if err := v.str(*typ, 1); err != nil {
					return err
				}
			case 14: // Union: 1 typeIds
				if _, _, err := v.vector(*typ, 1, 4); err != nil {
					return err
				}
			}
		}
	}
	dict, err := v.tableField(t, 4)
	if err != nil {
		return err
	}
	if dict != nil {
		if _, err := v.tableField(*dict, 1); err != nil { // indexType
			return err
		}
	}
	if err := v.tables(t, 5, v.field); err != nil {
		return err
	}
	return v.tables(t, 6, v.keyValue)
}
