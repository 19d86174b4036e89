package write

import (
	"encoding/base64"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	_ "github.com/sluicedata/sluice/data/internal/pqcodec" // fast snappy, LZ4 (see its doc)
)

// Defaults of the Parquet format. The row cap is pyarrow's default; the byte cap bounds the
// memory a buffered row group holds when rows are wide (tensor columns).
const (
	DefaultParquetRowGroupRows  = 1 << 20
	DefaultParquetRowGroupBytes = 128 << 20
)

// ParquetOption configures the Parquet format.
type ParquetOption func(*parquetConfig)

type parquetConfig struct {
	codec         compress.Compression
	rowGroupRows  int64
	rowGroupBytes int64
	dictionary    *bool // nil: the default policy, see ParquetDictionary
	noPageIndex   bool
	pageBytes     int64 // 0: arrow-go's default data page size, 1 MiB
	mem           memory.Allocator
}

// ParquetPageIndex turns the page index (a column index and an offset index per column
// chunk, written after the row groups) on or off; it is on by default, as in parquet-mr and
// Spark (pyarrow: write_page_index=True). Readers that use it (sluice, Arrow C++, Spark,
// DuckDB, Trino) skip the pages a filter rules out; it costs a few dozen bytes per page.
func ParquetPageIndex(on bool) ParquetOption {
	return func(c *parquetConfig) { c.noPageIndex = !on }
}

// ParquetDataPageSize sets the target size of a data page in bytes (before compression);
// n <= 0 keeps arrow-go's default, 1 MiB. Smaller pages let a reader with the page index
// skip finer: at 1 MiB a page holds 128Ki float64 values.
func ParquetDataPageSize(n int64) ParquetOption {
	return func(c *parquetConfig) {
		if n > 0 {
			c.pageBytes = n
		}
	}
}

// ParquetDictionary turns dictionary encoding on or off for every column. Without it,
// dictionary encoding is used for string and binary columns only: numeric values (tensors
// included) go plain, because hashing them into a dictionary costs more than it saves on
// typical data: BenchmarkParquetWrite measured about 2x the throughput with numeric
// dictionaries off (pyarrow's default is dictionary encoding everywhere; pass true for that).
func ParquetDictionary(on bool) ParquetOption {
	return func(c *parquetConfig) { c.dictionary = &on }
}

// ParquetCompression sets the compression codec of every column, for example
// compress.Codecs.Zstd or compress.Codecs.Uncompressed. The default is Snappy, as in pyarrow
// and Ray.
func ParquetCompression(codec compress.Compression) ParquetOption {
	return func(c *parquetConfig) { c.codec = codec }
}

// ParquetRowGroupRows caps the rows of one row group; n <= 0 keeps the default,
// DefaultParquetRowGroupRows.
func ParquetRowGroupRows(n int64) ParquetOption {
	return func(c *parquetConfig) {
		if n > 0 {
			c.rowGroupRows = n
		}
	}
}

// ParquetRowGroupBytes starts a new row group, after a Write, once the current one holds n
// encoded and compressed bytes; n <= 0 keeps the default, DefaultParquetRowGroupBytes. A row
// group is buffered in memory until it is complete, so this bounds the writer's memory. The
// count covers finished pages only: up to one data page (1 MiB by default) per column more
// is pending, so small row groups cannot be cut by bytes.
func ParquetRowGroupBytes(n int64) ParquetOption {
	return func(c *parquetConfig) {
		if n > 0 {
			c.rowGroupBytes = n
		}
	}
}

// ParquetAllocator sets the allocator of the writer's encoding buffers. nil, the default,
// means memory.DefaultAllocator.
func ParquetAllocator(mem memory.Allocator) ParquetOption {
	return func(c *parquetConfig) { c.mem = mem }
}

// Parquet returns the Parquet format. Files carry the Arrow schema (pqarrow
// WithStoreSchema), so readers get back the exact Arrow types.
//
// Extension-typed columns whose storage is nested (tensors: fixed-size lists, lists,
// structs), which pqarrow refuses to write, are written as their storage type with the field
// metadata "ARROW:extension:name" and "ARROW:extension:metadata". pqarrow and pyarrow
// restore the extension type on read when it is registered, and return the storage type
// with that metadata when it is not.
func Parquet(opts ...ParquetOption) Format {
	c := parquetConfig{
		codec:         compress.Codecs.Snappy,
		rowGroupRows:  DefaultParquetRowGroupRows,
		rowGroupBytes: DefaultParquetRowGroupBytes,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.mem == nil {
		c.mem = memory.DefaultAllocator
	}
	return parquetFormat{c}
}

type parquetFormat struct{ cfg parquetConfig }

var _ Format = parquetFormat{}

func (parquetFormat) Ext() string { return "parquet" }

func (p parquetFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write parquet: nil schema")
	}
	base := []parquet.WriterProperty{
		parquet.WithCompression(p.cfg.codec),
		parquet.WithMaxRowGroupLength(p.cfg.rowGroupRows),
		parquet.WithAllocator(p.cfg.mem),
	}
	if p.cfg.dictionary != nil {
		base = append(base, parquet.WithDictionaryDefault(*p.cfg.dictionary))
	}
	base = append(base, parquet.WithPageIndexEnabled(!p.cfg.noPageIndex))
	if p.cfg.pageBytes > 0 {
		base = append(base, parquet.WithDataPageSize(p.cfg.pageBytes))
	}
	props := parquet.NewWriterProperties(base...)
	arrProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(p.cfg.mem))
	stored, converted := storageSchema(schema)
	ext := stored // extension columns as their storage
	if ints, ok := writableTypes(stored); ok {
		// pqarrow v18.8.0 cannot write durations ("not implemented: support for DURATION")
		// nor null entries of a fixed-size list ("lists with non-zero length null components
		// are not supported"). pyarrow writes durations as INT64 and fixed-size lists as
		// LIST, with the Arrow types in the stored schema, and so does this: the columns go
		// as int64 and list, and ARROW:schema is written here, from the schema with the
		// Arrow types, instead of by pqarrow. The Parquet layout is the one pqarrow writes
		// for those types where it can.
		md := ints.Metadata()
		keys, vals := append([]string(nil), md.Keys()...), append([]string(nil), md.Values()...)
		if i := md.FindKey("ARROW:schema"); i >= 0 {
			keys, vals = append(keys[:i], keys[i+1:]...), append(vals[:i], vals[i+1:]...)
		}
		serialized := flight.SerializeSchema(parquetElementNames(stored), p.cfg.mem)
		keys, vals = append(keys, "ARROW:schema"), append(vals, base64.StdEncoding.EncodeToString(serialized))
		meta := arrow.NewMetadata(keys, vals)
		stored, converted = arrow.NewSchema(ints.Fields(), &meta), true
		arrProps = pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(p.cfg.mem))
	}
	// Check column by column first, so an unwritable type is reported with its column's
	// name and before a byte is written.
	for i, f := range stored.Fields() {
		if _, err := pqarrow.ToParquet(arrow.NewSchema([]arrow.Field{f}, nil), props, arrProps); err != nil {
			return nil, fmt.Errorf("sluice: write parquet: column %q (%s): %w", f.Name, schema.Field(i).Type, err)
		}
	}
	if p.cfg.dictionary == nil {
		// The default policy: dictionaries only for byte-array (string, binary) leaf columns.
		pqSchema, err := pqarrow.ToParquet(stored, props, arrProps)
		if err != nil {
			return nil, fmt.Errorf("sluice: write parquet: %w", err)
		}
		for i := 0; i < pqSchema.NumColumns(); i++ {
			col := pqSchema.Column(i)
			if pt := col.PhysicalType(); pt != parquet.Types.ByteArray && pt != parquet.Types.FixedLenByteArray {
				base = append(base, parquet.WithDictionaryPath(col.ColumnPath(), false))
			}
		}
		props = parquet.NewWriterProperties(base...)
	}
	// pqarrow closes a sink that is an io.Closer; hide Close, since w belongs to the caller.
	fw, err := pqarrow.NewFileWriter(stored, struct{ io.Writer }{w}, props, arrProps)
	if err != nil {
		return nil, fmt.Errorf("sluice: write parquet: %w", err)
	}
	return &parquetWriter{fw: fw, schema: schema, ext: ext, stored: stored, converted: converted, mem: p.cfg.mem,
		maxBytes: p.cfg.rowGroupBytes, maxRows: p.cfg.rowGroupRows}, nil
}

type parquetWriter struct {
	fw        *pqarrow.FileWriter
	schema    *arrow.Schema // the caller's schema
	ext       *arrow.Schema // schema with extension columns as storage
	stored    *arrow.Schema // ext with the types pqarrow cannot write as theirs (writableTypes)
	converted bool
	mem       memory.Allocator
	maxBytes  int64
	maxRows   int64 // rows per row group (the writer cuts batches at this boundary)
	groupRows int64 // rows in the row group being buffered
	closed    bool
}

func (p *parquetWriter) Write(rec arrow.RecordBatch) error {
	if p.closed {
		return fmt.Errorf("sluice: write parquet: write after close")
	}
	if !rec.Schema().Equal(p.schema) {
		return fmt.Errorf("sluice: write parquet: batch schema %s does not match the file's schema %s", rec.Schema(), p.schema)
	}
	// pqarrow v18.8.0 fails on a null fixed-size list entry ("lists with non-zero length null
	// components are not supported") and leaks encoder buffers when it does; refuse first.
	for i, col := range rec.Columns() {
		if p.stored.Field(i).Type.ID() != arrow.FIXED_SIZE_LIST && p.ext.Field(i).Type.ID() == arrow.FIXED_SIZE_LIST {
			continue // written as a list (writableTypes)
		}
		if nullFixedSizeList(col.Data()) {
			return fmt.Errorf("sluice: write parquet: column %q: null fixed-size list entries cannot be written (arrow-go v18.8.0 pqarrow limitation)", p.schema.Field(i).Name)
		}
	}
	if p.converted {
		rec = p.storedRecord(rec)
		defer rec.Release()
	}
	// Cut the batch at row-group boundaries here: when pqarrow v18.8.0 splits a batch itself
	// it ignores a fixed-size list's offset, and the rows after the split are overwritten with
	// earlier ones (tensor columns silently corrupted).
	for off := int64(0); off < rec.NumRows(); {
		// The cut is made before a write rather than after one, so the file never ends with an
		// empty row group.
		if p.groupRows >= p.maxRows || p.fw.RowGroupTotalCompressedBytes() >= p.maxBytes {
			if err := p.fw.NewBufferedRowGroupChecked(); err != nil {
				return fmt.Errorf("sluice: write parquet: %w", err)
			}
			p.groupRows = 0
		}
		n := min(rec.NumRows()-off, p.maxRows-p.groupRows)
		if err := p.writePart(rec, off, n); err != nil {
			return err
		}
		p.groupRows += n
		off += n
	}
	return nil
}

// writePart writes rows [off, off+n) of rec into the current row group.
func (p *parquetWriter) writePart(rec arrow.RecordBatch, off, n int64) error {
	part := rec
	if off != 0 || n != rec.NumRows() {
		part = rec.NewSlice(off, off+n)
		defer part.Release()
	}
	if rebased, ok := rebaseFixedSizeLists(part); ok {
		part = rebased
		defer part.Release()
	}
	if err := p.fw.WriteBuffered(part); err != nil {
		return fmt.Errorf("sluice: write parquet: %w", err)
	}
	return nil
}

func (p *parquetWriter) Close() error {
	if p.closed {
		return fmt.Errorf("sluice: write parquet: close after close")
	}
	p.closed = true
	if err := p.fw.Close(); err != nil {
		return fmt.Errorf("sluice: write parquet: %w", err)
	}
	return nil
}

// writableTypes returns schema with the types pqarrow cannot write replaced by what is written
// for them, and whether there was one: every duration, at any depth, as int64, and a nullable
// top-level fixed-size list as a list (the Parquet LIST pqarrow writes for either).
func writableTypes(schema *arrow.Schema) (*arrow.Schema, bool) {
	fields := make([]arrow.Field, schema.NumFields())
	changed := false
	for i, f := range schema.Fields() {
		var ok bool
		fields[i], ok = mapField(f, func(t arrow.DataType) (arrow.DataType, bool) {
			if t.ID() == arrow.DURATION {
				return arrow.PrimitiveTypes.Int64, true
			}
			return t, false
		})
		if fsl, isFSL := fields[i].Type.(*arrow.FixedSizeListType); isFSL && f.Nullable {
			fields[i].Type, ok = arrow.ListOfField(fsl.ElemField()), true
		}
		changed = changed || ok
	}
	if !changed {
		return schema, false
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md), true
}

// storedRecord returns rec with p.stored's types: extension columns as their storage, then
// fixed-size lists written as lists converted (fixedSizeAsList) and durations retyped. The
// caller releases the result.
func (p *parquetWriter) storedRecord(rec arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		d := storageData(c.Data(), p.ext.Field(i).Type)
		if want := p.stored.Field(i).Type; want.ID() == arrow.LIST && d.DataType().ID() == arrow.FIXED_SIZE_LIST {
			l := fixedSizeAsList(p.mem, d)
			d.Release()
			d = l
		}
		r := storageData(d, p.stored.Field(i).Type)
		d.Release()
		cols[i] = array.MakeFromData(r)
		r.Release()
	}
	out := array.NewRecordBatch(p.stored, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

// fixedSizeAsList returns the fixed-size-list data d as a list of the same element field:
// null entries empty and their values left out (Arrow lets a null fixed-size list entry hold
// values; a written null list has none), valid ones sharing d's values where they are
// contiguous. New buffers come from mem; the caller releases the result.
func fixedSizeAsList(mem memory.Allocator, d arrow.ArrayData) arrow.ArrayData {
	fsl := d.DataType().(*arrow.FixedSizeListType)
	n, rows, off := int64(fsl.Len()), d.Len(), int64(d.Offset())
	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize(arrow.Int32Traits.BytesRequired(rows + 1))
	o := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	child := d.Children()[0]
	var valid *memory.Buffer
	var values arrow.ArrayData
	if d.NullN() == 0 {
		for i := range o {
			o[i] = int32(int64(i) * n)
		}
		values = array.NewSliceData(child, off*n, (off+int64(rows))*n)
	} else {
		valid = memory.NewResizableBuffer(mem)
		defer valid.Release()
		valid.Resize(int(bitutil.BytesForBits(int64(rows))))
		bits := d.Buffers()[0].Bytes()
		var parts []arrow.Array
		start := -1 // first row of the current run of valid rows
		flush := func(end int) {
			if start >= 0 {
				sd := array.NewSliceData(child, (off+int64(start))*n, (off+int64(end))*n)
				parts = append(parts, array.MakeFromData(sd))
				sd.Release()
				start = -1
			}
		}
		at := int32(0)
		for i := 0; i < rows; i++ {
			o[i] = at
			ok := bitutil.BitIsSet(bits, int(off)+i)
			bitutil.SetBitTo(valid.Bytes(), i, ok)
			if ok {
				if start < 0 {
					start = i
				}
				at += int32(n)
			} else {
				flush(i)
			}
		}
		flush(rows)
		o[rows] = at
		if len(parts) == 0 {
			values = array.NewSliceData(child, 0, 0)
		} else {
			cat, err := array.Concatenate(parts, mem)
			if err != nil {
				panic(err) // slices of one array always concatenate
			}
			values = cat.Data()
			values.Retain()
			cat.Release()
		}
		for _, a := range parts {
			a.Release()
		}
	}
	defer values.Release()
	return array.NewData(arrow.ListOfField(fsl.ElemField()), rows, []*memory.Buffer{valid, offsets}, []arrow.ArrayData{values}, d.NullN(), 0)
}

// parquetElementNames returns schema with list elements named "element", the names of the
// Parquet groups pqarrow writes, as pqarrow does to the schema it stores (readers map stored
// fields to Parquet paths by name).
func parquetElementNames(schema *arrow.Schema) *arrow.Schema {
	fields := make([]arrow.Field, schema.NumFields())
	for i, f := range schema.Fields() {
		fields[i] = elementNames(f)
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

func elementNames(f arrow.Field) arrow.Field {
	elem := func(e arrow.Field) arrow.Field {
		e = elementNames(e)
		e.Name = "element"
		return e
	}
	switch t := f.Type.(type) {
	case *arrow.ListType:
		f.Type = arrow.ListOfField(elem(t.ElemField()))
	case *arrow.LargeListType:
		f.Type = arrow.LargeListOfField(elem(t.ElemField()))
	case *arrow.FixedSizeListType:
		f.Type = arrow.FixedSizeListOfField(t.Len(), elem(t.ElemField()))
	case *arrow.MapType:
		mt := arrow.MapOfFields(elementNames(t.KeyField()), elementNames(t.ItemField()))
		mt.KeysSorted = t.KeysSorted
		f.Type = mt
	case *arrow.StructType:
		kids := make([]arrow.Field, t.NumFields())
		for i, k := range t.Fields() {
			kids[i] = elementNames(k)
		}
		f.Type = arrow.StructOf(kids...)
	}
	return f
}

// mapField rebuilds f with leaf types replaced by leaf, reporting whether any changed.
func mapField(f arrow.Field, leaf func(arrow.DataType) (arrow.DataType, bool)) (arrow.Field, bool) {
	switch t := f.Type.(type) {
	case *arrow.ListType:
		e, ok := mapField(t.ElemField(), leaf)
		if ok {
			f.Type = arrow.ListOfField(e)
		}
		return f, ok
	case *arrow.LargeListType:
		e, ok := mapField(t.ElemField(), leaf)
		if ok {
			f.Type = arrow.LargeListOfField(e)
		}
		return f, ok
	case *arrow.FixedSizeListType:
		e, ok := mapField(t.ElemField(), leaf)
		if ok {
			f.Type = arrow.FixedSizeListOfField(t.Len(), e)
		}
		return f, ok
	case *arrow.MapType:
		k, kok := mapField(t.KeyField(), leaf)
		v, vok := mapField(t.ItemField(), leaf)
		if kok || vok {
			mt := arrow.MapOfFields(k, v)
			mt.KeysSorted = t.KeysSorted
			f.Type = mt
		}
		return f, kok || vok
	case *arrow.StructType:
		kids := make([]arrow.Field, t.NumFields())
		changed := false
		for i, c := range t.Fields() {
			var ok bool
			kids[i], ok = mapField(c, leaf)
			changed = changed || ok
		}
		if changed {
			f.Type = arrow.StructOf(kids...)
		}
		return f, changed
	case arrow.ExtensionType:
		return f, false // its storage is written as it is
	}
	t, ok := leaf(f.Type)
	f.Type = t
	return f, ok
}

// nullFixedSizeList reports whether d, at any depth, holds a fixed-size list (or an extension
// stored as one) with a null entry.
func nullFixedSizeList(d arrow.ArrayData) bool {
	t := d.DataType()
	if ext, ok := t.(arrow.ExtensionType); ok {
		t = ext.StorageType()
	}
	if t.ID() == arrow.FIXED_SIZE_LIST && d.NullN() > 0 {
		return true
	}
	if !arrow.IsNested(t.ID()) {
		return false
	}
	for _, c := range d.Children() {
		if nullFixedSizeList(c) {
			return true
		}
	}
	return false
}

// rebaseFixedSizeLists works around pqarrow v18.8.0 ignoring the offset of a sliced
// fixed-size list array (it writes the rows from the start of the unsliced array, silently).
// It returns rec with every fixed-size list, at any depth, re-expressed at offset 0 over a
// slice of its child, sharing all buffers, and true; or rec itself and false when no column
// needs it. It relies on the lists having no nulls, which Write checks first. The caller
// releases a returned new batch.
func rebaseFixedSizeLists(rec arrow.RecordBatch) (arrow.RecordBatch, bool) {
	cols := make([]arrow.Array, rec.NumCols())
	changed := false
	for i, c := range rec.Columns() {
		d, ok := rebaseData(c.Data())
		changed = changed || ok
		cols[i] = array.MakeFromData(d)
		d.Release()
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if !changed {
		return rec, false
	}
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows()), true
}

// rebaseData returns d (retained) or a rebuilt equivalent whose fixed-size lists all start at
// offset 0, and whether it rebuilt anything. The caller releases the result.
func rebaseData(d arrow.ArrayData) (arrow.ArrayData, bool) {
	t := d.DataType()
	if ext, ok := t.(arrow.ExtensionType); ok {
		t = ext.StorageType()
	}
	if !arrow.IsNested(t.ID()) {
		d.Retain()
		return d, false
	}
	children := make([]arrow.ArrayData, len(d.Children()))
	changed := false
	for i, c := range d.Children() {
		var ok bool
		children[i], ok = rebaseData(c)
		changed = changed || ok
	}
	defer func() {
		for _, c := range children {
			c.Release()
		}
	}()
	if fsl, ok := t.(*arrow.FixedSizeListType); ok && d.Offset() != 0 {
		n := int64(fsl.Len())
		off, length := int64(d.Offset()), int64(d.Len())
		child := array.NewSliceData(children[0], off*n, (off+length)*n)
		defer child.Release()
		return array.NewData(d.DataType(), d.Len(), []*memory.Buffer{nil}, []arrow.ArrayData{child}, 0, 0), true
	}
	if !changed {
		d.Retain()
		return d, false
	}
	return array.NewData(d.DataType(), d.Len(), d.Buffers(), children, d.NullN(), d.Offset()), true
}
