package streaming

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Emit receives one block. Ownership passes to the callee: it releases the block, also when
// it returns an error.
type Emit func(arrow.RecordBatch) error

// block is a record batch in a queue together with the input it came from, so an error in a
// later operator can still name the file or row range.
type block struct {
	rec    arrow.RecordBatch
	origin string
	bytes  int64
}

func newBlock(rec arrow.RecordBatch, origin string) block {
	return block{rec: rec, origin: origin, bytes: BlockBytes(rec)}
}

func releaseBlocks(bs []block) {
	for _, b := range bs {
		b.rec.Release()
	}
}

// BlockBytes is the size of the data rec covers: for a slice, its share of the parent's
// buffers, not the whole buffers (sixteen slices of one 8 MiB block count 8 MiB in all, not
// 128). Queue accounting and target block sizes use it; the memory budget itself is the
// allocator's exact count of live bytes.
func BlockBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		d := c.Data()
		n += rangeBytes(d, 0, d.Len())
	}
	return n
}

// rangeBytes is the size of elements [off, off+n) of d (indices relative to d's own offset).
func rangeBytes(d arrow.ArrayData, off, n int) int64 { return typedBytes(d, d.DataType(), off, n) }

// typedBytes is rangeBytes with d's layout read as type dt (an extension's storage type).
func typedBytes(d arrow.ArrayData, dt arrow.DataType, off, n int) int64 {
	if n <= 0 {
		return 0
	}
	if ext, ok := dt.(arrow.ExtensionType); ok {
		return typedBytes(d, ext.StorageType(), off, n)
	}
	bufs := d.Buffers()
	abs := d.Offset() + off
	var size int64
	if len(bufs) > 0 && bufs[0] != nil {
		size += int64((n + 7) / 8) // validity
	}
	switch t := dt.(type) {
	case *arrow.StringType, *arrow.BinaryType:
		if len(bufs) > 1 && bufs[1] != nil {
			offs := arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())
			if abs+n < len(offs) {
				return size + int64(4*(n+1)) + int64(offs[abs+n]-offs[abs])
			}
		}
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		if len(bufs) > 1 && bufs[1] != nil {
			offs := arrow.Int64Traits.CastFromBytes(bufs[1].Bytes())
			if abs+n < len(offs) {
				return size + int64(8*(n+1)) + offs[abs+n] - offs[abs]
			}
		}
	case *arrow.ListType, *arrow.MapType:
		if len(bufs) > 1 && bufs[1] != nil && len(d.Children()) == 1 {
			offs := arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())
			if abs+n < len(offs) {
				lo, hi := int(offs[abs]), int(offs[abs+n])
				return size + int64(4*(n+1)) + rangeBytes(d.Children()[0], lo-d.Children()[0].Offset(), hi-lo)
			}
		}
	case *arrow.FixedSizeListType:
		if len(d.Children()) == 1 {
			k := int(t.Len())
			c := d.Children()[0]
			return size + rangeBytes(c, abs*k-c.Offset(), n*k)
		}
	case *arrow.StructType:
		for _, c := range d.Children() {
			size += rangeBytes(c, off, n)
		}
		return size
	case arrow.FixedWidthDataType:
		return size + (int64(n)*int64(t.BitWidth())+7)/8
	}
	// Anything else (dictionaries, unions, views): the whole buffers, an overestimate.
	return size + wholeBytes(d)
}

func wholeBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += wholeBytes(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += wholeBytes(d.Dictionary())
	}
	return n
}

// joinOrigins names the inputs of a bundle in an error message: the first two and a count.
func joinOrigins(bs []block) string {
	var names []string
	seen := map[string]bool{}
	for _, b := range bs {
		if b.origin != "" && !seen[b.origin] {
			seen[b.origin] = true
			names = append(names, b.origin)
		}
	}
	switch {
	case len(names) <= 2:
		return strings.Join(names, ", ")
	default:
		return fmt.Sprintf("%s, %s and %d more", names[0], names[1], len(names)-2)
	}
}
