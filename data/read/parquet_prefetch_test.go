package read

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/internal/memcheck"
	"github.com/sluicedata/sluice/storage"
)

// recording holds what ReadParquet declared and read through a recordingStorage.
type recording struct {
	mu    sync.Mutex
	decls [][]storage.Span
	reads []storage.Span
}

// recordingStorage opens local files for ranges whose readers record declarations and reads.
type recordingStorage struct {
	Storage
	rec *recording
}

func (s recordingStorage) OpenRange(ctx context.Context, path string) (RangeReader, error) {
	rr, err := s.Storage.OpenRange(ctx, path)
	if err != nil {
		return nil, err
	}
	return recordingRange{rr, s.rec}, nil
}

type recordingRange struct {
	RangeReader
	rec *recording
}

func (r recordingRange) Prefetch(spans []storage.Span) {
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	r.rec.decls = append(r.rec.decls, slices.Clone(spans))
}

func (r recordingRange) ReadAt(p []byte, off int64) (int, error) {
	r.rec.mu.Lock()
	r.rec.reads = append(r.rec.reads, storage.Span{Off: off, Len: int64(len(p))})
	r.rec.mu.Unlock()
	return r.RangeReader.ReadAt(p, off)
}

// chunkBytes is the size of the column chunks of leaves (all when nil) in row group rg.
func chunkBytes(t *testing.T, md *metadata.FileMetaData, rg int, leaves []int) int64 {
	t.Helper()
	var n int64
	for leaf := range md.NumColumns() {
		if leaves != nil && !slices.Contains(leaves, leaf) {
			continue
		}
		col, err := md.RowGroup(rg).ColumnChunk(leaf)
		if err != nil {
			t.Fatal(err)
		}
		n += col.TotalCompressedSize()
	}
	return n
}

func TestReadParquetPrefetch(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.parquet")
	writeTestParquet(t, p, 3, 100)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The footer starts 8 bytes plus the metadata's length before the end.
	footer := int64(len(data)) - 8 - int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	md, err := metadata.NewFileMetaData(data[footer:len(data)-8], nil)
	if err != nil {
		t.Fatal(err)
	}
	all := func(groups ...int) int64 {
		var n int64
		for _, g := range groups {
			n += chunkBytes(t, md, g, nil)
		}
		return n
	}
	idLeaves := []int{0}
	tests := []struct {
		name  string
		opts  ParquetOptions
		rows  int64
		decls []int64 // bytes of each declaration, in order
	}{
		{"each row group with the next", ParquetOptions{}, 300, []int64{all(0, 1), all(1, 2), all(2)}},
		{"only projected columns", ParquetOptions{Columns: []string{"id"}}, 300,
			[]int64{chunkBytes(t, md, 0, idLeaves) + chunkBytes(t, md, 1, idLeaves), chunkBytes(t, md, 1, idLeaves) + chunkBytes(t, md, 2, idLeaves), chunkBytes(t, md, 2, idLeaves)}},
		{"chosen row groups in their order", ParquetOptions{RowGroups: []int{2, 0}}, 200, []int64{all(2, 0), all(0)}},
		{"a limit ending inside a row group declares nothing for it", ParquetOptions{Limit: 150}, 150, []int64{all(0, 1), 0}},
		{"a limit ending with a row group does not declare the next", ParquetOptions{Limit: 200}, 200, []int64{all(0, 1), all(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec := &recording{}
			var rows int64
			err := ReadParquet(context.Background(), mem, recordingStorage{Local(), rec}, File{Path: p}, tt.opts, func(b arrow.RecordBatch) error {
				rows += b.NumRows()
				b.Release()
				return nil
			})
			if err != nil || rows != tt.rows {
				t.Fatalf("%d rows, %v; want %d", rows, err, tt.rows)
			}
			var got []int64
			for _, d := range rec.decls {
				var n int64
				for _, s := range d {
					n += s.Len
				}
				got = append(got, n)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.decls) {
				t.Fatalf("declared bytes %v, want %v", got, tt.decls)
			}
			if tt.opts.Limit > 0 {
				return // a limited read may read what it did not declare
			}
			// Every read of column data lies inside a declared span.
			for _, r := range rec.reads {
				if r.Off >= footer {
					continue
				}
				covered := false
				for _, d := range rec.decls {
					for _, s := range d {
						covered = covered || r.Off >= s.Off && r.Off+r.Len <= s.Off+s.Len
					}
				}
				if !covered {
					t.Errorf("read [%d,%d) was not declared", r.Off, r.Off+r.Len)
				}
			}
		})
	}
}

// TestRowGroupSpans checks that a large column chunk is declared in slices interleaved with
// the other columns, in the order pqarrow reads them, and that chunks whose metadata points
// past the end of the file are left out.
func TestRowGroupSpans(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.parquet")
	const rows = 700_000 // 5.6 MB of random int64: a chunk of two slices
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "big", Type: arrow.PrimitiveTypes.Int64},
		{Name: "small", Type: arrow.PrimitiveTypes.Int8},
	}, nil)
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(rows)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, schema)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(rng.Int64())
		b.Field(1).(*array.Int8Builder).Append(int8(i))
	}
	rec := b.NewRecordBatch()
	b.Release()
	err = w.Write(rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rr, pf, err := openParquet(context.Background(), smallAllocs{mem}, Local(), File{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	defer pf.Close()
	md := pf.MetaData()
	big, _ := md.RowGroup(0).ColumnChunk(0)
	small, _ := md.RowGroup(0).ColumnChunk(1)
	bigOff, bigLen := big.DataPageOffset(), big.TotalCompressedSize()
	smallOff, smallLen := small.DataPageOffset(), small.TotalCompressedSize()
	if bigLen <= chunkSliceBytes || bigLen > 2*chunkSliceBytes {
		t.Fatalf("the big chunk is %d bytes; the test wants two slices", bigLen)
	}
	tests := []struct {
		name   string
		size   int64
		leaves []int
		want   []storage.Span
	}{
		{"slices interleave by position in their chunk", rr.Size(), nil, []storage.Span{
			{Off: bigOff, Len: chunkSliceBytes}, {Off: smallOff, Len: smallLen}, {Off: bigOff + chunkSliceBytes, Len: bigLen - chunkSliceBytes}}},
		{"projected leaves only", rr.Size(), []int{1}, []storage.Span{{Off: smallOff, Len: smallLen}}},
		{"chunks past the end are left out", smallOff + smallLen - 1, nil, []storage.Span{
			{Off: bigOff, Len: chunkSliceBytes}, {Off: bigOff + chunkSliceBytes, Len: bigLen - chunkSliceBytes}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rowGroupSpans(nil, md, tt.size, tt.leaves, 0)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("spans %v, want %v", got, tt.want)
			}
		})
	}
}
