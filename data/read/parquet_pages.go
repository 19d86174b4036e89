package read

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The page reader: fixed-size-list columns of a fixed-width primitive (tensor columns, which
// sluice writes as FixedSizeList<T>[n] with no null rows) and flat columns of the same
// primitives are decoded straight from their Parquet pages into one Arrow values buffer,
// skipping pqarrow's list reconstruction and record building, which dominate the cost of
// reading them (bench/parquet_pages_test.go and BenchmarkParquetRead measure both paths).
// Every other column is read by pqarrow and the two are stitched into one batch. Definition
// and repetition levels are checked value by value: a null, an empty or a short list sends
// the rest of the row group (from the first row not yet emitted) to pqarrow, and column
// statistics that admit nulls send the whole row group there, so the page reader never
// guesses. Arrow elements stored with another physical type (int8, uint32, float16, dates,
// ...) and bool (bit-packed in Arrow) stay with pqarrow too. The values live in the caller's
// allocator; the level scratch (about 512 KiB per column) is ordinary Go memory.

// errPagesFallback says the page reader met data it does not handle; the caller re-reads the
// row group with pqarrow, skipping the rows already emitted.
var errPagesFallback = errors.New("page reader: data outside the fast path")

// levelChunk is about how many levels (values) the page reader decodes per call: it bounds
// the level scratch buffers near 2 x 128 KiB per column whatever the batch size. The exact
// chunk is a whole number of rows (see pageColumn.chunk).
const levelChunk = 64 << 10

// pageColumn is a projected fixed-size-list column the page reader decodes itself.
type pageColumn struct {
	field arrow.Field    // the output field, as pqarrow would return it (extension type included)
	elem  arrow.DataType // the primitive element type
	width int            // values per row
	leaf  int            // Parquet leaf column index
	chunk int            // levels decoded per call: whole rows, about levelChunk
	// wantDef and wantRep are the definition and repetition levels of chunk levels of rows
	// with no nulls, as bytes: checking decoded levels is then one memory comparison each.
	// A flat column has no wantRep, and no wantDef either when it is required.
	wantDef, wantRep []byte
	// flat says the column is a primitive column (width 1), not a fixed-size list.
	flat bool
}

// pagesPlan is the projection split between the page reader and pqarrow.
type pagesPlan struct {
	fields []arrow.Field
	meta   *arrow.Metadata // the file's, as pqarrow puts on its batches
	fast   []*pageColumn   // by output position; nil where pqarrow reads the column
	slow   []int           // by output position: index into pqarrow's record, or -1
	leaves []int           // leaves pqarrow reads; empty when every column is fast
}

// planPages decides which projected columns the page reader takes. It returns nil when none
// qualifies, so the caller keeps the plain pqarrow path. columns must already be validated by
// parquetProjection.
func planPages(fr *pqarrow.FileReader, pf *file.Reader, columns []string) *pagesPlan {
	fields := fr.Manifest.Fields
	picked := make([]int, 0, len(fields)) // manifest index by output position
	if len(columns) == 0 {
		for i := range fields {
			picked = append(picked, i)
		}
	} else {
		byName := make(map[string]int, len(fields))
		for i, fl := range fields {
			byName[fl.Field.Name] = i
		}
		for _, c := range columns {
			picked = append(picked, byName[c])
		}
	}
	p := &pagesPlan{
		fields: make([]arrow.Field, len(picked)),
		meta:   fr.Manifest.SchemaMeta,
		fast:   make([]*pageColumn, len(picked)),
		slow:   make([]int, len(picked)),
	}
	isFast := make(map[int]bool)
	anyFast := false
	for pos, i := range picked {
		p.fields[pos] = *fields[i].Field
		if pc := pageColumnOf(&fields[i], pf); pc != nil {
			p.fast[pos] = pc
			isFast[i] = true
			anyFast = true
		}
	}
	if !anyFast {
		return nil
	}
	// pqarrow returns its fields in file order: rank the slow ones within it.
	rank := make(map[int]int)
	for i := range fields {
		if !isFast[i] && contains(picked, i) {
			rank[i] = len(rank)
			p.leaves = appendLeaves(p.leaves, &fields[i])
		}
	}
	for pos, i := range picked {
		p.slow[pos] = -1
		if !isFast[i] {
			p.slow[pos] = rank[i]
		}
	}
	return p
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// pageColumnOf returns the page column for f, or nil when f is neither a top-level
// fixed-size list (or an extension stored as one) nor a flat top-level column of int32,
// int64, float32 or float64 whose Parquet leaf has the matching physical type (and one
// level of repetition for a list, none for a flat column).
func pageColumnOf(f *pqarrow.SchemaField, pf *file.Reader) *pageColumn {
	t := f.Field.Type
	if f.IsLeaf() {
		// A flat column: a "list" of width 1 with no repetition levels.
		want, ok := physicalOf(t)
		if !ok {
			return nil
		}
		descr := pf.MetaData().Schema.Column(f.ColIndex)
		if descr.PhysicalType() != want || descr.MaxRepetitionLevel() != 0 {
			return nil
		}
		def := make([]int16, levelChunk)
		for i := range def {
			def[i] = descr.MaxDefinitionLevel()
		}
		pc := &pageColumn{field: *f.Field, elem: t, width: 1, leaf: f.ColIndex, chunk: levelChunk, flat: true}
		if descr.MaxDefinitionLevel() > 0 {
			pc.wantDef = arrow.Int16Traits.CastToBytes(def)
		}
		return pc
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
	return &pageColumn{field: *f.Field, elem: elem, width: width, leaf: leaf, chunk: chunk,
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

// pageChunk decodes one fixed-size-list column chunk in batches of rows.
type pageChunk struct {
	col  *pageColumn
	rd   file.ColumnChunkReader
	size int // bytes per value
	def  []int16
	rep  []int16
}

func newPageChunk(pf *file.Reader, rg int, col *pageColumn) (*pageChunk, error) {
	rgr := pf.RowGroup(rg)
	// Statistics that admit nulls send the row group to pqarrow without decoding anything.
	if md, err := rgr.MetaData().ColumnChunk(col.leaf); err == nil {
		if st, err := md.Statistics(); err == nil && st != nil && st.HasNullCount() && st.NullCount() > 0 {
			return nil, errPagesFallback
		}
	}
	rd, err := rgr.Column(col.leaf)
	if err != nil {
		return nil, err
	}
	c := &pageChunk{col: col, rd: rd, size: col.elem.(arrow.FixedWidthDataType).Bytes()}
	if col.wantDef != nil {
		c.def = make([]int16, col.chunk)
	}
	if col.wantRep != nil {
		c.rep = make([]int16, col.chunk)
	}
	return c, nil
}

// read decodes the next rows rows into a new array of the column's type; the caller releases
// it. It returns errPagesFallback when the pages hold anything but rows of exactly width
// non-null values.
func (c *pageChunk) read(mem memory.Allocator, rows int64) (arrow.Array, error) {
	width := int64(c.col.width)
	total := rows * width
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(total) * c.size)
	ok := false
	defer func() {
		if !ok {
			buf.Release()
		}
	}()
	raw := buf.Bytes()
	for done := int64(0); done < total; {
		// Every call starts on a row boundary: batches are whole rows, chunks too.
		want := min(total-done, int64(c.col.chunk))
		var (
			lvls int64
			vals int
			err  error
		)
		dst := raw[done*int64(c.size) : (done+want)*int64(c.size)]
		switch r := c.rd.(type) {
		case *file.Int32ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Int32Traits.CastFromBytes(dst), c.def, c.rep)
		case *file.Int64ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Int64Traits.CastFromBytes(dst), c.def, c.rep)
		case *file.Float32ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Float32Traits.CastFromBytes(dst), c.def, c.rep)
		case *file.Float64ColumnChunkReader:
			lvls, vals, err = r.ReadBatch(want, arrow.Float64Traits.CastFromBytes(dst), c.def, c.rep)
		default:
			return nil, errPagesFallback
		}
		if err == nil && lvls < want {
			err = c.rd.Err() // a short read hides a page that failed to load
		}
		if err != nil {
			return nil, err
		}
		if lvls != want || int64(vals) != lvls || !c.check(lvls) {
			return nil, errPagesFallback
		}
		done += lvls
	}
	child := array.NewData(c.col.elem, int(total), []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer child.Release()
	if c.col.flat {
		ok = true
		buf.Release() // child holds it now
		return array.MakeFromData(child), nil
	}
	d := array.NewData(c.col.field.Type, int(rows), []*memory.Buffer{nil}, []arrow.ArrayData{child}, 0, 0)
	defer d.Release()
	ok = true
	buf.Release() // child holds it now
	return array.MakeFromData(d), nil
}

// check reports whether the n levels just decoded, which start on a row boundary, are all
// defined and start a new row exactly every width values (levels a column does not have
// need no check).
func (c *pageChunk) check(n int64) bool {
	return (c.def == nil || bytes.Equal(arrow.Int16Traits.CastToBytes(c.def[:n]), c.col.wantDef[:2*n])) &&
		(c.rep == nil || bytes.Equal(arrow.Int16Traits.CastToBytes(c.rep[:n]), c.col.wantRep[:2*n]))
}

// readRowGroupPages emits the batches of row group rg of pf under plan p, reading the fast
// columns with the page reader and the others with pqarrow, and returns how many rows it
// emitted. When limited, it stops after left rows. It returns errPagesFallback (with the rows
// already emitted) when a fast column holds data the page reader does not handle.
func readRowGroupPages(ctx context.Context, mem memory.Allocator, fr *pqarrow.FileReader, pf *file.Reader,
	p *pagesPlan, rg int, batchRows int, limited bool, left int64, emit Emit, path string) (int64, error) {
	chunks := make([]*pageChunk, len(p.fast))
	defer func() {
		for _, c := range chunks {
			if c != nil {
				c.rd.Close() // releases its pages; a close error adds nothing to the read's
			}
		}
	}()
	for pos, col := range p.fast {
		if col == nil {
			continue
		}
		c, err := newPageChunk(pf, rg, col)
		if err == errPagesFallback {
			return 0, err
		}
		if err != nil {
			return 0, readErrorf("parquet", path, "row group %d: column %q: %w", rg, col.field.Name, err)
		}
		chunks[pos] = c
	}
	var slow pqarrow.RecordReader
	if len(p.leaves) > 0 {
		var err error
		slow, err = fr.GetRecordReader(ctx, p.leaves, []int{rg})
		if err != nil {
			return 0, readErrorf("parquet", path, "row group %d: %w", rg, err)
		}
		defer slow.Release()
	}
	groupRows := pf.MetaData().RowGroup(rg).NumRows()
	var n int64
	for n < groupRows && !(limited && n >= left) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		rows := min(int64(batchRows), groupRows-n)
		var other arrow.RecordBatch
		if slow != nil {
			rec, err := slow.Read()
			if err == io.EOF || (err == nil && rec == nil) {
				return n, readErrorf("parquet", path, "row group %d: columns end after %d of %d rows", rg, n, groupRows)
			}
			if err != nil {
				return n, readErrorf("parquet", path, "row group %d: %w", rg, err)
			}
			other = rec // slow owns it until the next Read
			rows = rec.NumRows()
		}
		if limited {
			rows = min(rows, left-n)
		}
		rec, err := p.batch(mem, chunks, other, rows, fr.Props.Parallel)
		if err == errPagesFallback {
			return n, err
		}
		if err != nil {
			return n, readErrorf("parquet", path, "row group %d: %w", rg, err)
		}
		n += rows
		if err := emit(rec); err != nil {
			return n, err
		}
	}
	return n, nil
}

// batch decodes rows rows of every fast column and stitches them with the first rows rows of
// other (nil when pqarrow reads nothing) into a batch the caller owns. With parallel (the
// reader's Parallel option) the fast columns decode on one goroutine each.
func (p *pagesPlan) batch(mem memory.Allocator, chunks []*pageChunk, other arrow.RecordBatch, rows int64, parallel bool) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(p.fields))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	var fast []int // positions of the fast columns
	for pos, c := range chunks {
		if c != nil {
			fast = append(fast, pos)
			continue
		}
		col := other.Column(p.slow[pos])
		if int64(col.Len()) == rows {
			col.Retain()
			cols[pos] = col
		} else {
			cols[pos] = array.NewSlice(col, 0, rows)
		}
	}
	errs := make([]error, len(chunks))
	read := func(pos int) { cols[pos], errs[pos] = chunks[pos].read(mem, rows) }
	var wg sync.WaitGroup
	for i, pos := range fast {
		if parallel && i < len(fast)-1 {
			wg.Go(func() { read(pos) }) // the last column decodes on this goroutine
		} else {
			read(pos)
		}
	}
	wg.Wait()
	for pos, err := range errs {
		if err != nil {
			if err != errPagesFallback {
				err = fmt.Errorf("column %q: %w", chunks[pos].col.field.Name, err)
			}
			return nil, err
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(p.fields, p.meta), cols, rows), nil
}
