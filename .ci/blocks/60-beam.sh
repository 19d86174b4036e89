# 60-beam: the Apache Beam backend (streaming/beam, a nested module): its tests run every
# operator kind on in-process prism against the local executor, then examples/distributed
# compares a Beam run's Parquet output with the local run's. About 80 s on 2 cores (mostly compiling) with a
# warm module and build cache; a cold build of Beam's module tree takes longer, so each step is
# bounded and a timeout is reported in one line instead of failing the run.
echo "== (cd streaming/beam && go test ./...)"
rc=0
( set -o pipefail; cd streaming/beam && timeout 150 go test -count=1 ./... 2>&1 | grep -v 'level=INFO' ) || rc=$?
if [ "$rc" = 124 ]; then
  echo "ci: streaming/beam tests did not finish within 150 s (cold build of the Beam module?)"
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
echo "== go run ./examples/distributed (streaming/beam)"
beamout=$(mktemp -d)
rc=0
( set -o pipefail; cd streaming/beam && timeout 120 go run ./examples/distributed -rows 50000 -out "$beamout" 2>/dev/null | grep -E '^(beam:|identical:)' ) || rc=$?
rm -rf "$beamout"
if [ "$rc" = 124 ]; then
  echo "ci: examples/distributed did not finish within 120 s"
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
