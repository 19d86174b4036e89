# 55-iceberg: Apache Iceberg (data/iceberg, a nested module with iceberg-go): vet, then its
# tests: snapshots, projection and row filters, partition pruning, a failed write and SIGKILLed
# writers committing nothing, an S3 warehouse (gofakes3), pyiceberg reading what sluice wrote
# and sluice reading what pyiceberg wrote (SQL catalog on SQLite; skipped with a message when
# scripts/install-python-deps.sh could not install pyiceberg), and examples/iceberg. About
# 1-2 minutes on a fresh machine, most of it building iceberg-go's tree.
echo "== (cd data/iceberg && go vet ./... && go test ./...)"
( cd data/iceberg && go vet ./... && go test -count=1 ./... )
