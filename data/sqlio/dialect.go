package sqlio

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dialect is what sluice needs to know of a database's SQL beyond database/sql: how to quote
// a name, how placeholders are written, the column type of each Arrow type, and how to ask
// whether a table exists.
type Dialect struct {
	// Name is "postgres", "sqlite" or "sql" (generic), as errors print it.
	Name string
	// dollar: placeholders are $1, $2, ... (PostgreSQL); otherwise ?.
	dollar bool
	// copy: the driver is pgx's stdlib, whose connections load rows with COPY.
	copy bool
	// maxParams is the most placeholders one statement may hold.
	maxParams int
}

// The dialects.
var (
	Postgres = Dialect{Name: "postgres", dollar: true, maxParams: 65535}
	// SQLite allows 32766 placeholders, but modernc.org/sqlite (v1.57.0) binds the arguments
	// of a statement in time quadratic in their number (each placeholder searches the
	// argument list): with 256 per statement 40 000 two-column rows took 0.20 s, 1.41 s with
	// 2000.
	SQLite  = Dialect{Name: "sqlite", maxParams: 256}
	Generic = Dialect{Name: "sql", maxParams: 2000}
)

// Detect returns the dialect of db's driver, recognised by the driver's Go package: pgx
// (github.com/jackc/pgx/v5/stdlib, with COPY) and lib/pq are PostgreSQL; modernc.org/sqlite,
// mattn/go-sqlite3, ncruces/go-sqlite3 and glebarez/go-sqlite are SQLite; anything else is
// the generic dialect (? placeholders, ANSI type names).
func Detect(db *sql.DB) Dialect {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	switch {
	case strings.HasPrefix(pkg, "github.com/jackc/pgx/"):
		d := Postgres
		d.copy = true
		return d
	case pkg == "github.com/lib/pq":
		return Postgres
	case strings.Contains(pkg, "sqlite"):
		return SQLite
	}
	return Generic
}

// Quote quotes an identifier: "name", with double quotes doubled. A name with a dot is
// quoted per part (schema.table).
func (d Dialect) Quote(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(parts, ".")
}

// placeholder is the i-th (0-based) parameter of a statement.
func (d Dialect) placeholder(i int) string {
	if d.dollar {
		return "$" + strconv.Itoa(i+1)
	}
	return "?"
}

// TableExists reports whether table (as given: name or schema.name, unquoted) exists.
func (d Dialect) TableExists(ctx context.Context, q queryer, table string) (bool, error) {
	var err error
	var found bool
	switch d.Name {
	case "postgres":
		var reg sql.NullString
		err = q.QueryRowContext(ctx, "SELECT to_regclass($1)::text", d.Quote(table)).Scan(&reg)
		found = reg.Valid
	case "sqlite":
		var n int
		err = q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n)
		found = n > 0
	default:
		var rows *sql.Rows
		rows, err = q.QueryContext(ctx, "SELECT * FROM "+d.Quote(table)+" WHERE 1 = 0")
		if err != nil {
			return false, nil // the generic dialect cannot tell "missing" from other failures
		}
		found = true
		err = rows.Close()
	}
	return found, err
}

// queryer is what TableExists needs: a *sql.DB, *sql.Conn or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// errorf formats an error of this package: "sluice: <op>: <dialect> <subject>: <cause>".
func errorf(op string, d Dialect, subject, format string, args ...any) error {
	return fmt.Errorf("sluice: %s: %s %s: %s", op, d.Name, subject, fmt.Sprintf(format, args...))
}

// wrapf is errorf wrapping err (its message after the format's).
func wrapf(op string, d Dialect, subject string, err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if msg != "" {
		msg += ": "
	}
	return fmt.Errorf("sluice: %s: %s %s: %s%w", op, d.Name, subject, msg, err)
}

// QuerySubject names a query in errors: query "SELECT ...", cut at 80 characters.
func QuerySubject(query string) string {
	q := strings.Join(strings.Fields(query), " ")
	if len(q) > 80 {
		q = q[:77] + "..."
	}
	return "query " + strconv.Quote(q)
}

// TableSubject names a table in errors: table "name".
func TableSubject(table string) string { return "table " + strconv.Quote(table) }
