package sqlio

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Default block cuts: a block ends at DefaultBlockRows rows or when its buffers pass
// DefaultBlockBytes, whichever comes first, so a read holds one block per task, never the
// whole result.
const (
	DefaultBlockRows  = 64 << 10
	DefaultBlockBytes = 8 << 20
)

// ReadOptions are the knobs of one query's read.
type ReadOptions struct {
	TypeOptions
	// Dialect names the database in errors (Detect(db) when zero).
	Dialect Dialect
	// Args are the query's parameters.
	Args []any
	// Schema, when set, is the schema rows are read into (the schema a first shard gave, so
	// that every shard of a query agrees); the result must have its columns, in order.
	Schema *arrow.Schema
	// Limit stops the read after that many rows (0: none).
	Limit int64
	// BlockRows and BlockBytes cut blocks (DefaultBlockRows, DefaultBlockBytes when 0).
	BlockRows  int
	BlockBytes int
}

// Emit receives a block; ownership passes to it, even when it returns an error. An error it
// returns stops the read and is returned unchanged.
type Emit func(arrow.RecordBatch) error

// Read runs query on db and hands its rows to emit in blocks allocated from mem, streaming:
// rows are scanned straight into Arrow builders and a block is emitted as soon as it is full.
// A result without rows emits one empty block carrying the schema. Errors name the database,
// the query, the row and the column.
func Read(ctx context.Context, db *sql.DB, query string, o ReadOptions, mem memory.Allocator, emit Emit) error {
	d := o.dialect(db)
	subject := QuerySubject(query)
	rows, err := db.QueryContext(ctx, query, o.Args...)
	if err != nil {
		return wrapf("read_sql", d, subject, err, "")
	}
	defer rows.Close()
	schema := o.Schema
	if schema == nil {
		if schema, err = rowsSchema(rows, o.TypeOptions); err != nil {
			return wrapf("read_sql", d, subject, err, "")
		}
	} else if err := checkColumns(rows, schema); err != nil {
		return wrapf("read_sql", d, subject, err, "")
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	cols := make([]column, len(schema.Fields()))
	dest := make([]any, len(cols))
	for i := range cols {
		if cols[i], err = newColumn(b.Field(i)); err != nil {
			return errorf("read_sql", d, subject, "column %q: %v", schema.Field(i).Name, err)
		}
		dest[i] = cols[i]
	}
	maxRows, maxBytes := o.BlockRows, o.BlockBytes
	if maxRows <= 0 {
		maxRows = DefaultBlockRows
	}
	if maxBytes <= 0 {
		maxBytes = DefaultBlockBytes
	}
	var read int64
	inBlock, emitted := 0, false
	flush := func() error {
		rec := b.NewRecordBatch()
		inBlock, emitted = 0, true
		return emit(rec)
	}
	for (o.Limit <= 0 || read < o.Limit) && rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return wrapf("read_sql", d, subject, err, "row %d", read)
		}
		read++
		inBlock++
		if inBlock >= maxRows || inBlock%256 == 0 && blockBytes(cols) >= maxBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return wrapf("read_sql", d, subject, err, "after row %d", read)
	}
	if inBlock > 0 || !emitted {
		return flush()
	}
	return nil
}

func blockBytes(cols []column) int {
	n := 0
	for _, c := range cols {
		n += c.bytes()
	}
	return n
}

func (o ReadOptions) dialect(db *sql.DB) Dialect {
	if o.Dialect.Name != "" {
		return o.Dialect
	}
	return Detect(db)
}

// rowsSchema maps a result's columns to Arrow fields (ArrowField).
func rowsSchema(rows *sql.Rows, o TypeOptions) (*arrow.Schema, error) {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(cts))
	seen := map[string]bool{}
	for i, ct := range cts {
		if fields[i], err = ArrowField(ct, o); err != nil {
			return nil, err
		}
		if seen[fields[i].Name] {
			return nil, fmt.Errorf("column %q appears twice; name the columns apart (AS)", fields[i].Name)
		}
		seen[fields[i].Name] = true
	}
	return arrow.NewSchema(fields, nil), nil
}

func checkColumns(rows *sql.Rows, schema *arrow.Schema) error {
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	want := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		want[i] = f.Name
	}
	if strings.Join(names, "\x00") != strings.Join(want, "\x00") {
		return fmt.Errorf("columns %v differ from the first query's %v", names, want)
	}
	return nil
}

// Schema is the Arrow schema of query's result, from the column types of its first row at
// most (SELECT * FROM (query) LIMIT 1).
func Schema(ctx context.Context, db *sql.DB, query string, o ReadOptions) (*arrow.Schema, error) {
	d := o.dialect(db)
	rows, err := db.QueryContext(ctx, "SELECT * FROM ("+Trim(query)+") AS sluice_q LIMIT 1", o.Args...)
	if err != nil {
		return nil, wrapf("read_sql", d, QuerySubject(query), err, "")
	}
	defer rows.Close()
	s, err := rowsSchema(rows, o.TypeOptions)
	if err != nil {
		return nil, wrapf("read_sql", d, QuerySubject(query), err, "")
	}
	return s, rows.Close()
}

// Count is SELECT count(*) FROM (query).
func Count(ctx context.Context, db *sql.DB, query string, o ReadOptions) (int64, error) {
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM ("+Trim(query)+") AS sluice_q", o.Args...).Scan(&n); err != nil {
		return 0, wrapf("read_sql", o.dialect(db), QuerySubject(query), err, "count")
	}
	return n, nil
}

// Trim is query without surrounding space and trailing semicolons, to nest as a subquery.
func Trim(query string) string {
	return strings.TrimRight(strings.TrimSpace(query), "; \t\n")
}
