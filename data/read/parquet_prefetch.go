package read

import (
	"cmp"
	"slices"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/sluicedata/sluice/storage"
)

// prefetcher is a RangeReader that fetches declared spans in the background: the
// storage.RangeReader of object stores. Local files do without: the OS reads ahead.
type prefetcher interface {
	Prefetch(spans []storage.Span)
}

// chunkSliceBytes is the size of the slices a large column chunk is declared in. pqarrow reads
// all projected columns of a row group a batch at a time, each chunk front to back, so slices
// declared by their position within their chunk come in about the order they are read, and a
// bounded read-ahead holds the front of every column rather than the whole of the first.
const chunkSliceBytes = 4 << 20

// prefetchRowGroups declares to pre the bytes ReadParquet reads next: the column chunks of
// leaves (every column when nil) in groups[0], the row group about to be read, and in the next
// row group with rows, so that one is fetched while groups[0] decodes. When the limit (left
// rows, if limited) ends within groups[0], nothing is declared: only the front of each chunk
// will be read, which the ordinary read-ahead serves better than fetching whole chunks.
// Chunks whose metadata points outside the file (size bytes) are left out; the reader reports
// them when it reaches them.
func prefetchRowGroups(pre prefetcher, pf *file.Reader, size int64, leaves []int, groups []int, limited bool, left int64) {
	md := pf.MetaData()
	rows := md.RowGroup(groups[0]).NumRows()
	if limited && left < rows {
		pre.Prefetch(nil)
		return
	}
	spans := rowGroupSpans(nil, md, size, leaves, groups[0])
	if limited && left == rows {
		pre.Prefetch(spans)
		return
	}
	for _, next := range groups[1:] {
		if md.RowGroup(next).NumRows() > 0 {
			spans = rowGroupSpans(spans, md, size, leaves, next)
			break
		}
	}
	pre.Prefetch(spans)
}

// rowGroupSpans appends the spans of the column chunks of leaves in row group rg to dst, large
// chunks cut into slices of chunkSliceBytes ordered by their position within the chunk.
func rowGroupSpans(dst []storage.Span, md *metadata.FileMetaData, size int64, leaves []int, rg int) []storage.Span {
	rgm := md.RowGroup(rg)
	if leaves == nil {
		leaves = make([]int, rgm.NumColumns())
		for i := range leaves {
			leaves[i] = i
		}
	}
	type slice struct {
		span storage.Span
		pos  float64 // where the slice starts within its chunk, from 0 to 1
	}
	var parts []slice
	for _, leaf := range leaves {
		col, err := rgm.ColumnChunk(leaf)
		if err != nil {
			continue
		}
		// The chunk's bytes as file.RowGroupReader.GetColumnPageReader reads them.
		start := col.DataPageOffset()
		if col.HasDictionaryPage() && col.DictionaryPageOffset() > 0 && start > col.DictionaryPageOffset() {
			start = col.DictionaryPageOffset()
		}
		n := col.TotalCompressedSize()
		if start < 0 || n <= 0 || start > size || n > size-start {
			continue
		}
		for at := int64(0); at < n; at += chunkSliceBytes {
			parts = append(parts, slice{storage.Span{Off: start + at, Len: min(chunkSliceBytes, n-at)}, float64(at) / float64(n)})
		}
	}
	slices.SortStableFunc(parts, func(a, b slice) int { return cmp.Compare(a.pos, b.pos) })
	for _, s := range parts {
		dst = append(dst, s.span)
	}
	return dst
}
