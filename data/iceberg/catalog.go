package iceberg

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	ice "github.com/apache/iceberg-go"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// OpenSQLCatalog opens (creating it when absent) the Iceberg SQL catalog named name in the
// SQLite database file dbPath, with tables stored under warehouse (a directory, or a URL that
// iceberg-go's FileIO takes: s3://bucket/prefix with the s3.* properties in props). It is
// the catalog pyiceberg's SqlCatalog("name", uri="sqlite:///dbPath", warehouse=...) opens.
// Close the catalog when done; it closes the database.
func OpenSQLCatalog(ctx context.Context, name, dbPath, warehouse string, props map[string]string) (*SQLCatalog, error) {
	if d := filepath.Dir(dbPath); d != "" {
		if _, err := os.Stat(d); err != nil {
			return nil, fmt.Errorf("sluice: iceberg: SQL catalog %s: %w", dbPath, err)
		}
	}
	// WAL and a busy timeout on every pooled connection: a writer and readers in other
	// processes (pyiceberg) share the file.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, fmt.Errorf("sluice: iceberg: SQL catalog %s: %w", dbPath, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sluice: iceberg: SQL catalog %s: %w", dbPath, err)
	}
	p := ice.Properties{"warehouse": warehouse}
	for k, v := range props {
		p[k] = v
	}
	cat, err := sqlcat.NewCatalog(name, db, sqlcat.SQLite, p)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sluice: iceberg: SQL catalog %s: %w", dbPath, err)
	}
	return &SQLCatalog{cat, db}, nil
}

// SQLCatalog is iceberg-go's SQL catalog on a database OpenSQLCatalog opened.
type SQLCatalog struct {
	*sqlcat.Catalog
	db *sql.DB
}

// Close closes the catalog and its database.
func (c *SQLCatalog) Close() error {
	err := c.Catalog.Close()
	if e := c.db.Close(); err == nil {
		err = e
	}
	return err
}
