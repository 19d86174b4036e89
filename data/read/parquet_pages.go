package read

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// The page reader decodes some columns straight from their Parquet pages into Arrow buffers,
// skipping pqarrow's record assembly, which dominates the cost of reading them
// (bench/parquet_pages_test.go and BenchmarkParquetRead measure both paths). The pages are
// arrow-go's (file.PageReader: decompressed, checksummed); the decoding is sluice's own
// (parquet_flat.go, parquet_delta.go):
//
//   - flat columns whose Parquet values are Arrow's bit for bit (integers, floats, dates,
//     times, timestamps of the stored unit, float16, fixed-size binary), booleans, strings
//     and binaries, with or without nulls, PLAIN or dictionary-encoded (byte arrays also
//     DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY);
//   - fixed-size-list columns of fixed-width values (tensor columns, which sluice writes as
//     FixedSizeList<T>[n] with no null rows). Levels are checked value by value: a null, an
//     empty or a short list gives the column back to pqarrow for the rest of the row group
//     (from the first row not yet emitted), and column statistics that admit nulls do so for
//     the whole row group, so the page reader never guesses;
//   - flat INT96 columns, also with NoPageReader: pqarrow reads INT96 only at nanoseconds,
//     and sluice offers pyarrow's other units (parquet_int96.go).
//
// A column chunk in another encoding (DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT) is given back to
// pqarrow the same way. Every other column is read by pqarrow and the two are stitched into
// one batch. The values live in the caller's allocator; the level scratch is ordinary Go
// memory.

// errPagesFallback says the page reader met data it does not handle; the caller re-reads the
// row group with pqarrow for those columns, skipping the rows already emitted.
var errPagesFallback = errors.New("page reader: data outside the fast path")

// levelChunk is about how many levels (values) the page reader decodes per call: it bounds
// the level scratch buffers near 2 x 128 KiB per column whatever the batch size. The exact
// chunk is a whole number of rows (see pageColumn.chunk).
const levelChunk = 64 << 10

// pageKind is the decoding a page column takes.
type pageKind uint8

const (
	pageFlat  pageKind = iota // a fixed-width primitive, nulls from definition levels
	pageList                  // a fixed-size list of a fixed-width primitive, no nulls
	pageInt96                 // a flat INT96 timestamp, nulls from definition levels
	pageBytes                 // a flat byte array (string, binary), nulls from definition levels
)

// pageColumn is a projected column the page reader decodes itself.
type pageColumn struct {
	kind   pageKind
	field  arrow.Field    // the output field
	elem   arrow.DataType // the primitive (element) type
	width  int            // values per row
	leaf   int            // Parquet leaf column index
	chunk  int            // levels decoded per call: whole rows, about levelChunk
	maxDef int16          // the leaf's maximum definition level (1 for an optional flat column)
	unit   Int96Unit      // of an INT96 column
	index  int            // the top-level field's manifest index
	// wantDef and wantRep are the definition and repetition levels of chunk levels of
	// fixed-size-list rows with no nulls, as bytes: checking decoded levels is then one
	// memory comparison each.
	wantDef, wantRep []byte
}

// pageColumnOf returns the page column for f, a top-level field of the file, or nil when the
// page reader does not take it. fast says whether to take the columns it reads only for
// speed (everything but INT96).
func pageColumnOf(f *pqarrow.SchemaField, pf *file.Reader, unit Int96Unit, fast bool) *pageColumn {
	t := f.Field.Type
	if f.IsLeaf() {
		descr := pf.MetaData().Schema.Column(f.ColIndex)
		if descr.MaxRepetitionLevel() != 0 || descr.MaxDefinitionLevel() > 1 {
			return nil
		}
		pc := &pageColumn{kind: pageFlat, field: *f.Field, elem: t, width: 1, leaf: f.ColIndex, chunk: levelChunk,
			maxDef: descr.MaxDefinitionLevel()}
		if descr.PhysicalType() == parquet.Types.Int96 {
			if _, ok := t.(*arrow.TimestampType); !ok {
				return nil
			}
			pc.kind, pc.unit = pageInt96, unit
			pc.elem = &arrow.TimestampType{Unit: unit.TimeUnit()}
			pc.field.Type = pc.elem
			return pc
		}
		if !fast {
			return nil
		}
		if descr.PhysicalType() == parquet.Types.ByteArray {
			switch t.ID() {
			case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
				pc.kind = pageBytes
				return pc
			}
			return nil
		}
		if descr.PhysicalType() == parquet.Types.Boolean && t.ID() == arrow.BOOL {
			// bit-packed in Arrow: decoded a byte each, then packed (see finish)
			return pc
		}
		if !sameLayout(descr, t) {
			return nil
		}
		return pc
	}
	if !fast {
		return nil
	}
	if ext, ok := t.(arrow.ExtensionType); ok {
		t = ext.StorageType()
	}
	fsl, ok := t.(*arrow.FixedSizeListType)
	if !ok || fsl.Len() <= 0 || len(f.Children) != 1 || !f.Children[0].IsLeaf() {
		return nil
	}
	elem := fsl.Elem()
	want, ok := physicalOf(elem)
	if !ok {
		return nil
	}
	leaf := f.Children[0].ColIndex
	descr := pf.MetaData().Schema.Column(leaf)
	if descr.PhysicalType() != want || descr.MaxRepetitionLevel() != 1 {
		return nil
	}
	width := int(fsl.Len())
	chunk := max(levelChunk/width, 1) * width
	def := make([]int16, chunk)
	rep := make([]int16, chunk)
	for i := range def {
		def[i] = descr.MaxDefinitionLevel()
		if i%width != 0 {
			rep[i] = 1
		}
	}
	return &pageColumn{kind: pageList, field: *f.Field, elem: elem, width: width, leaf: leaf, chunk: chunk,
		maxDef: descr.MaxDefinitionLevel(), wantDef: arrow.Int16Traits.CastToBytes(def), wantRep: arrow.Int16Traits.CastToBytes(rep)}
}

// sameLayout reports whether the Parquet values of the flat column descr are, bit for bit,
// the values of Arrow type t (pqarrow's type for it), so pages copy or gather straight into
// the Arrow buffer: int32/int64 and the types stored as them unchanged (uint32, uint64,
// date32, time32[ms], time64, timestamps of the stored unit), float32/float64, and
// fixed-length byte arrays as float16 or fixed_size_binary.
func sameLayout(descr *schema.Column, t arrow.DataType) bool {
	lt := descr.LogicalType()
	switch descr.PhysicalType() {
	case parquet.Types.Int32:
		switch t.ID() {
		case arrow.INT32:
			return true
		case arrow.UINT32:
			it, ok := lt.(schema.IntLogicalType)
			return ok && it.BitWidth() == 32 && !it.IsSigned()
		case arrow.DATE32:
			_, ok := lt.(schema.DateLogicalType)
			return ok
		case arrow.TIME32:
			tt, ok := lt.(schema.TimeLogicalType)
			return ok && tt.TimeUnit() == schema.TimeUnitMillis && t.(*arrow.Time32Type).Unit == arrow.Millisecond
		}
	case parquet.Types.Int64:
		switch t.ID() {
		case arrow.INT64:
			return true
		case arrow.UINT64:
			it, ok := lt.(schema.IntLogicalType)
			return ok && it.BitWidth() == 64 && !it.IsSigned()
		case arrow.TIMESTAMP:
			tt, ok := lt.(schema.TimestampLogicalType)
			return ok && sameUnit(tt.TimeUnit(), t.(*arrow.TimestampType).Unit)
		case arrow.TIME64:
			tt, ok := lt.(schema.TimeLogicalType)
			return ok && sameUnit(tt.TimeUnit(), t.(*arrow.Time64Type).Unit)
		}
	case parquet.Types.Float:
		return t.ID() == arrow.FLOAT32
	case parquet.Types.Double:
		return t.ID() == arrow.FLOAT64
	case parquet.Types.FixedLenByteArray:
		switch t := t.(type) {
		case *arrow.Float16Type:
			_, ok := lt.(schema.Float16LogicalType)
			return ok && descr.TypeLength() == 2
		case *arrow.FixedSizeBinaryType:
			return (lt == nil || lt.IsNone()) && descr.TypeLength() == t.ByteWidth
		}
	}
	return false
}

func sameUnit(u schema.TimeUnitType, a arrow.TimeUnit) bool {
	switch u {
	case schema.TimeUnitMillis:
		return a == arrow.Millisecond
	case schema.TimeUnitMicros:
		return a == arrow.Microsecond
	case schema.TimeUnitNanos:
		return a == arrow.Nanosecond
	}
	return false
}

// physicalOf returns the Parquet physical type that stores Arrow type t unconverted, for
// the four types the page reader decodes (an extension type or a logical type such as
// date32 has another ID and is left to pqarrow).
func physicalOf(t arrow.DataType) (parquet.Type, bool) {
	switch t.ID() {
	case arrow.INT32:
		return parquet.Types.Int32, true
	case arrow.INT64:
		return parquet.Types.Int64, true
	case arrow.FLOAT32:
		return parquet.Types.Float, true
	case arrow.FLOAT64:
		return parquet.Types.Double, true
	}
	return parquet.Types.Undefined, false
}

// pageChunk decodes one column chunk in batches of rows.
type pageChunk struct {
	col   *pageColumn
	flat  *flatDecoder
	size  int   // bytes per value
	first int64 // the file's row number of the row group's first row
	pos   int64 // rows of the row group read so far
	def   []int16
	rep   []int16
	i96   []parquet.Int96 // INT96 values of one call
	// avgBytes is the chunk's uncompressed bytes per value, to size byte-array buffers.
	avgBytes float64
	// pages is the chunk's offset index, when a selective read (parquet_select.go) seeks by
	// it; groupRows is the row group's row count.
	pages     []*metadata.PageLocation
	groupRows int64
}

// newPageChunk opens col's chunk in row group rg, whose first row is the file's row first.
// The caller closes c.rd.
func newPageChunk(pf *file.Reader, rg int, first int64, col *pageColumn) (*pageChunk, error) {
	rgr := pf.RowGroup(rg)
	if col.kind == pageList {
		// Statistics that admit nulls send the row group to pqarrow without decoding anything.
		if md, err := rgr.MetaData().ColumnChunk(col.leaf); err == nil {
			if st, err := md.Statistics(); err == nil && st != nil && st.HasNullCount() && st.NullCount() > 0 {
				return nil, errPagesFallback
			}
		}
	}
	c := &pageChunk{col: col, size: 8, first: first}
	if fw, ok := col.elem.(arrow.FixedWidthDataType); ok {
		c.size = max(fw.BitWidth()/8, 1) // booleans decode a byte each
	}
	md, err := rgr.MetaData().ColumnChunk(col.leaf)
	if err != nil {
		return nil, err
	}
	// Only sluice's decoder reads the page columns: a chunk in another encoding (DELTA_BINARY_
	// PACKED, BYTE_STREAM_SPLIT) sends the row group to the plan where pqarrow reads it.
	// (arrow-go's ColumnChunkReader.ReadBatch, which the page reader once called, spins forever
	// on a DELTA_BINARY_PACKED page shorter than its header says: TestReadParquetMutations.)
	if !flatEncodings(md, col.kind == pageBytes) {
		return nil, errPagesFallback
	}
	pr, err := rgr.GetColumnPageReader(col.leaf)
	if err != nil {
		return nil, err
	}
	size := c.size
	if col.kind == pageInt96 {
		size = 12
	}
	c.flat = newFlatDecoder(pr, size, col.maxDef, col.kind, col.elem.ID() == arrow.BOOL)
	if col.kind == pageList {
		c.flat.maxRep = 1
	}
	if n := md.NumValues(); n > 0 {
		c.avgBytes = float64(md.TotalUncompressedSize()) / float64(n)
	}
	if col.wantDef != nil || col.maxDef > 0 {
		c.def = make([]int16, col.chunk)
	}
	if col.wantRep != nil {
		c.rep = make([]int16, col.chunk)
	}
	if col.kind == pageInt96 {
		c.i96 = make([]parquet.Int96, col.chunk)
	}
	return c, nil
}

// close releases the chunk's pages. A close error adds nothing to the read's.
func (c *pageChunk) close() { c.flat.pr.Close() }

// skip reads and drops the next rows rows: a flat column passes over them without copying
// values (parquet_skip.go), a list decodes them.
func (c *pageChunk) skip(mem memory.Allocator, rows int64) error {
	if c.col.kind != pageList && rows > 0 {
		n, err := c.flat.skip(rows)
		if err == nil && n < rows {
			err = fmt.Errorf("the column chunk ends after %d of its row group's rows", c.pos+n)
		}
		if err != nil {
			return err
		}
		c.pos += rows
		return nil
	}
	for rows > 0 {
		n := min(rows, int64(c.col.chunk/c.col.width))
		a, err := c.read(mem, n)
		if err != nil {
			return err
		}
		a.Release()
		rows -= n
	}
	return nil
}

// read decodes the next rows rows into a new array of the column's type; the caller releases
// it. It returns errPagesFallback when a fixed-size-list column holds anything but rows of
// exactly width non-null values.
func (c *pageChunk) read(mem memory.Allocator, rows int64) (arrow.Array, error) {
	if c.col.kind == pageBytes {
		return c.readBytes(mem, rows)
	}
	width := int64(c.col.width)
	total := rows * width
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	buf.Resize(int(total) * c.size)
	var valid *memory.Buffer // made at the first null
	defer func() {
		if valid != nil {
			valid.Release()
		}
	}()
	nulls := 0
	raw := buf.Bytes()
	if c.flat != nil && c.col.maxDef > 0 && c.col.kind == pageFlat {
		// Optional flat column: values and validity straight into place.
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(total)))
		lvls, n, err := c.flat.readSpaced(total, raw, valid.Bytes(), 0)
		if err == nil && lvls < total {
			err = fmt.Errorf("the column chunk ends after %d of its row group's rows", c.pos+lvls)
		}
		if err != nil {
			return nil, err
		}
		nulls = n
		if nulls == 0 {
			valid.Release()
			valid = nil
		}
		c.pos += rows
		return c.finish(mem, total, buf, valid, nulls)
	}
	for done := int64(0); done < total; {
		// Every call starts on a row boundary: batches are whole rows, chunks too.
		want := min(total-done, int64(c.col.chunk))
		dst := raw[done*int64(c.size) : (done+want)*int64(c.size)]
		var (
			lvls int64
			vals int
			err  error
		)
		def := c.def
		if def != nil {
			def = def[:want]
		}
		rep := c.rep
		if rep != nil {
			rep = rep[:want]
		}
		if c.col.kind == pageInt96 {
			lvls, vals, err = c.flat.readBatch(want, int96Bytes(c.i96[:want]), def, nil)
		} else {
			lvls, vals, err = c.flat.readBatch(want, dst, def, rep)
		}
		if err == nil && lvls < want {
			if err == nil {
				err = fmt.Errorf("the column chunk ends after %d of its row group's rows", c.pos+done+lvls)
			}
		}
		if err != nil {
			return nil, err
		}
		switch c.col.kind {
		case pageList:
			if lvls != want || int64(vals) != lvls || !c.check(lvls) {
				return nil, errPagesFallback
			}
		case pageInt96:
			if err := c.int96s(arrow.Int64Traits.CastFromBytes(dst), def, vals, c.pos+done); err != nil {
				return nil, err
			}
		}
		if int64(vals) < lvls || valid != nil {
			if valid == nil {
				valid = memory.NewResizableBuffer(mem)
				valid.Resize(int(bitutil.BytesForBits(total)))
				bitutil.SetBitsTo(valid.Bytes(), 0, done, true)
			}
			if c.col.kind == pageFlat && int64(vals) < lvls {
				spread(dst, c.size, def, vals, c.col.maxDef)
			}
			nulls += setValidity(valid.Bytes(), done, def, c.col.maxDef)
		}
		done += lvls
	}
	c.pos += rows
	return c.finish(mem, total, buf, valid, nulls)
}

// readRuns decodes the rows of runs (sorted, disjoint, none before the chunk's position) of
// a flat column (kinds pageFlat and pageBytes) into one new array, skipping the rows between
// them (skipTo): past whole pages by the offset index, past the rest without copying. The
// caller releases it.
func (c *pageChunk) readRuns(mem memory.Allocator, runs []RowRange) (arrow.Array, error) {
	switch c.col.kind {
	case pageBytes:
		return c.readBytesRuns(mem, runs)
	case pageFlat:
	default:
		return nil, fmt.Errorf("readRuns: a column of kind %d", c.col.kind)
	}
	total := rangeRows(runs)
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	buf.Resize(int(total) * c.size)
	raw := buf.Bytes()
	var valid *memory.Buffer
	defer func() {
		if valid != nil {
			valid.Release()
		}
	}()
	var bitmap []byte
	if c.col.maxDef > 0 {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(total)))
		bitmap = valid.Bytes()
	}
	nulls, done := 0, int64(0)
	for _, r := range runs {
		if err := c.skipTo(mem, r.Start); err != nil {
			return nil, err
		}
		n := r.End - r.Start
		var (
			lvls int64
			err  error
		)
		dst := raw[done*int64(c.size) : (done+n)*int64(c.size)]
		if bitmap != nil {
			var k int
			lvls, k, err = c.flat.readSpaced(n, dst, bitmap, done)
			nulls += k
		} else {
			lvls, _, err = c.flat.readBatch(n, dst, nil, nil)
		}
		if err == nil && lvls < n {
			err = fmt.Errorf("the column chunk ends after %d of its row group's rows", c.pos+lvls)
		}
		if err != nil {
			return nil, err
		}
		c.pos += n
		done += n
	}
	if nulls == 0 && valid != nil {
		valid.Release()
		valid = nil
	}
	return c.finish(mem, total, buf, valid, nulls)
}

// finish makes the array of the total values (total/width rows) just decoded into buf, with the
// validity bitmap valid (nil without nulls). The caller still releases buf and valid.
func (c *pageChunk) finish(mem memory.Allocator, total int64, buf, valid *memory.Buffer, nulls int) (arrow.Array, error) {
	raw := buf.Bytes()
	rows := total / int64(c.col.width)
	if c.col.elem.ID() == arrow.BOOL {
		// One byte per value decoded: pack them into Arrow's bitmap.
		bitmap := memory.NewResizableBuffer(mem)
		defer bitmap.Release()
		bitmap.Resize(int(bitutil.BytesForBits(total)))
		packBools(bitmap.Bytes(), raw[:total])
		buf = bitmap // the deferred release of the bytes still applies to them
	}
	child := array.NewData(c.col.elem, int(total), []*memory.Buffer{valid, buf}, nil, nulls, 0)
	defer child.Release()
	if c.col.kind != pageList {
		return array.MakeFromData(child), nil
	}
	d := array.NewData(c.col.field.Type, int(rows), []*memory.Buffer{nil}, []arrow.ArrayData{child}, 0, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// readBytes decodes the next rows values of a byte-array column into a new string or binary
// array (large ones with 64-bit offsets); the caller releases it.
func (c *pageChunk) readBytes(mem memory.Allocator, rows int64) (arrow.Array, error) {
	return c.readBytesRuns(mem, []RowRange{{c.pos, c.pos + rows}})
}

// readBytesRuns is readBytes of the rows of runs (sorted, disjoint, none before the chunk's
// position), into one array, skipping the rows between them (skipTo).
func (c *pageChunk) readBytesRuns(mem memory.Allocator, runs []RowRange) (arrow.Array, error) {
	rows := rangeRows(runs)
	large := c.col.elem.ID() == arrow.LARGE_STRING || c.col.elem.ID() == arrow.LARGE_BINARY
	osize := int64(4)
	if large {
		osize = 8
	}
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize(int((rows + 1) * osize))
	data := memory.NewResizableBuffer(mem)
	defer data.Release()
	data.Reserve(int(c.avgBytes*float64(rows)) + 64)
	var valid *memory.Buffer
	var bitmap []byte
	if c.col.maxDef > 0 {
		valid = memory.NewResizableBuffer(mem)
		defer valid.Release()
		valid.Resize(int(bitutil.BytesForBits(rows)))
		bitmap = valid.Bytes()
	}
	var (
		sink byteSink
		size func() int
	)
	if large {
		b := &bytesBuilder[int64]{offs: arrow.Int64Traits.CastFromBytes(offsets.Bytes()), buf: data, limit: math.MaxInt64}
		b.offs[0] = 0
		sink, size = b, func() int { return b.size }
	} else {
		b := &bytesBuilder[int32]{offs: arrow.Int32Traits.CastFromBytes(offsets.Bytes()), buf: data, limit: math.MaxInt32}
		b.offs[0] = 0
		sink, size = b, func() int { return b.size }
	}
	nulls, done := 0, int64(0)
	for _, r := range runs {
		if err := c.skipTo(mem, r.Start); err != nil {
			return nil, err
		}
		n := r.End - r.Start
		lvls, k, err := c.flat.readBytes(n, sink, bitmap, done)
		if err == nil && lvls < n {
			err = fmt.Errorf("the column chunk ends after %d of its row group's rows", c.pos+lvls)
		}
		if err != nil {
			return nil, err
		}
		c.pos += n
		done += n
		nulls += k
	}
	data.Resize(size())
	if nulls == 0 {
		valid = nil // still released by the deferred call
	}
	d := array.NewData(c.col.elem, int(rows), []*memory.Buffer{valid, offsets, data}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// bytesBuilder collects byte-array values into Arrow offsets (O) and data buffers.
type bytesBuilder[O int32 | int64] struct {
	offs  []O            // rows+1 offsets; offs[0] is 0
	buf   *memory.Buffer // the data, grown as needed
	n     int            // values so far
	size  int            // data bytes so far
	limit int64          // the most data bytes O can address
}

func (b *bytesBuilder[O]) add(v []byte) error {
	need := b.size + len(v)
	if int64(need) > b.limit {
		return fmt.Errorf("more than %d bytes of values in one batch: read with fewer BatchRows", b.limit)
	}
	if need > b.buf.Cap() {
		b.buf.Reserve(max(need, 2*b.buf.Cap()))
	}
	copy(b.buf.Buf()[b.size:need], v)
	b.size = need
	b.n++
	b.offs[b.n] = O(need)
	return nil
}

func (b *bytesBuilder[O]) null() {
	b.n++
	b.offs[b.n] = O(b.size)
}

// grow makes room for need data bytes in all, and copyPad more.
func (b *bytesBuilder[O]) grow(need int) error {
	if int64(need) > b.limit {
		return fmt.Errorf("more than %d bytes of values in one batch: read with fewer BatchRows", b.limit)
	}
	if need+copyPad > b.buf.Cap() {
		b.buf.Reserve(max(need+copyPad, 2*b.buf.Cap()))
	}
	return nil
}

func (b *bytesBuilder[O]) dict(data []byte, offs []int, idx []uint32, valid []byte, at, n int) error {
	need := b.size
	for _, i := range idx {
		need += offs[i+1] - offs[i]
	}
	if err := b.grow(need); err != nil {
		return err
	}
	buf := b.buf.Buf()
	size := b.size
	out := b.offs[b.n+1 : b.n+1+n]
	if valid == nil {
		for k, i := range idx {
			s, e := offs[i], offs[i+1]
			if e-s <= copyPad {
				// data and buf both have copyPad bytes of slack: two fixed moves, no call.
				w := buf[size : size+copyPad]
				r := data[s : s+copyPad]
				binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(r))
				binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(r[8:]))
				size += e - s
			} else {
				size += copy(buf[size:], data[s:e])
			}
			out[k] = O(size)
		}
	} else {
		j := 0
		for k := range n {
			if valid[(at+k)>>3]&(1<<((at+k)&7)) != 0 {
				i := idx[j]
				j++
				size += copy(buf[size:], data[offs[i]:offs[i+1]])
			}
			out[k] = O(size)
		}
	}
	b.size = size
	b.n += n
	return nil
}

func (b *bytesBuilder[O]) plain(page []byte, valid []byte, at, n int) ([]byte, error) {
	// First the lengths, checked, for the room the values take; then the copies.
	need, pos := b.size, 0
	for k := range n {
		if valid != nil && valid[(at+k)>>3]&(1<<((at+k)&7)) == 0 {
			continue
		}
		if len(page)-pos < 4 {
			return page, errors.New("PLAIN byte array cut short")
		}
		m := binary.LittleEndian.Uint32(page[pos:])
		if uint64(m) > uint64(len(page)-pos-4) {
			return page, fmt.Errorf("PLAIN byte array of %d bytes where %d remain", m, len(page)-pos-4)
		}
		pos += 4 + int(m)
		need += int(m)
	}
	if err := b.grow(need); err != nil {
		return page, err
	}
	buf := b.buf.Buf()
	size := b.size
	out := b.offs[b.n+1 : b.n+1+n]
	pos = 0
	for k := range n {
		if valid == nil || valid[(at+k)>>3]&(1<<((at+k)&7)) != 0 {
			m := int(binary.LittleEndian.Uint32(page[pos:]))
			pos += 4
			if m <= copyPad && pos+copyPad <= len(page) {
				w := buf[size : size+copyPad]
				r := page[pos : pos+copyPad]
				binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(r))
				binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(r[8:]))
			} else {
				copy(buf[size:size+m], page[pos:pos+m])
			}
			size += m
			pos += m
		}
		out[k] = O(size)
	}
	b.size = size
	b.n += n
	return page[pos:], nil
}

// int96Bytes views INT96 values as their 12-byte little-endian encoding.
func int96Bytes(v []parquet.Int96) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice(&v[0][0], len(v)*12)
}

// packBools sets bit i of dst to bytes[i] (0 or 1).
func packBools(dst, bytes []byte) {
	n := len(bytes) / 8 * 8
	for i := 0; i < n; i += 8 {
		b := bytes[i : i+8 : i+8]
		dst[i/8] = b[0] | b[1]<<1 | b[2]<<2 | b[3]<<3 | b[4]<<4 | b[5]<<5 | b[6]<<6 | b[7]<<7
	}
	if n < len(bytes) {
		var last byte
		for k, v := range bytes[n:] {
			last |= v << k
		}
		dst[n/8] = last
	}
}

// int96s converts the vals INT96 values of c.i96 into dst (one slot per level, nulls left
// zero) at the column's unit; first is the row group's row of dst[0], for errors.
func (c *pageChunk) int96s(dst []int64, def []int16, vals int, first int64) error {
	j := 0
	for i := range dst {
		if def != nil && def[i] != c.col.maxDef {
			dst[i] = 0
			continue
		}
		v, ok := int96Value(c.i96[j], c.col.unit)
		if !ok {
			return int96RangeError(c.i96[j], c.first+first+int64(i))
		}
		dst[i] = v
		j++
	}
	if j != vals {
		return fmt.Errorf("%d values for %d defined levels", vals, j)
	}
	return nil
}

// spread moves the vals values packed at the front of dst (size bytes each) to the slots
// whose definition level is maxDef, back to front so nothing is overwritten before it moves,
// and zeroes the null slots.
func spread(dst []byte, size int, def []int16, vals int, maxDef int16) {
	j := vals - 1
	for i := len(def) - 1; i >= 0; i-- {
		at := dst[i*size : (i+1)*size]
		if def[i] == maxDef {
			if j != i {
				copy(at, dst[j*size:(j+1)*size])
			}
			j--
		} else {
			clear(at)
		}
	}
}

// setValidity sets the validity bits of bitmap from bit at for the definition levels def and
// returns how many are null. A nil def (a required column) is all valid.
func setValidity(bitmap []byte, at int64, def []int16, maxDef int16) int {
	if def == nil {
		return 0
	}
	nulls := 0
	for i, d := range def {
		if d == maxDef {
			bitutil.SetBit(bitmap, int(at)+i)
		} else {
			bitutil.ClearBit(bitmap, int(at)+i)
			nulls++
		}
	}
	return nulls
}

// check reports whether the n levels just decoded, which start on a row boundary, are all
// defined and start a new row exactly every width values (levels a column does not have
// need no check).
func (c *pageChunk) check(n int64) bool {
	return (c.def == nil || bytes.Equal(arrow.Int16Traits.CastToBytes(c.def[:n]), c.col.wantDef[:2*n])) &&
		(c.rep == nil || bytes.Equal(arrow.Int16Traits.CastToBytes(c.rep[:n]), c.col.wantRep[:2*n]))
}
