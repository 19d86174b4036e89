package write

import (
	"encoding/csv"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
)

// CSVOption configures the CSV format.
type CSVOption func(*csvConfig)

type csvConfig struct {
	delim rune
	null  string
}

// CSVDelimiter sets the field delimiter; the default is ','. A delimiter that cannot
// separate fields (a quote, a line break, the replacement character or an invalid rune)
// makes NewWriter fail.
func CSVDelimiter(r rune) CSVOption { return func(c *csvConfig) { c.delim = r } }

// CSVNull sets the text written for a null value; the default is the empty field, as pyarrow
// and pandas write it (so an empty string and a null read back alike; pick a marker such as
// "NULL" when the difference matters).
func CSVNull(s string) CSVOption { return func(c *csvConfig) { c.null = s } }

// CSV returns the CSV format: a header row with the column names, then one line per row,
// written by arrow-go's CSV writer. Binary values are base64 (standard encoding with
// padding), timestamps and dates ISO 8601, list values "{a,b,c}", extension values their
// ValueStr. Struct, map, union and dictionary columns are refused by NewWriter.
func CSV(opts ...CSVOption) Format {
	c := csvConfig{delim: ','}
	for _, o := range opts {
		o(&c)
	}
	return csvFormat{c}
}

type csvFormat struct{ cfg csvConfig }

var _ Format = csvFormat{}

func (csvFormat) Ext() string { return "csv" }

func (c csvFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write csv: nil schema")
	}
	if !validDelim(c.cfg.delim) {
		return nil, fmt.Errorf("sluice: write csv: invalid delimiter %q", c.cfg.delim)
	}
	// arrow-go's CSV writer panics on a type it cannot format; refuse those up front.
	for _, f := range schema.Fields() {
		if !csvWritable(f.Type) {
			return nil, fmt.Errorf("sluice: write csv: column %q: type %s cannot be written as CSV", f.Name, f.Type)
		}
	}
	cw := arrowcsv.NewWriter(w, schema,
		arrowcsv.WithComma(c.cfg.delim),
		arrowcsv.WithHeader(true),
		arrowcsv.WithNullWriter(c.cfg.null),
	)
	return &csvWriter{w: w, cw: cw, schema: schema, delim: c.cfg.delim}, nil
}

// validDelim mirrors encoding/csv's rule for Comma.
func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// csvWritable reports whether arrow-go's CSV writer (v18.8.0) can format values of t.
func csvWritable(t arrow.DataType) bool {
	switch dt := t.(type) {
	case *arrow.BooleanType,
		*arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type,
		*arrow.StringType, *arrow.LargeStringType,
		*arrow.Date32Type, *arrow.Date64Type, *arrow.TimestampType,
		*arrow.Decimal128Type, *arrow.Decimal256Type,
		*arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType,
		*arrow.NullType, arrow.ExtensionType:
		return true
	case *arrow.ListType:
		return csvWritable(dt.Elem())
	case *arrow.LargeListType:
		return csvWritable(dt.Elem())
	case *arrow.FixedSizeListType:
		return csvWritable(dt.Elem())
	}
	return false
}

type csvWriter struct {
	w       io.Writer
	cw      *arrowcsv.Writer
	schema  *arrow.Schema
	delim   rune
	started bool // the header has been written
	closed  bool
}

func (c *csvWriter) Write(rec arrow.RecordBatch) error {
	if c.closed {
		return fmt.Errorf("sluice: write csv: write after close")
	}
	if !rec.Schema().Equal(c.schema) {
		return fmt.Errorf("sluice: write csv: batch schema %s does not match the file's schema %s", rec.Schema(), c.schema)
	}
	c.started = true
	if err := c.cw.Write(rec); err != nil {
		return fmt.Errorf("sluice: write csv: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	if c.closed {
		return fmt.Errorf("sluice: write csv: close after close")
	}
	c.closed = true
	if !c.started {
		// arrow-go writes the header with the first batch; a file without rows still gets
		// one, so readers see the columns.
		hw := csv.NewWriter(c.w)
		hw.Comma = c.delim
		names := make([]string, c.schema.NumFields())
		for i, f := range c.schema.Fields() {
			names[i] = f.Name
		}
		if err := hw.Write(names); err != nil {
			return fmt.Errorf("sluice: write csv: header: %w", err)
		}
		hw.Flush()
		if err := hw.Error(); err != nil {
			return fmt.Errorf("sluice: write csv: header: %w", err)
		}
		return nil
	}
	if err := c.cw.Flush(); err != nil {
		return fmt.Errorf("sluice: write csv: %w", err)
	}
	return nil
}
