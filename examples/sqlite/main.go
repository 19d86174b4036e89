// Command sqlite reads a table from a SQLite database, transforms it and writes the result
// into another table of the same database: ReadSQL, Map, WriteSQL (all or nothing).
//
//	go run ./examples/sqlite [database file]
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sluicedata/sluice/data"
	_ "modernc.org/sqlite"
)

func main() {
	path := filepath.Join(os.TempDir(), "sluice-example.db")
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := run(context.Background(), os.Stdout, data.DefaultContext(), path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dc *data.Context, path string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return err
	}
	defer db.Close()
	// A table in: orders(id, customer, amount).
	for _, s := range []string{
		"DROP TABLE IF EXISTS orders",
		"CREATE TABLE orders (id INTEGER, customer TEXT, amount DECIMAL(10,2))",
		"INSERT INTO orders VALUES (1, 'ada', 12.50), (2, 'bob', 7.25), (3, 'ada', 100.00), (4, 'cy', NULL)",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	// A transform: the amount with 20% tax, as float64.
	ds := data.ReadSQL(db, "SELECT id, customer, amount FROM orders", data.DecimalAsFloat(), data.ShardKey("id", 2)).
		WithContext(dc).
		Map(func(ctx context.Context, r data.Row) (data.Row, error) {
			gross := any(nil)
			if a, ok := r["amount"].(float64); ok {
				gross = a * 1.2
			}
			return data.Row{"id": r["id"], "customer": r["customer"], "gross": gross}, nil
		})
	// A table out, replaced in one commit.
	n, err := ds.WriteSQL(ctx, db, "orders_gross", data.Mode(data.SaveOverwrite))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Wrote %d rows into orders_gross\n", n)
	rows, err := db.QueryContext(ctx, "SELECT id, customer, gross FROM orders_gross ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var customer string
		var gross sql.NullFloat64
		if err := rows.Scan(&id, &customer, &gross); err != nil {
			return err
		}
		if gross.Valid {
			fmt.Fprintf(out, "%d %s %.2f\n", id, customer, gross.Float64)
		} else {
			fmt.Fprintf(out, "%d %s NULL\n", id, customer)
		}
	}
	return rows.Err()
}
