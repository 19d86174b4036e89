package read

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// pageIndexFile writes scripts/conformance/parquet_page_index.py's file (30000 rows with
// nulls, 3 row groups of 10000, pages of 1000 rows, a page index) with data pages of the
// version given.
func pageIndexFile(t *testing.T, version string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.parquet")
	python(t, "parquet_page_index.py", path, version)
	return path
}

// readColumns reads path with opts and returns each column concatenated (nil for a read
// that emitted nothing) and the pages skipped.
func readColumns(t *testing.T, mem memory.Allocator, path string, opts ParquetOptions) ([]arrow.Array, int) {
	t.Helper()
	skipped := 0
	opts.PagesSkipped = func(n int) { skipped += n }
	var parts [][]arrow.Array
	err := ReadParquet(context.Background(), mem, Local(), File{Path: path}, opts, func(rec arrow.RecordBatch) error {
		defer rec.Release()
		if parts == nil {
			parts = make([][]arrow.Array, rec.NumCols())
		}
		for i, c := range rec.Columns() {
			c.Retain()
			parts[i] = append(parts[i], c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]arrow.Array, len(parts))
	for i, p := range parts {
		a, err := array.Concatenate(p, mem)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p {
			c.Release()
		}
		out[i] = a
	}
	return out, skipped
}

func releaseArrays(as []arrow.Array) {
	for _, a := range as {
		a.Release()
	}
}

// wantRows is the rows of the full columns in the ranges (of the file's rows) where keep
// (nil: every row) is true.
func wantRows(t *testing.T, mem memory.Allocator, full []arrow.Array, ranges []RowRange, keep func(row int) bool) []arrow.Array {
	out := make([]arrow.Array, len(full))
	for i, col := range full {
		var parts []arrow.Array
		for _, r := range ranges {
			for row := r.Start; row < r.End; row++ {
				if keep == nil || keep(int(row)) {
					parts = append(parts, array.NewSlice(col, row, row+1))
				}
			}
		}
		if parts == nil {
			releaseArrays(out[:i])
			return nil // no rows: the read emits nothing
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			t.Fatal(err)
		}
		releaseArrays(parts)
		out[i] = a
	}
	return out
}

func sameColumns(t *testing.T, what string, got, want []arrow.Array, names []string) {
	t.Helper()
	if want == nil && got == nil {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d columns, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !array.Equal(got[i], want[i]) {
			n := min(got[i].Len(), want[i].Len())
			at := n
			for j := 0; j < n; j++ {
				if !array.SliceEqual(got[i], int64(j), int64(j+1), want[i], int64(j), int64(j+1)) {
					at = j
					break
				}
			}
			t.Fatalf("%s: column %s differs at row %d of %d (want %d rows): got %v, want %v", what, names[i], at, got[i].Len(), want[i].Len(),
				array.NewSlice(got[i], int64(min(at, got[i].Len())), int64(min(at+3, got[i].Len()))),
				array.NewSlice(want[i], int64(min(at, want[i].Len())), int64(min(at+3, want[i].Len()))))
		}
	}
}

// xBelow is a RowPredicate on column x: x < cut (null is dropped).
func xBelow(cut float64) func(*arrow.Schema) *RowPredicate {
	return func(*arrow.Schema) *RowPredicate {
		return &RowPredicate{Columns: []string{"x"}, Eval: func(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch) (arrow.Array, error) {
			x := rec.Column(0).(*array.Float64)
			b := array.NewBooleanBuilder(mem)
			defer b.Release()
			for i := 0; i < x.Len(); i++ {
				if x.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(x.Value(i) < cut)
				}
			}
			return b.NewArray(), nil
		}}
	}
}

// TestParquetSelect reads pyarrow's page-indexed file with page filters (fixed row ranges)
// and row filters (x < cut), every column type, several batch sizes, and compares with the
// full read cut in Go; it counts the pages read.
func TestParquetSelect(t *testing.T) {
	cols := []string{"k", "x", "s", "i32", "b", "ts", "l", "z", "sd"}
	for _, version := range []string{"1.0", "2.0"} {
		t.Run("data pages v"+version, func(t *testing.T) {
			path := pageIndexFile(t, version)
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			full, _ := readColumns(t, mem, path, ParquetOptions{Columns: cols})
			defer releaseArrays(full)
			x := full[1].(*array.Float64)
			below := func(cut float64) func(int) bool {
				return func(row int) bool { return x.IsValid(row) && x.Value(row) < cut }
			}
			// Ranges of row group 1 (rows 10000-19999): pages 0, 2, 5, 7, 8, 9 hold some.
			group1 := []RowRange{{100, 200}, {2500, 2510}, {5000, 5001}, {7999, 9001}, {9999, 10000}}
			shift := func(rs []RowRange, by int64) []RowRange {
				var out []RowRange
				for _, r := range rs {
					out = append(out, RowRange{r.Start + by, r.End + by})
				}
				return out
			}
			pageFilter := func(rs []RowRange) func(*metadata.RowGroupMetaData, *arrow.Schema, PageIndex) []RowRange {
				return func(rg *metadata.RowGroupMetaData, _ *arrow.Schema, _ PageIndex) []RowRange {
					if rg.NumRows() != 10000 {
						t.Fatalf("row group of %d rows", rg.NumRows())
					}
					return rs
				}
			}
			all := []RowRange{{0, 30000}}
			tests := []struct {
				name    string
				opts    ParquetOptions
				ranges  []RowRange // of the file's rows
				keep    func(int) bool
				skipped int
			}{
				{"page filter", ParquetOptions{RowGroups: []int{1}, PageFilter: pageFilter(group1)}, shift(group1, 10000), nil, 8 * 4},
				{"page filter, small batches", ParquetOptions{RowGroups: []int{1}, PageFilter: pageFilter(group1), BatchRows: 999}, shift(group1, 10000), nil, 8 * 4},
				// pages 1, 2 and 4: the gap is not read through, though narrower than coalesceRows
				{"page filter, a page's gap", ParquetOptions{RowGroups: []int{1}, PageFilter: pageFilter([]RowRange{{1000, 3000}, {4000, 5000}})},
					[]RowRange{{11000, 13000}, {14000, 15000}}, nil, 8 * 7},
				{"page filter, no rows", ParquetOptions{RowGroups: []int{1}, PageFilter: pageFilter([]RowRange{})}, nil, nil, 8 * 10},
				{"row filter", ParquetOptions{RowFilter: xBelow(0.01)}, all, below(0.01), -1},
				{"row filter, small batches", ParquetOptions{RowFilter: xBelow(0.3), BatchRows: 1000}, all, below(0.3), -1},
				{"row filter, nothing kept", ParquetOptions{RowFilter: xBelow(-1)}, all, below(-1), 7 * 30},
				{"both", ParquetOptions{RowGroups: []int{1}, PageFilter: pageFilter(group1), RowFilter: xBelow(0.5)}, shift(group1, 10000), below(0.5), -1},
				{"both, limit", ParquetOptions{RowGroups: []int{1}, PageFilter: pageFilter(group1), RowFilter: xBelow(0.5), Limit: 70}, shift(group1, 10000), below(0.5), -1},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.opts.Columns = cols
					got, skipped := readColumns(t, mem, path, tc.opts)
					defer releaseArrays(got)
					want := wantRows(t, mem, full, tc.ranges, tc.keep)
					defer releaseArrays(want)
					if tc.opts.Limit > 0 {
						for i, w := range want {
							want[i] = array.NewSlice(w, 0, tc.opts.Limit)
							w.Release()
						}
					}
					sameColumns(t, tc.name, got, want, cols)
					if tc.skipped >= 0 && skipped != tc.skipped {
						t.Errorf("%d pages skipped, want %d", skipped, tc.skipped)
					}
				})
			}
		})
	}
}

// TestPickBooleansWithNulls: pick keeps the validity of booleans (arrow-go v18.8.0's
// compute.FilterArray does not; see pick).
func TestPickBooleansWithNulls(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	for i := 0; i < 100; i++ {
		if i%3 == 0 {
			b.AppendNull()
		} else {
			b.Append(i%2 == 0)
		}
	}
	a := b.NewArray()
	defer a.Release()
	keep := []RowRange{{0, 1}, {5, 7}, {50, 60}}
	got, err := pick(context.Background(), mem, a, []RowRange{{0, 100}}, keep)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	i := 0
	for _, k := range keep {
		for row := k.Start; row < k.End; row, i = row+1, i+1 {
			if got.IsNull(i) != a.IsNull(int(row)) || (got.IsValid(i) && got.(*array.Boolean).Value(i) != a.(*array.Boolean).Value(int(row))) {
				t.Fatalf("row %d (of %d): got %v", row, i, got)
			}
		}
	}
}

// TestParquetSelectBadOffsetIndex: an offset index whose pages disagree with the pages'
// own headers is an error, never the rows of another page.
func TestParquetSelectBadOffsetIndex(t *testing.T) {
	path := pageIndexFile(t, "1.0")
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rr, pf, err := openParquet(context.Background(), smallAllocs{mem}, Local(), File{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	defer pf.Close()
	r := &parquetRead{ctx: context.Background(), mem: mem, pf: pf, path: path}
	locs := r.pageLocations(0, 0)
	if len(locs) != 10 {
		t.Fatalf("%d pages in the offset index, want 10", len(locs))
	}
	// Page 3 said to start 10 rows late: a seek there finds a page of 1000 rows, not 990.
	bad := make([]*metadata.PageLocation, len(locs))
	for i, l := range locs {
		c := *l
		bad[i] = &c
	}
	bad[3].FirstRowIndex += 10
	col := &pageColumn{kind: pageFlat, elem: arrow.PrimitiveTypes.Int64, width: 1, leaf: 0, chunk: levelChunk}
	c, err := newPageChunk(pf, 0, 0, col)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	c.pages, c.groupRows = bad, 10000
	a, err := c.readRanges(mem, []RowRange{{3500, 3600}})
	if err == nil {
		a.Release()
		t.Fatal("no error")
	}
	wantError(t, err, "the offset index puts 990 rows in the page at row 3010, which holds 1000 values")
}

// TestParquetSelectKeepsMost: a row filter that keeps most rows stops being evaluated by the
// reader after predTrialRows rows, at the next row group; the rows after are all returned.
func TestParquetSelectKeepsMost(t *testing.T) {
	path := pageIndexFile(t, "1.0")
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	defer func(n int64) { predTrialRows = n }(predTrialRows)
	predTrialRows = 5000
	cols := []string{"k", "x", "s"}
	full, _ := readColumns(t, mem, path, ParquetOptions{Columns: cols})
	defer releaseArrays(full)
	x := full[1].(*array.Float64)
	got, _ := readColumns(t, mem, path, ParquetOptions{Columns: cols, RowFilter: xBelow(0.9), BatchRows: 1000})
	defer releaseArrays(got)
	want := wantRows(t, mem, full, []RowRange{{0, 30000}}, func(row int) bool { return row >= 10000 || (x.IsValid(row) && x.Value(row) < 0.9) })
	defer releaseArrays(want)
	sameColumns(t, "keeps most", got, want, cols)
}
