package data

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/sluicedata/sluice/data/expr"
	"github.com/sluicedata/sluice/data/read"
)

// pageFilter is the Parquet page-index test of a filter's conjuncts (the reader's
// ParquetOptions.PageFilter): the rows of a row group that may match are those that every
// conjunct may hold, judged on the column index of the columns it reads. A conjunct over
// several columns is judged on the segments between the page boundaries of all of them
// (pages of different columns need not line up), each with every column's page that covers
// it. A conjunct whose columns lack an index rules nothing out.
func pageFilter(filter []expr.Expr) func(rg *metadata.RowGroupMetaData, schema *arrow.Schema, index read.PageIndex) []read.RowRange {
	var mu sync.Mutex
	var lastSchema *arrow.Schema
	var bound []*expr.Bound
	return func(rg *metadata.RowGroupMetaData, schema *arrow.Schema, index read.PageIndex) []read.RowRange {
		mu.Lock()
		if schema != lastSchema {
			lastSchema, bound = schema, nil
			for _, c := range filter {
				if b, err := expr.BindPredicate(c, schema); err == nil && len(c.Columns()) > 0 {
					bound = append(bound, b)
				}
			}
		}
		bs := bound
		mu.Unlock()
		var sel []read.RowRange // nil: every row
		for _, b := range bs {
			kept, ok := pageRows(b, rg, schema, index)
			if !ok {
				continue
			}
			if sel == nil {
				sel = kept
			} else {
				sel = read.IntersectRanges(sel, kept)
			}
			if len(sel) == 0 {
				break
			}
		}
		return sel
	}
}

// pageRows is the rows of row group rg that the page index says b may be true on; ok is
// false when a column b reads has no index.
func pageRows(b *expr.Bound, rg *metadata.RowGroupMetaData, schema *arrow.Schema, index read.PageIndex) ([]read.RowRange, bool) {
	cols := b.Expr().Columns()
	rows := rg.NumRows()
	pages := make([][]expr.Stats, len(cols))
	starts := make([][]int64, len(cols))
	var bounds []int64
	for i, c := range cols {
		pages[i], starts[i] = expr.ParquetColumnPages(rg, schema, c, index)
		if pages[i] == nil {
			return nil, false
		}
		bounds = append(bounds, starts[i]...)
	}
	slices.Sort(bounds)
	bounds = append(slices.Compact(bounds), rows)
	kept := []read.RowRange{}
	for k := 0; k+1 < len(bounds); k++ {
		lo, hi := bounds[k], bounds[k+1]
		seg := expr.StatsMap{Rows: hi - lo, Columns: make(map[string]expr.ColumnStats, len(cols))}
		for i, c := range cols {
			p := sort.Search(len(starts[i]), func(j int) bool { return starts[i][j] > lo }) - 1
			cs, _ := pages[i][p].Column(c)
			if whole := pages[i][p].NumRows(); hi-lo < whole {
				// Part of the page: its null count bounds the segment's only at 0 or all.
				switch {
				case cs.HasNullCount && cs.NullCount >= whole:
					cs.NullCount = hi - lo
				case cs.HasNullCount && cs.NullCount == 0:
				default:
					cs.HasNullCount, cs.NullCount = false, 0
				}
			}
			seg.Columns[c] = cs
		}
		if !b.MayMatch(seg) {
			continue
		}
		if n := len(kept); n > 0 && kept[n-1].End == lo {
			kept[n-1].End = hi
		} else {
			kept = append(kept, read.RowRange{Start: lo, End: hi})
		}
	}
	return kept, true
}

// rowFilter is the predicate the Parquet reader evaluates itself (ParquetOptions.RowFilter,
// late materialization): the conjunction of the conjuncts over the file's columns (the
// others, over partition columns or the path, are left to the Where, which stays in the
// plan and sees only rows this kept).
func rowFilter(filter []expr.Expr) func(schema *arrow.Schema) *read.RowPredicate {
	return func(schema *arrow.Schema) *read.RowPredicate {
		var conj []any
		var cols []string
		for _, c := range filter {
			if _, err := expr.BindPredicate(c, schema); err != nil {
				continue
			}
			conj = append(conj, c)
			for _, col := range c.Columns() {
				if !slices.Contains(cols, col) {
					cols = append(cols, col)
				}
			}
		}
		if len(conj) == 0 || len(cols) == 0 {
			return nil
		}
		pred := conj[0].(expr.Expr)
		if len(conj) > 1 {
			pred = expr.And(conj...)
		}
		fields := make([]arrow.Field, len(cols))
		for i, c := range cols {
			fields[i] = schema.Field(schema.FieldIndices(c)[0])
		}
		b, err := expr.BindPredicate(pred, arrow.NewSchema(fields, nil))
		if err != nil {
			return nil
		}
		return &read.RowPredicate{Columns: cols, Eval: func(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch) (arrow.Array, error) {
			return b.Eval(ctx, mem, rec)
		}}
	}
}
