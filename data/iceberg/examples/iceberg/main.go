// Command iceberg writes an Apache Iceberg table on a SQL catalog (SQLite, in a warehouse
// directory), reads it back, transforms it and writes the result into another table of the
// catalog: WriteTable, Read, Map, WriteTable with Overwrite, each write one atomic commit.
//
//	cd data/iceberg && go run ./examples/iceberg [warehouse directory]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/data/iceberg"
)

type order struct {
	ID       int64   `sluice:"id"`
	Customer string  `sluice:"customer"`
	Amount   float64 `sluice:"amount"`
}

func main() {
	dir := filepath.Join(os.TempDir(), "sluice-iceberg-example")
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(context.Background(), os.Stdout, data.DefaultContext(), dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dc *data.Context, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cat, err := iceberg.OpenSQLCatalog(ctx, "example", filepath.Join(dir, "catalog.db"), "file://"+filepath.Join(dir, "warehouse"), nil)
	if err != nil {
		return err
	}
	defer cat.Close()
	if err := cat.CreateNamespace(ctx, table.Identifier{"shop"}, nil); err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
		return err
	}
	// A table in: shop.orders, two appends (two snapshots).
	orders := table.Identifier{"shop", "orders"}
	if _, err := iceberg.WriteTable(ctx, data.FromItems([]order{{1, "ada", 12.5}, {2, "bob", 7.25}}).WithContext(dc), cat, orders); err != nil {
		return err
	}
	tbl, err := iceberg.WriteTable(ctx, data.FromItems([]order{{3, "ada", 100}, {4, "cy", 40}}).WithContext(dc), cat, orders)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "shop.orders: %d snapshots\n", len(tbl.Metadata().Snapshots()))
	// A transform: the amount with 20% tax.
	ds := iceberg.Read(tbl).WithContext(dc).Map(func(ctx context.Context, r data.Row) (data.Row, error) {
		return data.Row{"id": r["id"], "customer": r["customer"], "gross": r["amount"].(float64) * 1.2}, nil
	})
	// A table out, replaced in one commit.
	gross, err := iceberg.WriteTable(ctx, ds, cat, table.Identifier{"shop", "orders_gross"}, iceberg.Overwrite())
	if err != nil {
		return err
	}
	rows, err := iceberg.Read(gross).WithContext(dc).Sort([]string{"id"}).TakeAll(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "shop.orders_gross: %d rows\n", len(rows))
	for _, r := range rows {
		fmt.Fprintf(out, "%d %s %.2f\n", r["id"], r["customer"], r["gross"])
	}
	return nil
}
