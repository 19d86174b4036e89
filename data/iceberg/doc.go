// Package iceberg reads and writes Apache Iceberg tables (Ray Data's read_iceberg and
// write_iceberg) through github.com/apache/iceberg-go. It is its own Go module, so the core
// module does not carry iceberg-go's tree (cloud SDKs, catalog clients).
//
// Read plans a snapshot's files with iceberg-go (partition pruning from the manifests, column
// projection from the table schema) and reads them on sluice's executor as a
// data.Datasource: one task per data file. Files on the local file system of a table whose
// schema never changed, without delete files and without a row filter, go through sluice's own
// Parquet reader (read.ReadParquet, at its speed); everything else (delete files, schema
// evolution, a RowFilter, object stores) through iceberg-go's reader, which applies deletes,
// filters rows and maps field IDs, into the run's allocator.
//
// Write runs a dataset and appends its rows to a table, or replaces the table's rows, in one
// atomic commit: iceberg-go writes the data files, then one metadata commit publishes them. A
// failed or killed run commits nothing, so readers keep seeing the snapshot before it; the
// data files it wrote are not part of any snapshot (Iceberg's orphan files, removed by a
// table's maintenance).
//
// Catalogs are iceberg-go's: OpenSQLCatalog opens the SQL catalog on SQLite (pure Go, the
// embedded default, the same catalog pyiceberg's SqlCatalog uses); any catalog.Catalog (REST,
// Glue, Hive) gives tables that Read and Write take.
package iceberg
