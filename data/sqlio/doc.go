// Package sqlio moves Arrow record batches in and out of SQL databases through database/sql,
// so that any Go driver works: a query's rows become typed Arrow columns (Reader), and a
// dataset's batches become rows of a table, committed all at once (Write).
//
// Types come from the driver's column types (sql.ColumnType: the database type name, the
// precision and scale, the scan type); Types lists the mapping. The SQL a write issues (type
// names for CREATE TABLE, placeholders, how to find a table) depends on the database, which
// Detect recognises from the driver: PostgreSQL (pgx, lib/pq), SQLite (modernc.org/sqlite and
// the other common drivers), and a generic ANSI dialect for the rest. With pgx's stdlib driver
// a write loads rows with COPY (pgx's CopyFrom) instead of INSERT statements.
//
// Errors name the database (its dialect and the query or table) and the column:
// "sluice: read_sql: postgres query \"SELECT ...\": column \"d\": database type INTERVAL has
// no Arrow type; cast it in the query".
package sqlio
