# 60-beam: the Apache Beam backend (streaming/beam, a nested module): its tests run every
# operator kind on in-process prism against the local executor, then examples/distributed
# compares a Beam run's Parquet output with the local run's. The build comes first and is
# unbounded (a cold build of Beam's module tree takes a few minutes on 2 cores); the runs after it
# are bounded, and a run past its bound fails CI like any other failure.
echo "== (cd streaming/beam && go vet ./... && go test ./...)"
( cd streaming/beam && go vet ./... && go build ./... && go test -count=1 -run '^$' ./... >/dev/null )
( set -o pipefail; cd streaming/beam && timeout 180 go test -count=1 ./... 2>&1 | grep -v 'level=INFO' )
echo "== go run ./examples/distributed (streaming/beam)"
beamout=$(mktemp -d)
rc=0
( set -o pipefail; cd streaming/beam && go build -o "$beamout/distributed" ./examples/distributed && timeout 120 "$beamout/distributed" -rows 50000 -out "$beamout/out" 2>/dev/null | grep -E '^(beam:|identical:)' ) || rc=$?
rm -rf "$beamout"
exit_if() { [ "$1" = 0 ] || { echo "ci: examples/distributed failed (exit $1; 124 is the 120 s bound)"; exit "$1"; }; }
exit_if "$rc"
