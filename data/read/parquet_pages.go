package read

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The page reader decodes some columns straight from their Parquet pages into Arrow buffers,
// skipping pqarrow's record assembly, which dominates the cost of reading them
// (bench/parquet_pages_test.go and BenchmarkParquetRead measure both paths):
//
//   - flat columns of int32, int64, float32 or float64 stored unconverted, with or without
//     nulls (definition levels become the validity bitmap);
//   - fixed-size-list columns of those (tensor columns, which sluice writes as
//     FixedSizeList<T>[n] with no null rows). Levels are checked value by value: a null, an
//     empty or a short list sends the rest of the row group (from the first row not yet
//     emitted) to pqarrow, and column statistics that admit nulls send the whole row group
//     there, so the page reader never guesses;
//   - flat INT96 columns, always (also with NoPageReader): pqarrow reads INT96 only at
//     nanoseconds, and sluice offers pyarrow's other units (parquet_int96.go).
//
// Every other column is read by pqarrow and the two are stitched into one batch. The values
// live in the caller's allocator; the level scratch (about 128 KiB per column) is ordinary Go
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
)

// pageColumn is a projected column the page reader decodes itself.
type pageColumn struct {
	kind   pageKind
	field  arrow.Field    // the output field
	elem   arrow.DataType // the primitive (element) type
	width  int            // values per row
	leaf   int            // Parquet leaf column index
	chunk  int            // levels decoded per call: whole rows, about levelChunk
	maxDef int16          // of a flat column: 1 when optional
	unit   Int96Unit      // of an INT96 column
	// pages lets a flat column's chunks whose encodings allow it be decoded by flatDecoder
	// rather than arrow-go's column reader (off in the plan a row group falls back to).
	pages bool
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
		want, ok := physicalOf(t)
		if !fast || !ok || descr.PhysicalType() != want {
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
		wantDef: arrow.Int16Traits.CastToBytes(def), wantRep: arrow.Int16Traits.CastToBytes(rep)}
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
	rd    file.ColumnChunkReader // nil when flat decodes the chunk
	flat  *flatDecoder
	size  int   // bytes per value
	first int64 // the file's row number of the row group's first row
	pos   int64 // rows of the row group read so far
	def   []int16
	rep   []int16
	i96   []parquet.Int96 // INT96 values of one call
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
		c.size = fw.Bytes()
	}
	if md, err := rgr.MetaData().ColumnChunk(col.leaf); err == nil && col.kind == pageFlat && col.pages && flatEncodings(md) {
		pr, err := rgr.GetColumnPageReader(col.leaf)
		if err != nil {
			return nil, err
		}
		c.flat = newFlatDecoder(pr, c.size, col.maxDef, col.chunk)
	} else {
		rd, err := rgr.Column(col.leaf)
		if err != nil {
			return nil, err
		}
		c.rd = rd
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
func (c *pageChunk) close() {
	if c.flat != nil {
		c.flat.pr.Close()
	} else {
		c.rd.Close()
	}
}

// skip reads and drops the next rows rows.
func (c *pageChunk) skip(mem memory.Allocator, rows int64) error {
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
		switch r := c.rd.(type) {
		case nil:
			lvls, vals, err = c.flat.readBatch(want, dst, def)
		case *file.Int32ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Int32Traits.CastFromBytes(dst), def, c.rep)
		case *file.Int64ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Int64Traits.CastFromBytes(dst), def, c.rep)
		case *file.Float32ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Float32Traits.CastFromBytes(dst), def, c.rep)
		case *file.Float64ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Float64Traits.CastFromBytes(dst), def, c.rep)
		case *file.Int96ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, c.i96[:want], def, nil)
		default:
			return nil, errPagesFallback
		}
		if err == nil && lvls < want {
			if c.rd != nil {
				err = c.rd.Err() // a short read hides a page that failed to load
			}
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
	child := array.NewData(c.col.elem, int(total), []*memory.Buffer{valid, buf}, nil, nulls, 0)
	defer child.Release()
	if c.col.kind != pageList {
		return array.MakeFromData(child), nil
	}
	d := array.NewData(c.col.field.Type, int(rows), []*memory.Buffer{nil}, []arrow.ArrayData{child}, 0, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
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
