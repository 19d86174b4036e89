// Package iceberg reads and writes Apache Iceberg tables (Ray Data's read_iceberg and
// write_iceberg) through github.com/apache/iceberg-go. It is its own Go module, so the core
// module does not carry iceberg-go's tree (cloud SDKs, catalog clients).
//
// Read plans a snapshot's files with iceberg-go (partition pruning from the manifests, column
// projection from the table schema) and reads them on sluice's executor as a
// data.Datasource: one task per data file. Files on the local file system of a table whose
// schema never changed, without delete files and without a row filter, go through sluice's own
// Parquet reader (read.ReadParquet, at its speed) when the file's footer gives the table's
// Arrow types; everything else (delete files, schema evolution, a file added with an int
// column into a long one, a RowFilter, object stores) through iceberg-go's reader, which
// applies deletes, filters rows, casts and maps field IDs, into the run's allocator.
//
// Write runs a dataset and appends its rows to a table, or replaces the table's rows, in one
// atomic commit: the data files are written first, then one metadata commit publishes them.
// Into an unpartitioned table on the local file system sluice's own Parquet writer writes
// them (every core, the run's memory budget) and iceberg-go adds them (AddFiles, mapping
// columns by name); into a partitioned table or one on an object store iceberg-go's writer
// writes them. A failed or killed run commits nothing, so readers keep seeing the snapshot
// before it; data files a killed run wrote are in no snapshot (Iceberg's orphan files, which
// a table's maintenance removes).
//
// Catalogs are iceberg-go's: OpenSQLCatalog opens the SQL catalog on SQLite (pure Go, the
// embedded default, the same catalog pyiceberg's SqlCatalog uses); any catalog.Catalog (REST,
// Glue, Hive) gives tables that Read and Write take. The REST catalog, rest.NewCatalog(ctx,
// name, uri), is tested against Apache Iceberg's REST server (TestRESTCatalog,
// scripts/iceberg-rest.sh).
package iceberg
