# 55-iceberg: Apache Iceberg (data/iceberg, a nested module with iceberg-go): vet, then its
# tests: snapshots, projection and row filters, partition pruning, a failed write and SIGKILLed
# writers committing nothing, an S3 warehouse (gofakes3), pyiceberg reading what sluice wrote
# and sluice reading what pyiceberg wrote (SQL catalog on SQLite; skipped with a message when
# scripts/install-python-deps.sh could not install pyiceberg), and examples/iceberg. With
# Apache Iceberg's REST catalog server running (scripts/iceberg-rest.sh: Java, its jar fetched
# with Maven, about 10 s), TestRESTCatalog writes, reads, conflicts and fails through it and
# pyiceberg's REST client reads the result. About 1-2 minutes on a fresh machine, most of it
# building iceberg-go's tree.
if ! command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -q maven >/dev/null 2>&1) || true
fi
if REST=$(sh scripts/iceberg-rest.sh start 8181); then
  eval "$REST"
  echo "== Iceberg REST catalog at $SLUICE_ICEBERG_REST_URI (scripts/iceberg-rest.sh)"
else
  echo "ci: the Iceberg REST catalog server could not be fetched or started (needs java and mvn); TestRESTCatalog will skip"
fi
echo "== (cd data/iceberg && go vet ./... && go test ./...)"
( cd data/iceberg && go vet ./... && go test -count=1 ./... ) || { sh scripts/iceberg-rest.sh stop; echo "ci: data/iceberg tests failed"; exit 1; }
if [ -n "${SLUICE_ICEBERG_REST_URI:-}" ]; then
  ( cd data/iceberg && go test -count=1 -run TestRESTCatalog -v . ) | grep -E '^(--- |ok|FAIL)|pyiceberg \(REST\)'
  sh scripts/iceberg-rest.sh stop
  unset SLUICE_ICEBERG_REST_URI SLUICE_ICEBERG_REST_WAREHOUSE
fi
