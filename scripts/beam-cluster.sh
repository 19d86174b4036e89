#!/bin/sh
# Starts a small Beam cluster on 127.0.0.1 for sluice's Beam backend (streaming/beam): prism,
# Beam's portable runner (Beam Go SDK v2.78.0, built from the module cache at the version
# streaming/beam pins), as a job server, and two external worker pools, each a process of
# streaming/beam's examples/distributed in worker mode (-serve_workers). The driver runs the
# same binary: the workers rebuild its plan from the registered name.
#
#   eval "$(scripts/beam-cluster.sh start)"   # prints export lines (ports 18073, 18100, 18101)
#   "$SLUICE_BEAM_BIN" -job_server "$SLUICE_BEAM_JOB_SERVER" -workers "$SLUICE_BEAM_WORKERS" \
#       -in "$SLUICE_BEAM_DIR/in" -out /tmp/dist
#   scripts/beam-cluster.sh stop
#
# Every process gets the same -in (made at start with -rows rows, default 50000), since the
# workers rebuild the plan from it. Logs and pids live in ${SLUICE_BEAM_DIR:-/tmp/sluice-beam}.
# SLUICE_BEAM_SLOW (a duration, default 0) is passed to every process as -slow. Starting one
# worker pool again (after killing it): scripts/beam-cluster.sh worker 1.
#
#   scripts/beam-cluster.sh check             # on a started cluster: the integration test
#
# check runs examples/distributed on the cluster and compares its Parquet output with the
# local run's (the binary does); checks that both worker pools ran tasks; then runs it again
# and SIGKILLs worker pool 1 as soon as it starts a task of that run. Prism (v2.78.0) does not
# retry a bundle whose worker died: the job fails, and check asserts that it failed naming
# the lost worker and that the output directory holds no file (nothing committed, no partial
# file); then it starts worker pool 1 again, reruns, and asserts the rerun wrote exactly the
# files of the first run (same names, same bytes, each listed once in the manifest).
set -eu

DIR=${SLUICE_BEAM_DIR:-/tmp/sluice-beam}
JOB_PORT=${SLUICE_BEAM_JOB_PORT:-18073}
WORKER_PORTS=${SLUICE_BEAM_WORKER_PORTS:-"18100 18101"}
ROWS=${SLUICE_BEAM_ROWS:-50000}
SLOW=${SLUICE_BEAM_SLOW:-0s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for LOG PATTERN PIDFILE: until LOG holds PATTERN, failing after 10 s or if the process dies.
wait_for() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge 100 ] || ! alive "$3"; then
			echo "beam-cluster: $(basename "$1" .log) did not start; log:" >&2
			cat "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# worker N: starts worker pool N (0-based) on its port.
worker() {
	n=$1
	port=$(echo $WORKER_PORTS | cut -d' ' -f$((n + 1)))
	[ -n "$port" ] || { echo "beam-cluster: no worker pool $n" >&2; exit 2; }
	if alive "$DIR/worker$n.pid"; then
		echo "beam-cluster: worker pool $n already running (pid $(cat "$DIR/worker$n.pid"))" >&2
		exit 1
	fi
	"$DIR/distributed" -serve_workers "$port" -in "$DIR/in" -slow "$SLOW" >"$DIR/worker$n.log" 2>&1 &
	echo $! >"$DIR/worker$n.pid"
	wait_for "$DIR/worker$n.log" "worker pool serving at" "$DIR/worker$n.pid"
}

stop_pid() {
	if [ -f "$1" ]; then
		kill "$(cat "$1")" 2>/dev/null || true
		rm -f "$1"
	fi
}

case "${1:-start}" in
start)
	mkdir -p "$DIR"
	for f in "$DIR"/*.pid; do
		if alive "$f"; then
			echo "beam-cluster: already running ($f); run '$0 stop' first" >&2
			exit 1
		fi
	done
	# Both binaries come from streaming/beam's module, so prism is the go.mod's Beam version.
	(cd "$ROOT/streaming/beam" &&
		go build -o "$DIR/prism" github.com/apache/beam/sdks/v2/go/cmd/prism &&
		go build -o "$DIR/distributed" ./examples/distributed) >&2
	if [ ! -d "$DIR/in" ]; then
		# The input, written by the binary itself (its -in is made when missing).
		"$DIR/distributed" -rows "$ROWS" -in "$DIR/in" -out "$DIR/init" >/dev/null 2>&1 ||
			{ echo "beam-cluster: could not write the input $DIR/in" >&2; exit 1; }
		rm -rf "$DIR/init"
	fi
	"$DIR/prism" -job_port "$JOB_PORT" -serve_http=false >"$DIR/prism.log" 2>&1 &
	echo $! >"$DIR/prism.pid"
	wait_for "$DIR/prism.log" "Serving JobManagement" "$DIR/prism.pid"
	n=0
	workers=""
	for port in $WORKER_PORTS; do
		worker $n
		workers="$workers${workers:+,}localhost:$port"
		n=$((n + 1))
	done
	echo "export SLUICE_BEAM_DIR=$DIR"
	echo "export SLUICE_BEAM_BIN=$DIR/distributed"
	echo "export SLUICE_BEAM_JOB_SERVER=localhost:$JOB_PORT"
	echo "export SLUICE_BEAM_WORKERS=$workers"
	echo "export SLUICE_BEAM_PRISM_PID=$(cat "$DIR/prism.pid")"
	n=0
	for port in $WORKER_PORTS; do
		echo "export SLUICE_BEAM_WORKER${n}_PID=$(cat "$DIR/worker$n.pid")"
		n=$((n + 1))
	done
	;;
worker)
	worker "${2:?usage: $0 worker N}"
	echo "export SLUICE_BEAM_WORKER${2}_PID=$(cat "$DIR/worker$2.pid")"
	;;
check)
	[ -x "$DIR/distributed" ] && alive "$DIR/prism.pid" || { echo "beam-cluster: not running; run '$0 start' first" >&2; exit 1; }
	workers=""
	for port in $WORKER_PORTS; do workers="$workers${workers:+,}localhost:$port"; done
	out=$(mktemp -d "$DIR/check.XXXXXX")
	run() { "$DIR/distributed" -slow "$SLOW" -job_server "localhost:$JOB_PORT" -workers "$workers" -in "$DIR/in" -out "$1"; }
	tasks() { grep "tasks run" "$DIR/worker$1.log" | tail -n 1 | sed 's/.*: \([0-9]*\) tasks run.*/\1/'; }
	fail() { echo "beam-cluster check: $*" >&2; exit 1; }
	# (1) The cluster's output against the local run's.
	before0=$(tasks 0) before1=$(tasks 1)
	run "$out/first" >"$out/first.log" 2>&1 || { cat "$out/first.log" >&2; fail "the run on the cluster failed"; }
	grep -E '^(beam:|identical:)' "$out/first.log"
	sleep 0.3 # a worker pool logs its count every 100 ms
	for n in 0 1; do
		b=$(eval echo "\${before$n:-0}")
		a=$(tasks $n)
		[ "${a:-0}" -gt "${b:-0}" ] || fail "worker pool $n ran no task of the run"
		echo "worker pool $n: $((${a:-0} - ${b:-0})) tasks"
		share=$((${a:-0} - ${b:-0}))
	done
	# (2) The same run, worker pool 1 killed (SIGKILL) halfway through its share of the run
	# (its task count, which it logs every 100 ms, past half of what it ran in (1)).
	half=$(($(tasks 1) + share / 2))
	run "$out/killed" >"$out/killed.log" 2>&1 &
	driver=$!
	i=0
	until [ "$(tasks 1)" -ge "$half" ]; do
		i=$((i + 1))
		[ $i -lt 1200 ] || { kill "$driver"; fail "worker pool 1 did not reach $half tasks in 60 s"; }
		sleep 0.02
	done
	kill -9 "$(cat "$DIR/worker1.pid")"
	echo "killed worker pool 1 (SIGKILL) at $(tasks 1) tasks, $((half - share / 2)) before the run"
	rm -f "$DIR/worker1.pid"
	rc=0
	wait "$driver" || rc=$?
	[ "$rc" != 0 ] || fail "the run survived the loss of worker pool 1: prism retried (update this check and the docs)"
	grep -q 'SDK worker disconnected' "$out/killed.log" || { cat "$out/killed.log" >&2; fail "the run failed, not naming the lost worker"; }
	echo "the run failed (exit $rc): $(grep -o 'bundle [^ ]* [^ ]* failed:SDK worker disconnected' "$out/killed.log" | head -n 1)"
	left=$(find "$out/killed/beam" -type f 2>/dev/null | wc -l)
	[ "$left" = 0 ] || { find "$out/killed/beam" -type f >&2; fail "the failed run left $left files in its output"; }
	echo "nothing committed: $out/killed/beam holds no file"
	# (3) Worker pool 1 back, the rerun: exactly the files of the first run.
	worker 1
	run "$out/killed" >"$out/rerun.log" 2>&1 || { cat "$out/rerun.log" >&2; fail "the rerun failed"; }
	grep -E '^identical:' "$out/rerun.log"
	(cd "$out/first/beam" && sha256sum part_*) >"$out/first.sum"
	(cd "$out/killed/beam" && sha256sum part_*) >"$out/rerun.sum"
	diff "$out/first.sum" "$out/rerun.sum" >&2 || fail "the rerun wrote other files than the first run"
	for d in first killed; do grep '"path"' "$out/$d/beam/_SUCCESS" | sort >"$out/$d.listed"; done
	diff "$out/first.listed" "$out/killed.listed" >&2 || fail "the manifests list other files"
	[ "$(sort -u "$out/killed.listed" | wc -l)" = "$(wc -l <"$out/killed.listed")" ] || fail "a file is listed twice in the manifest"
	[ "$(wc -l <"$out/killed.listed")" = "$(wc -l <"$out/rerun.sum")" ] || fail "the output holds files the manifest does not list"
	echo "rerun: the same $(wc -l <"$out/rerun.sum") files, byte for byte, each listed once"
	rm -rf "$out"
	;;
stop)
	for f in "$DIR"/worker*.pid "$DIR/prism.pid"; do
		stop_pid "$f"
	done
	;;
*)
	echo "usage: $0 start | worker N | check | stop" >&2
	exit 2
	;;
esac
