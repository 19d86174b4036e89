package write

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
	mem           memory.Allocator
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
	props := parquet.NewWriterProperties(base...)
	arrProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(p.cfg.mem))
	stored, converted := storageSchema(schema)
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
	return &parquetWriter{fw: fw, schema: schema, stored: stored, converted: converted, maxBytes: p.cfg.rowGroupBytes, maxRows: p.cfg.rowGroupRows}, nil
}

type parquetWriter struct {
	fw        *pqarrow.FileWriter
	schema    *arrow.Schema // the caller's schema
	stored    *arrow.Schema // schema with extension columns as storage
	converted bool
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
		if nullFixedSizeList(col.Data()) {
			return fmt.Errorf("sluice: write parquet: column %q: null fixed-size list entries cannot be written (arrow-go v18.8.0 pqarrow limitation)", p.schema.Field(i).Name)
		}
	}
	if p.converted {
		rec = storageRecord(rec, p.stored)
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
