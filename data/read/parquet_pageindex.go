package read

import (
	"context"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Page pruning (ParquetOptions.PageFilter): a file written with a page index (pyarrow's
// write_page_index=True, parquet-mr and Spark by default, sluice's writer) has, for each
// column chunk, a column index (min, max and null count of each data page) and an offset
// index (where each page starts in the file, and its first row). The filter turns the column
// index of the columns it reads into the rows of the row group that may match; the reader
// then decodes only those rows, of every column: a page column seeks past the pages that
// hold none of them (file.PageReader.SeekToPageWithRow, by the column's own offset index, so
// pages of different columns need not line up), and inside a page decodes and drops the
// rows before the next one it needs. Only the pages read are fetched from the file.

// RowRange is the rows [Start, End) of a row group.
type RowRange struct{ Start, End int64 }

// PageIndex returns the column index and offset index of a top-level leaf column (by its
// Parquet leaf index) of one row group; either is nil when the file has none for it.
type PageIndex func(leaf int) (metadata.ColumnIndex, metadata.OffsetIndex)

// RowPredicate is a filter the reader evaluates itself (late materialization): it decodes
// Columns first, for the rows the page filter left, evaluates Eval over them, and decodes
// the other columns only for the rows Eval keeps, skipping their pages that hold none.
type RowPredicate struct {
	// Columns are the top-level columns Eval reads, in the order of its batch's fields.
	Columns []string
	// Eval returns a boolean array of rec.NumRows() values, allocated with mem, which the
	// reader releases: a row is kept where it is true (false and null drop it). rec holds
	// Columns with the reader's types, and is valid during the call only.
	Eval func(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch) (arrow.Array, error)
}

// rangeRows is the number of rows in rs.
func rangeRows(rs []RowRange) int64 {
	var n int64
	for _, r := range rs {
		n += r.End - r.Start
	}
	return n
}

// clipRanges is the part of the sorted, disjoint ranges rs (nil: every row) in [lo, hi).
func clipRanges(rs []RowRange, lo, hi int64) []RowRange {
	if rs == nil {
		if lo >= hi {
			return nil
		}
		return []RowRange{{lo, hi}}
	}
	var out []RowRange
	for _, r := range rs {
		s, e := max(r.Start, lo), min(r.End, hi)
		if s < e {
			out = append(out, RowRange{s, e})
		}
	}
	return out
}

// IntersectRanges is the rows in both a and b, sorted, disjoint ranges each.
func IntersectRanges(a, b []RowRange) []RowRange {
	out := []RowRange{}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		s, e := max(a[i].Start, b[j].Start), min(a[i].End, b[j].End)
		if s < e {
			out = append(out, RowRange{s, e})
		}
		if a[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}

// coalesceRows is the widest gap between two runs of wanted rows that a column not
// filtered on decodes through rather than skipping: a gap inside a page costs about its rows
// either way (they are decoded and dropped), and each run read separately costs a call and
// a copy more.
const coalesceRows = 2048

// coalesce joins the runs of rs whose gap is narrower than coalesceRows and, when the chunk
// has an offset index, lies within one page: across a page boundary, seeking to the next
// run's page skips the rest of the gap for free.
func (c *pageChunk) coalesce(rs []RowRange) []RowRange {
	page := func(row int64) int {
		return sort.Search(len(c.pages), func(i int) bool { return c.pages[i].FirstRowIndex > row })
	}
	var out []RowRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.Start-out[n-1].End < coalesceRows && (c.pages == nil || page(out[n-1].End) == page(r.Start)) {
			out[n-1].End = r.End
			continue
		}
		out = append(out, r)
	}
	return out
}

// pageLocations returns the offset index of leaf in row group rg when it is usable: pages
// that start at row 0 and go up strictly within the group's rows. Nil when the file has
// none, or it cannot be read or does not hold together (then the column is read page by
// page, and nothing is skipped by it).
func (r *parquetRead) pageLocations(rg, leaf int) (locs []*metadata.PageLocation) {
	defer func() {
		if v := recover(); v != nil { // arrow-go panics on some corrupt indexes
			locs = nil
		}
	}()
	pir := r.rowGroupIndex(rg)
	if pir == nil {
		return nil
	}
	oi, err := pir.GetOffsetIndex(leaf)
	if err != nil || oi == nil {
		return nil
	}
	locs = oi.GetPageLocations()
	rows := r.pf.MetaData().RowGroup(rg).NumRows()
	for i, l := range locs {
		if l == nil || (i == 0 && l.FirstRowIndex != 0) || (i > 0 && l.FirstRowIndex <= locs[i-1].FirstRowIndex) || l.FirstRowIndex >= rows {
			return nil
		}
	}
	return locs
}

// rowGroupIndex is the page index reader of row group rg, read once per row group (it
// fetches the indexes of all the group's columns in one read); nil when there is none.
func (r *parquetRead) rowGroupIndex(rg int) *metadata.RowGroupPageIndexReader {
	if pir, ok := r.indexes[rg]; ok {
		return pir
	}
	pir, err := r.pf.GetPageIndexReader().RowGroup(rg)
	if err != nil {
		pir = nil
	}
	if r.indexes == nil {
		r.indexes = make(map[int]*metadata.RowGroupPageIndexReader)
	}
	r.indexes[rg] = pir
	return pir
}

// pageIndex is the PageIndex of row group rg. An index that cannot be read is nil.
func (r *parquetRead) pageIndex(rg int) PageIndex {
	return func(leaf int) (ci metadata.ColumnIndex, oi metadata.OffsetIndex) {
		defer func() {
			if v := recover(); v != nil {
				ci, oi = nil, nil
			}
		}()
		pir := r.rowGroupIndex(rg)
		if pir == nil || leaf < 0 || leaf >= r.pf.MetaData().Schema.NumColumns() {
			return nil, nil
		}
		if r.pageLocations(rg, leaf) == nil {
			return nil, nil // an offset index that does not hold together: no pruning by it
		}
		ci, err := pir.GetColumnIndex(leaf)
		if err != nil {
			ci = nil
		}
		oi, err = pir.GetOffsetIndex(leaf)
		if err != nil {
			return nil, nil
		}
		return ci, oi
	}
}

// pageSelection runs r.opts.PageFilter over row group rg: the rows that may match, nil for
// all of them.
func (r *parquetRead) pageSelection(rg int, schema *arrow.Schema) ([]RowRange, error) {
	if r.opts.PageFilter == nil {
		return nil, nil
	}
	md := r.pf.MetaData().RowGroup(rg)
	sel := r.opts.PageFilter(md, schema, r.pageIndex(rg))
	if sel == nil {
		return nil, nil
	}
	rows := md.NumRows()
	for i, s := range sel {
		if s.Start < 0 || s.End > rows || s.Start >= s.End || (i > 0 && s.Start < sel[i-1].End) {
			return nil, fmt.Errorf("page filter: row ranges %v are not sorted, disjoint ranges of the %d rows", sel, rows)
		}
	}
	if len(sel) == 1 && sel[0].Start == 0 && sel[0].End == rows {
		return nil, nil
	}
	return sel, nil
}

// countPages reports to PagesSkipped the data pages of the projected page columns of row
// group rg, none of which was read (the page filter left no row in it).
func (r *parquetRead) countPages(rg int) {
	if r.opts.PagesSkipped == nil {
		return
	}
	n := 0
	for _, c := range r.plan.fast {
		if c != nil && c.kind != pageList {
			n += len(r.pageLocations(rg, c.leaf))
		}
	}
	if n > 0 {
		r.opts.PagesSkipped(n)
	}
}
