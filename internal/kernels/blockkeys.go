package kernels

import (
	"context"
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// blockCodeLimit bounds the product of the key columns' distinct counts within one block that
// BlockKeys handles: each row's columns combine into one code below it, and a table of that
// many group ids is filled per block.
const blockCodeLimit = 1 << 16

// BlockKeys assigns group ids to a block's rows when the key columns have few distinct values
// within the block (TPC-H Q1's return flag and line status: six groups). Each column's values
// are numbered once per block (a short string by its bytes packed in a word, a number by its
// bits, a dictionary entry by its index), the numbers combine into one code per row, and only
// the first row of each distinct code is encoded as Keys and looked up in the Grouper: a map
// lookup per column and row in place of encoding, hashing and comparing every row's key.
// The ids are those Grouper.Assign would give (the same groups, numbered in the same order of
// first appearance).
//
// The zero value is ready to use; not safe for concurrent use. A BlockKeys that once met a
// block with too many distinct values stops trying (the caller encodes every row).
type BlockKeys struct {
	off   bool
	cols  []columnIDs
	codes []int32 // per row
	group []int32 // per code: group id + 1, 0 for a code not seen in this block
	reps  []int64 // the first row of each distinct code, in row order
	keys  Keys
	gids  []int32
}

// Off reports whether b has given up (a block had too many distinct keys).
func (b *BlockKeys) Off() bool { return b.off }

// Assign appends to ids the group of each row of cols (key columns of equal length) and
// reports true, or reports false, appending nothing, when the columns' types or distinct
// counts are past what b handles. mem allocates the scratch columns of the first rows.
func (b *BlockKeys) Assign(mem memory.Allocator, g *Grouper, cols []arrow.Array, names []string, ids []int32) ([]int32, bool, error) {
	if b.off || len(cols) == 0 {
		return ids, false, nil
	}
	n := cols[0].Len()
	if n == 0 {
		return ids, true, nil
	}
	for len(b.cols) < len(cols) {
		b.cols = append(b.cols, columnIDs{})
	}
	product := 1
	for i, c := range cols {
		if c.Len() != n {
			return ids, false, nil
		}
		distinct, ok := b.cols[i].number(c, blockCodeLimit/product)
		if !ok {
			b.off = true
			return ids, false, nil
		}
		product *= max(distinct, 1)
	}
	b.codes = grow32(b.codes, n)
	codes := b.codes
	copy(codes, b.cols[0].ids)
	mul := max(b.cols[0].distinct, 1)
	for i := 1; i < len(cols); i++ {
		cid := b.cols[i].ids[:n]
		for r := range codes[:n] {
			codes[r] += int32(mul) * cid[r]
		}
		mul *= max(b.cols[i].distinct, 1)
	}
	b.group = grow32(b.group, product)
	clear(b.group)
	group := b.group
	b.reps = b.reps[:0]
	for r, c := range codes[:n] {
		if group[c] == 0 {
			b.reps = append(b.reps, int64(r))
			group[c] = int32(len(b.reps)) // a placeholder: rep index + 1
		}
	}
	// The first row of each code, encoded and numbered by the grouper in row order.
	taken := make([]arrow.Array, len(cols))
	defer releaseAll(taken)
	for i, c := range cols {
		t, err := takeColumn1(context.Background(), mem, c, b.reps)
		if err != nil {
			return ids, false, fmt.Errorf("sluice: keys: column %q: %w", colName(names, i), err)
		}
		taken[i] = t
	}
	if err := EncodeKeys(&b.keys, taken, nil, names); err != nil {
		return ids, false, err
	}
	b.gids = g.Assign(&b.keys, b.gids[:0])
	for _, r := range b.reps {
		c := codes[r]
		group[c] = b.gids[group[c]-1]
	}
	start := len(ids)
	ids = append(ids, make([]int32, n)...)
	out := ids[start:]
	for r, c := range codes[:n] {
		out[r] = group[c]
	}
	return ids, true, nil
}

// takeColumn1 gathers rows of one column with Take's kernels.
func takeColumn1(ctx context.Context, mem memory.Allocator, c arrow.Array, rows []int64) (arrow.Array, error) {
	if a, ok := fixedWidthTake(mem, c, rows); ok {
		return a, nil
	}
	if a, ok := binaryTake(mem, c, rows); ok {
		return a, nil
	}
	ib := array.NewInt64Builder(mem)
	ib.AppendValues(rows, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	return takeColumn(compute.WithAllocator(ctx, mem), mem, c, rows, idx)
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// columnIDs numbers one column's distinct values within a block 0, 1, 2, ... in order of first
// appearance (a null is a value of its own).
type columnIDs struct {
	ids      []int32 // per row
	distinct int
	words    wordTable        // values that fit in a word: numbers, strings of up to 7 bytes
	long     map[string]int32 // longer strings
	null     int32            // id of null + 1, 0 if none seen
}

// number fills c.ids for column a and reports the distinct count, or false when a's type is
// not handled or it has more than limit distinct values.
func (c *columnIDs) number(a arrow.Array, limit int) (int, bool) {
	n := a.Len()
	c.ids = grow32(c.ids, n)
	c.distinct, c.null = 0, 0
	c.words.reset()
	clear(c.long)
	ok := false
	switch a.DataType().ID() {
	case arrow.STRING, arrow.BINARY:
		ok = numberBinary[int32](c, a, limit)
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		ok = numberBinary[int64](c, a, limit)
	case arrow.FLOAT32:
		vs := a.(*array.Float32).Float32Values()
		ok = c.numberWords(a, limit, func(i int) uint64 { return floatKey(float64(vs[i])) })
	case arrow.FLOAT64:
		vs := a.(*array.Float64).Float64Values()
		ok = c.numberWords(a, limit, func(i int) uint64 { return floatKey(vs[i]) })
	case arrow.BOOL:
		bs := a.(*array.Boolean)
		ok = c.numberWords(a, limit, func(i int) uint64 {
			if bs.Value(i) {
				return 1
			}
			return 0
		})
	case arrow.DICTIONARY:
		d := a.(*array.Dictionary)
		ok = c.numberWords(a, limit, func(i int) uint64 { return uint64(d.GetValueIndex(i)) })
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		// Equal values have equal bits (no -0 or NaN to normalize).
		width, values, _, fixed := fixedLayout(a)
		if !fixed {
			return 0, false
		}
		switch width {
		case 1:
			ok = c.numberWords(a, limit, func(i int) uint64 { return uint64(values[i]) })
		case 2:
			ok = c.numberWords(a, limit, func(i int) uint64 { return uint64(binary.LittleEndian.Uint16(values[2*i:])) })
		case 4:
			ok = c.numberWords(a, limit, func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(values[4*i:])) })
		case 8:
			ok = c.numberWords(a, limit, func(i int) uint64 { return binary.LittleEndian.Uint64(values[8*i:]) })
		}
	}
	return c.distinct, ok
}

// id returns the id of a null, numbering it if it is the first.
func (c *columnIDs) nullID() int32 {
	if c.null == 0 {
		c.null = int32(c.distinct) + 1
		c.distinct++
	}
	return c.null - 1
}

// numberWords numbers a column whose values map to distinct words by key.
func (c *columnIDs) numberWords(a arrow.Array, limit int, key func(i int) uint64) bool {
	nulls := a.NullN() > 0
	ids := c.ids
	for i := range ids {
		if nulls && a.IsNull(i) {
			ids[i] = c.nullID()
		} else {
			ids[i] = c.words.id(key(i), &c.distinct)
		}
		if c.distinct > limit {
			return false
		}
	}
	return true
}

func numberBinary[O int32 | int64](c *columnIDs, a arrow.Array, limit int) bool {
	data := a.Data()
	bufs := data.Buffers()
	if len(bufs) < 3 || bufs[1] == nil {
		return false
	}
	off := data.Offset()
	offsets := arrow.GetData[O](bufs[1].Bytes())[off : off+data.Len()+1]
	var values []byte
	if bufs[2] != nil {
		values = bufs[2].Bytes()
	}
	nulls := a.NullN() > 0
	ids := c.ids
	for i := range ids {
		if nulls && a.IsNull(i) {
			ids[i] = c.nullID()
		} else {
			lo, hi := int(offsets[i]), int(offsets[i+1])
			if l := hi - lo; l <= 7 {
				// The bytes and the length in one word: distinct strings, distinct words.
				var w uint64
				if lo+8 <= len(values) {
					w = binary.LittleEndian.Uint64(values[lo:]) & (1<<(8*l) - 1)
				} else {
					for j := l - 1; j >= 0; j-- {
						w = w<<8 | uint64(values[lo+j])
					}
				}
				ids[i] = c.words.id(w|uint64(l)<<56, &c.distinct)
			} else {
				v := values[lo:hi]
				s := unsafe.String(unsafe.SliceData(v), len(v))
				id, seen := c.long[s]
				if !seen {
					if c.long == nil {
						c.long = map[string]int32{}
					}
					id = int32(c.distinct)
					c.distinct++
					c.long[s] = id // aliases the column's bytes: cleared before the next block
				}
				ids[i] = id
			}
		}
		if c.distinct > limit {
			clear(c.long)
			return false
		}
	}
	clear(c.long) // drop the references into the column
	return true
}

// wordTable maps words to ids: open addressing, linear probing, at most half full.
type wordTable struct {
	keys  []uint64
	ids   []int32 // id + 1, 0 for an empty slot
	count int
	// last is the most recent word and its id: runs of one value skip the probe.
	last   uint64
	lastID int32
}

func (t *wordTable) reset() {
	clear(t.ids)
	t.count = 0
	t.lastID = 0
}

// id returns w's id, numbering it *next (and incrementing *next) if it is new.
func (t *wordTable) id(w uint64, next *int) int32 {
	if t.lastID != 0 && t.last == w {
		return t.lastID - 1
	}
	if 2*(t.count+1) > len(t.ids) {
		t.resize()
	}
	mask := uint64(len(t.ids) - 1)
	for s := (w * 0x9e3779b97f4a7c15 >> 32) & mask; ; s = (s + 1) & mask {
		id := t.ids[s]
		if id == 0 {
			id = int32(*next) + 1
			*next++
			t.keys[s], t.ids[s] = w, id
			t.count++
			t.last, t.lastID = w, id
			return id - 1
		}
		if t.keys[s] == w {
			t.last, t.lastID = w, id
			return id - 1
		}
	}
}

func (t *wordTable) resize() {
	keys, ids := t.keys, t.ids
	size := max(16, 2*len(t.ids))
	t.keys, t.ids = make([]uint64, size), make([]int32, size)
	mask := uint64(size - 1)
	for i, id := range ids {
		if id == 0 {
			continue
		}
		s := (keys[i] * 0x9e3779b97f4a7c15 >> 32) & mask
		for t.ids[s] != 0 {
			s = (s + 1) & mask
		}
		t.keys[s], t.ids[s] = keys[i], id
	}
}
