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

// BlockBytes is the size of the buffers behind rec. A slice counts its parent's buffers: that
// is the memory it keeps alive.
func BlockBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += dataBytes(d.Dictionary())
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
