package read

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Dictionary pruning (ParquetOptions.DictionaryFilter): a column chunk whose data pages are
// all dictionary-encoded holds no value its dictionary page does not, so a filter for
// equality or IsIn can skip the row group when the dictionary holds none of its values,
// which min/max statistics cannot tell when the values fall between other values. Only the
// dictionary page is read and decoded, and only for the columns the filter asks about.

// dictionaryFilter runs r.opts.DictionaryFilter over groups and returns the groups it keeps.
func (r *parquetRead) dictionaryFilter(groups []int, schema *arrow.Schema) []int {
	f := r.opts.DictionaryFilter
	kept := groups[:0:0]
	for _, rg := range groups {
		var made []arrow.Array
		cache := make(map[string]arrow.Array)
		dict := func(column string) arrow.Array {
			if a, ok := cache[column]; ok {
				return a
			}
			a := r.dictionaryOf(rg, column)
			cache[column] = a
			if a != nil {
				made = append(made, a)
			}
			return a
		}
		keep := f(r.pf.MetaData().RowGroup(rg), schema, dict)
		for _, a := range made {
			a.Release()
		}
		if keep {
			kept = append(kept, rg)
		}
	}
	if skip := r.opts.DictionarySkipped; skip != nil && len(kept) < len(groups) {
		skip(len(groups) - len(kept))
	}
	return kept
}

// dictionaryOf returns the values of the dictionary page of top-level column name in row
// group rg, as the column's Arrow type, when every data page of the chunk is
// dictionary-encoded and the page reader decodes the type (flat fixed-width values but
// booleans, strings and binaries); nil otherwise. The caller releases it. A page that cannot
// be read gives nil: the read of the row group reports it.
func (r *parquetRead) dictionaryOf(rg int, name string) arrow.Array {
	var pc *pageColumn
	for i := range r.fr.Manifest.Fields {
		f := &r.fr.Manifest.Fields[i]
		if f.Field.Name == name {
			if pc != nil {
				return nil // two columns of that name: not ours to choose
			}
			if pc = pageColumnOf(f, r.pf, r.opts.Int96Unit, true); pc == nil {
				return nil
			}
		}
	}
	if pc == nil || (pc.kind != pageFlat && pc.kind != pageBytes) || pc.elem.ID() == arrow.BOOL {
		return nil
	}
	rgr := r.pf.RowGroup(rg)
	md, err := rgr.MetaData().ColumnChunk(pc.leaf)
	if err != nil || !allDictionaryPages(md) {
		return nil
	}
	a, err := r.readDictionary(rgr, pc)
	if err != nil {
		return nil
	}
	return a
}

// allDictionaryPages reports whether the chunk's page encoding statistics say that every
// data page is dictionary-encoded (without them nothing is known: a writer falls back to
// PLAIN pages when the dictionary grows too large).
func allDictionaryPages(md *metadata.ColumnChunkMetaData) bool {
	if !md.HasDictionaryPage() {
		return false
	}
	stats := md.EncodingStats()
	data := 0
	for _, s := range stats {
		switch s.PageType {
		case file.PageTypeDataPage, file.PageTypeDataPageV2:
			if s.Encoding != parquet.Encodings.RLEDict && s.Encoding != parquet.Encodings.PlainDict {
				return false
			}
			data++
		}
	}
	return data > 0
}

// readDictionary reads the chunk's dictionary page and decodes its PLAIN values.
func (r *parquetRead) readDictionary(rgr *file.RowGroupReader, pc *pageColumn) (arrow.Array, error) {
	pr, err := rgr.GetColumnPageReader(pc.leaf)
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	if !pr.Next() {
		return nil, fmt.Errorf("no dictionary page: %v", pr.Err())
	}
	p, ok := pr.Page().(*file.DictionaryPage)
	if !ok {
		return nil, fmt.Errorf("the first page is not a dictionary page")
	}
	if e := parquet.Encoding(p.Encoding()); e != parquet.Encodings.Plain && e != parquet.Encodings.PlainDict {
		return nil, fmt.Errorf("dictionary page in encoding %s", e)
	}
	n, data := int(p.NumValues()), p.Data()
	if pc.kind == pageBytes {
		return bytesDictionary(r.mem, pc.elem, data, n)
	}
	size := pc.elem.(arrow.FixedWidthDataType).BitWidth() / 8
	if n < 0 || len(data) < n*size {
		return nil, fmt.Errorf("dictionary page of %d bytes for %d values", len(data), n)
	}
	buf := memory.NewResizableBuffer(r.mem)
	defer buf.Release()
	buf.Resize(n * size)
	copy(buf.Bytes(), data[:n*size])
	d := array.NewData(pc.elem, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// bytesDictionary decodes n PLAIN byte arrays into an array of type t (a string or binary
// type, large or not).
func bytesDictionary(mem memory.Allocator, t arrow.DataType, data []byte, n int) (arrow.Array, error) {
	var d flatDecoder
	if err := d.byteDictionary(data, n); err != nil {
		return nil, err
	}
	large := t.ID() == arrow.LARGE_STRING || t.ID() == arrow.LARGE_BINARY
	values := d.dictData[:d.dictOffs[n]]
	if !large && len(values) > math.MaxInt32 {
		return nil, fmt.Errorf("dictionary of %d bytes", len(values))
	}
	osize := 4
	if large {
		osize = 8
	}
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize((n + 1) * osize)
	if large {
		o := arrow.Int64Traits.CastFromBytes(offsets.Bytes())
		for i, v := range d.dictOffs {
			o[i] = int64(v)
		}
	} else {
		o := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
		for i, v := range d.dictOffs {
			o[i] = int32(v)
		}
	}
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	buf.Resize(len(values))
	copy(buf.Bytes(), values)
	ad := array.NewData(t, n, []*memory.Buffer{nil, offsets, buf}, nil, 0, 0)
	defer ad.Release()
	return array.MakeFromData(ad), nil
}
