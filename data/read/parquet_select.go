package read

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Selective reads: a row group of which only some rows are wanted, those of the page
// filter's ranges (parquet_pageindex.go) that the row filter keeps (late materialization).
// The group is read in the same batches of BatchRows rows as any other, so pqarrow's readers
// (which cannot skip) stay in step; in each batch:
//
//  1. the row filter's columns are decoded for the rows of the page filter's ranges only;
//  2. the predicate is evaluated over them, giving the runs of rows kept;
//  3. every other page column decodes those runs straight into one array, passing over the
//     rows between them without copying values (parquet_skip.go) and seeking past its pages
//     that hold none (a fixed-size list or INT96 column reads runs closer than coalesceRows
//     as one and filters after);
//  4. pqarrow's columns are read whole and filtered.
//
// A batch left with no rows emits nothing, and costs the page columns nothing: they move on
// lazily, at their next read.

// rowPredicate is a RowPredicate placed in a plan: the output positions of its columns.
type rowPredicate struct {
	pos    []int
	schema *arrow.Schema
	pred   *RowPredicate
}

// predicateFor places r.pred in plan p: nil when there is none, or when one of its columns
// is not projected or not read by the page reader (then the caller's filter does all).
func (r *parquetRead) predicateFor(p *columnPlan) *rowPredicate {
	if r.pred == nil || len(r.pred.Columns) == 0 {
		return nil
	}
	if r.predRows >= predTrialRows && r.predKept*predKeepsMost > r.predRows {
		// It keeps most rows: evaluating it here saves little decoding and the caller's
		// filter evaluates it again. The rest of the file is read without it.
		return nil
	}
	rp := &rowPredicate{pred: r.pred}
	var fields []arrow.Field
	for _, name := range r.pred.Columns {
		at := -1
		for pos, f := range p.fields {
			if f.Name == name {
				if at >= 0 {
					return nil // two columns of that name
				}
				at = pos
			}
		}
		if at < 0 || p.fast[at] == nil || slices.Contains(rp.pos, at) {
			return nil
		}
		rp.pos = append(rp.pos, at)
		fields = append(fields, p.fields[at])
	}
	rp.schema = arrow.NewSchema(fields, nil)
	return rp
}

// After predTrialRows rows evaluated in a file, a row filter that kept more than one row in
// predKeepsMost is no longer evaluated by the reader: at 50% kept (BenchmarkPageIndexPushdown
// "half") evaluating it in the reader as well as in the Where cost about 10% of the read.
var predTrialRows int64 = 1 << 17 // a variable for tests

const predKeepsMost = 4

// rowGroupSelect reads row group rg (whose first row is the file's row first) under plan p
// from row skip (a batch boundary: rows before it were read by an earlier call), keeping
// the rows of sel (nil: all) that pred (nil: none) keeps. When limited it stops after left
// rows emitted. It returns the rows emitted and the row of the group it got to (a batch
// boundary; the group's row count at the end), so that after errPagesFallback the caller
// can go on from there.
func (r *parquetRead) rowGroupSelect(p *columnPlan, rg int, first, skip int64, sel []RowRange, pred *rowPredicate, limited bool, left int64) (emitted, pos int64, err error) {
	fail := func(err error) error {
		var fe *fallbackError
		if errors.As(err, &fe) {
			return err
		}
		return readErrorf("parquet", r.path, "row group %d: %w", rg, err)
	}
	groupRows := r.pf.MetaData().RowGroup(rg).NumRows()
	chunks := make([]*pageChunk, len(p.fast))
	defer func() {
		skipped := 0
		for _, c := range chunks {
			if c != nil {
				skipped += c.pagesSkipped()
				c.close()
			}
		}
		if r.opts.PagesSkipped != nil && skipped > 0 {
			r.opts.PagesSkipped(skipped)
		}
	}()
	for at, col := range p.fast {
		if col == nil {
			continue
		}
		c, err := newPageChunk(r.pf, rg, first, col)
		if err != nil {
			return 0, skip, fail(columnError(col, err))
		}
		chunks[at] = c
		c.groupRows = groupRows
		if col.kind != pageList {
			// Lists count repetition levels as the page reader's rows: no seeking in them.
			c.pages = r.pageLocations(rg, col.leaf)
		}
	}
	readers := make([]pqarrow.RecordReader, len(p.readers))
	defer func() {
		for _, rd := range readers {
			if rd != nil {
				rd.Release()
			}
		}
	}()
	for i, leaves := range p.readers {
		rd, err := r.fr.GetRecordReader(r.ctx, leaves, []int{rg})
		if err != nil {
			return 0, skip, fail(err)
		}
		readers[i] = rd
	}
	isPred := make([]bool, len(p.fields))
	if pred != nil {
		for _, at := range pred.pos {
			isPred[at] = true
		}
	}
	batch := int64(r.opts.BatchRows)
	recs := make([]arrow.RecordBatch, len(readers))
	for off := int64(0); off < groupRows; off += batch {
		if limited && emitted >= left {
			return emitted, off, nil
		}
		if err := r.ctx.Err(); err != nil {
			return emitted, off, err
		}
		hi := min(off+batch, groupRows)
		want := clipRanges(sel, max(off, skip), hi)
		if len(want) == 0 || hi <= skip {
			if len(readers) > 0 {
				if _, err := r.readSlow(readers, hi-off, recs); err != nil {
					return emitted, off, fail(err)
				}
			}
			continue
		}
		rec, err := r.selectBatch(p, chunks, readers, recs, pred, isPred, off, hi, want, limited, left-emitted)
		if err != nil {
			return emitted, off, fail(err)
		}
		if rec == nil {
			continue
		}
		emitted += rec.NumRows()
		if err := r.emit(rec); err != nil {
			return emitted, hi, err
		}
	}
	return emitted, groupRows, nil
}

// selectBatch builds the batch of rows [off, hi) of the group under plan p: of the rows in
// want (within it), those pred keeps, at most left when limited; nil when none is. The
// caller owns the batch.
//
// Kept rows in long runs (fewer than one run per denseRuns rows of want) are read run by run
// into each column; denser ones are read for all of want and filtered by pred's mask once,
// as a Where would, since a run costs about as much as decoding denseRuns values.
func (r *parquetRead) selectBatch(p *columnPlan, chunks []*pageChunk, readers []pqarrow.RecordReader, recs []arrow.RecordBatch,
	pred *rowPredicate, isPred []bool, off, hi int64, want []RowRange, limited bool, left int64) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(p.fields))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	keep := want
	var mask arrow.Array // pred's, over the rows of want
	defer func() {
		if mask != nil {
			mask.Release()
		}
	}()
	if pred != nil {
		arrs := make([]arrow.Array, len(pred.pos))
		for i, at := range pred.pos {
			a, err := chunks[at].readRanges(r.mem, want)
			if err != nil {
				return nil, columnError(p.fast[at], err)
			}
			arrs[i] = a
			cols[at] = a
		}
		in := array.NewRecordBatch(pred.schema, arrs, rangeRows(want))
		var err error
		mask, err = pred.pred.Eval(r.ctx, r.mem, in)
		in.Release()
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		if keep, err = keptRanges(want, mask); err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		r.predRows += rangeRows(want)
		r.predKept += rangeRows(keep)
	}
	cut := limited && rangeRows(keep) > left // then mask keeps more than keep
	if cut {
		keep = firstRows(keep, left)
	}
	rows := rangeRows(keep)
	if rows == 0 {
		return nil, nil
	}
	dense := pred != nil && !cut && int64(len(keep))*denseRuns > rangeRows(want)
	var picked []int // page columns read for want, to filter by mask
	for at, c := range chunks {
		switch {
		case c == nil:
		case isPred[at]:
			picked = append(picked, at)
		case dense:
			a, err := c.readRanges(r.mem, want)
			if err != nil {
				return nil, columnError(p.fast[at], err)
			}
			cols[at] = a
			picked = append(picked, at)
		case c.runs():
			// Straight into one array, the rows between runs passed over.
			a, err := c.readRuns(r.mem, keep)
			if err != nil {
				return nil, columnError(p.fast[at], err)
			}
			cols[at] = a
		default:
			read := c.coalesce(keep)
			a, err := c.readRanges(r.mem, read)
			if err != nil {
				return nil, columnError(p.fast[at], err)
			}
			cols[at], err = pick(r.ctx, r.mem, a, read, keep)
			a.Release()
			if err != nil {
				return nil, err
			}
		}
	}
	if len(picked) > 0 && !slices.Equal(keep, want) {
		if err := r.filterColumns(cols, picked, want, keep, mask, dense); err != nil {
			return nil, err
		}
	}
	if len(readers) > 0 {
		if _, err := r.readSlow(readers, hi-off, recs); err != nil {
			return nil, err
		}
		whole := []RowRange{{off, hi}}
		for at, c := range chunks {
			if c != nil {
				continue
			}
			s := p.slow[at]
			col, err := pick(r.ctx, r.mem, recs[s.reader].Column(s.index), whole, keep)
			if err != nil {
				return nil, err
			}
			cols[at] = s.conform.conformArray(r.mem, col)
			col.Release()
		}
	}
	return array.NewRecordBatch(p.schema(), cols, rows), nil
}

// filterColumns replaces cols[at] for each at of picked, the rows of want, by their rows
// keep: with pred's mask over want when the kept rows are all it keeps (dense), in one
// filter of all of them; by ranges otherwise.
func (r *parquetRead) filterColumns(cols []arrow.Array, picked []int, want, keep []RowRange, mask arrow.Array, dense bool) error {
	if !dense {
		for _, at := range picked {
			a, err := pick(r.ctx, r.mem, cols[at], want, keep)
			if err != nil {
				return err
			}
			cols[at].Release()
			cols[at] = a
		}
		return nil
	}
	fields := make([]arrow.Field, len(picked))
	arrs := make([]arrow.Array, len(picked))
	for i, at := range picked {
		fields[i] = arrow.Field{Name: fmt.Sprint(i), Type: cols[at].DataType(), Nullable: true}
		arrs[i] = cols[at]
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(mask.Len()))
	defer rec.Release()
	// FilterRecordBatch, not FilterArray: see pick.
	out, err := compute.FilterRecordBatch(compute.WithAllocator(r.ctx, r.mem), rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return err
	}
	defer out.Release()
	for i, at := range picked {
		cols[at].Release()
		cols[at] = out.Column(i)
		cols[at].Retain()
	}
	return nil
}

// keptRanges is the runs of rows of want (a column of rangeRows(want) values, in order) where
// the boolean mask is true.
func keptRanges(want []RowRange, mask arrow.Array) ([]RowRange, error) {
	b, ok := mask.(*array.Boolean)
	if !ok || int64(b.Len()) != rangeRows(want) {
		return nil, fmt.Errorf("the predicate gave %s of %d values for %d rows", mask.DataType(), mask.Len(), rangeRows(want))
	}
	var out []RowRange
	i := 0
	for _, w := range want {
		for row := w.Start; row < w.End; row, i = row+1, i+1 {
			if !b.IsValid(i) || !b.Value(i) {
				continue
			}
			if n := len(out); n > 0 && out[n-1].End == row {
				out[n-1].End++
			} else {
				out = append(out, RowRange{row, row + 1})
			}
		}
	}
	return out, nil
}

// firstRows is the first n rows of rs.
func firstRows(rs []RowRange, n int64) []RowRange {
	var out []RowRange
	for _, r := range rs {
		if n <= 0 {
			break
		}
		e := min(r.End, r.Start+n)
		out = append(out, RowRange{r.Start, e})
		n -= e - r.Start
	}
	return out
}

// pick returns the rows keep of a, an array of the rows have (keep within have), as a new
// array the caller releases: a itself, retained, when keep is have; a slice when keep is one
// run; compute's filter otherwise.
func pick(ctx context.Context, mem memory.Allocator, a arrow.Array, have, keep []RowRange) (arrow.Array, error) {
	if slices.Equal(have, keep) {
		a.Retain()
		return a, nil
	}
	// The position in a of each kept run's first row: both lists are sorted, so one walk.
	starts := make([]int64, len(keep))
	var base int64 // position in a of have[h].Start
	for k, h := 0, 0; k < len(keep); k++ {
		for keep[k].Start >= have[h].End {
			base += have[h].End - have[h].Start
			h++
		}
		starts[k] = base + keep[k].Start - have[h].Start
	}
	if len(keep) == 1 {
		return array.NewSlice(a, starts[0], starts[0]+keep[0].End-keep[0].Start), nil
	}
	n := int64(a.Len())
	bits := memory.NewResizableBuffer(mem)
	defer bits.Release()
	bits.Resize(int(bitutil.BytesForBits(n)))
	clear(bits.Bytes())
	for k, s := range starts {
		bitutil.SetBitsTo(bits.Bytes(), s, keep[k].End-keep[k].Start, true)
	}
	md := array.NewData(arrow.FixedWidthTypes.Boolean, int(n), []*memory.Buffer{nil, bits}, nil, 0, 0)
	defer md.Release()
	mask := array.MakeFromData(md)
	defer mask.Release()
	// A batch of one column, not compute.FilterArray: in arrow-go v18.8.0 FilterArray (and
	// Filter on an array datum) returns wrong validity for a boolean array with nulls, where
	// FilterRecordBatch is right (TestPickBooleansWithNulls).
	one := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "c", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, n)
	defer one.Release()
	out, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), one, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, err
	}
	defer out.Release()
	col := out.Column(0)
	col.Retain()
	return col, nil
}

// runs says whether the chunk decodes runs of rows into one array itself (readRuns): flat
// columns but INT96; the others read each run apart and are concatenated.
func (c *pageChunk) runs() bool { return c.col.kind == pageFlat || c.col.kind == pageBytes }

// denseRuns is the fewest rows of want per kept run for which selectBatch reads the other
// columns run by run: each run costs a call and a skip, about what decoding and filtering
// 64 values costs.
const denseRuns = 64

// pagesSkipped is the number of data pages of the chunk it did not read, when it has an
// offset index to count them by.
func (c *pageChunk) pagesSkipped() int {
	if c.pages == nil {
		return 0
	}
	return max(len(c.pages)-c.flat.pagesRead, 0)
}

// skipTo moves the chunk to row (of the row group), no earlier than where it is: past whole
// pages by seeking when it has an offset index, then by decoding and dropping the rows
// before row in its page.
func (c *pageChunk) skipTo(mem memory.Allocator, row int64) error {
	if row <= c.pos {
		return nil
	}
	if c.pages != nil {
		page := func(row int64) int {
			return sort.Search(len(c.pages), func(i int) bool { return c.pages[i].FirstRowIndex > row }) - 1
		}
		// Seek only past a whole page not yet started: from the middle of a page, to the
		// next page or nearer, passing over the rest of this one costs less than the seek,
		// which drops the stream's buffer (the start of the next page, already read) and
		// reads it again.
		k, cur := page(row), page(c.pos)
		if !c.flat.atPageEnd() {
			cur++
		}
		if k > cur {
			start, end := c.pages[k].FirstRowIndex, c.groupRows
			if k+1 < len(c.pages) {
				end = c.pages[k+1].FirstRowIndex
			}

			if err := c.flat.seek(row, start, end-start); err != nil {
				return err
			}
			c.pos = start
		}
	}
	return c.skip(mem, row-c.pos)
}

// readRanges decodes the rows of rs (sorted, disjoint, none before the chunk's position)
// into one new array; the caller releases it.
func (c *pageChunk) readRanges(mem memory.Allocator, rs []RowRange) (arrow.Array, error) {
	if c.runs() {
		return c.readRuns(mem, rs)
	}
	arrs := make([]arrow.Array, 0, len(rs))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for _, rr := range rs {
		if err := c.skipTo(mem, rr.Start); err != nil {
			return nil, err
		}
		a, err := c.read(mem, rr.End-rr.Start)
		if err != nil {
			return nil, err
		}
		arrs = append(arrs, a)
	}
	if len(arrs) == 1 {
		arrs[0].Retain()
		return arrs[0], nil
	}
	return array.Concatenate(arrs, mem)
}
