#!/bin/sh
# Starts versitygw v1.8.0 (a real S3 server) with the posix backend on 127.0.0.1 for sluice's
# S3 integration test and benchmarks, installing it first if needed.
#
#   eval "$(scripts/versitygw.sh start [port])"   # default port 7070; prints export lines
#   go test ./storage/s3 -run TestVersitygw
#   go test ./bench -run '^$' -bench BenchmarkS3ParquetRead -benchtime 5x
#   scripts/versitygw.sh stop
#
# Data lives under ${SLUICE_VERSITYGW_DIR:-/tmp/sluice-versitygw}, with the bucket "sluice"
# (a directory, as the posix backend keeps buckets). The credentials are test-only.
set -eu

VERSION=v1.8.0
DIR=${SLUICE_VERSITYGW_DIR:-/tmp/sluice-versitygw}
BUCKET=sluice
ACCESS=sluice
SECRET=sluice-secret

bin() {
	gobin=$(go env GOBIN)
	[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
	echo "$gobin/versitygw"
}

case "${1:-start}" in
start)
	PORT=${2:-7070}
	BIN=$(bin)
	if [ ! -x "$BIN" ]; then
		echo "installing versitygw $VERSION" >&2
		go install "github.com/versity/versitygw/cmd/versitygw@$VERSION" >&2
	fi
	if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
		echo "versitygw already running (pid $(cat "$DIR/pid")); run '$0 stop' first" >&2
		exit 1
	fi
	mkdir -p "$DIR/root/$BUCKET"
	ROOT_ACCESS_KEY=$ACCESS ROOT_SECRET_KEY=$SECRET \
		"$BIN" --port "127.0.0.1:$PORT" --keep-alive --quiet posix "$DIR/root" >"$DIR/log" 2>&1 &
	echo $! >"$DIR/pid"
	# Wait until it answers HTTP (any status).
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
		i=$((i + 1))
		if [ $i -ge 100 ] || ! kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
			echo "versitygw did not start; log:" >&2
			cat "$DIR/log" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "export SLUICE_VERSITYGW_ENDPOINT=http://127.0.0.1:$PORT"
	echo "export SLUICE_VERSITYGW_BUCKET=$BUCKET"
	echo "export AWS_ACCESS_KEY_ID=$ACCESS"
	echo "export AWS_SECRET_ACCESS_KEY=$SECRET"
	echo "export SLUICE_VERSITYGW_PID=$(cat "$DIR/pid")"
	;;
stop)
	if [ -f "$DIR/pid" ]; then
		kill "$(cat "$DIR/pid")" 2>/dev/null || true
		rm -f "$DIR/pid"
	fi
	;;
*)
	echo "usage: $0 start [port] | stop" >&2
	exit 2
	;;
esac
