#!/bin/sh
# Starts a throwaway PostgreSQL server on 127.0.0.1 for sluice's SQL tests and benchmarks:
# initdb into a fresh directory, pg_ctl start on a free port, trust authentication for the
# user "postgres", and the database "sluice". Stops it and removes the directory again.
#
#   eval "$(scripts/postgres.sh start)"   # prints export lines (SLUICE_POSTGRES_DSN, SLUICE_POSTGRES_DIR)
#   go test ./data -run Postgres
#   scripts/postgres.sh stop              # stops the server in $SLUICE_POSTGRES_DIR and removes it
#
# The binaries are PostgreSQL's (initdb, pg_ctl, postgres); they are taken from PATH or from
# Debian's /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root: under root the
# server runs as the user "postgres" (which Debian's package creates). Exits 1 with one line
# on stderr when the binaries are absent.
set -eu

find_bin() {
	if command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
		return
	fi
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return
		fi
	done
	return 1
}

# as_owner runs a command as the server's owner: the caller, or "postgres" under root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return
	# Without Python: try ports from 25432 until one is not listening.
	p=25432
	while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

case "${1:-start}" in
start)
	INITDB=$(find_bin initdb) || { echo "postgres.sh: initdb not found (install Debian's postgresql package)" >&2; exit 1; }
	PGCTL=$(find_bin pg_ctl) || { echo "postgres.sh: pg_ctl not found (install Debian's postgresql package)" >&2; exit 1; }
	PSQL=$(find_bin psql) || PSQL=""
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-postgres.XXXXXX")
	chmod 755 "$DIR"
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || { echo "postgres.sh: running as root and there is no user postgres to run the server as" >&2; rm -rf "$DIR"; exit 1; }
		chown postgres "$DIR"
	fi
	PORT=$(free_port)
	as_owner "$INITDB" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
		as_owner "$INITDB" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 ||
		{ echo "postgres.sh: initdb failed:" >&2; cat "$DIR/initdb.log" >&2; rm -rf "$DIR"; exit 1; }
	# Throwaway server: no fsync (tests and benchmarks measure sluice, not the disk), sockets in
	# the directory, TCP on loopback only.
	as_owner "$PGCTL" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
		start >/dev/null ||
		{ echo "postgres.sh: pg_ctl start failed:" >&2; cat "$DIR/server.log" >&2; rm -rf "$DIR"; exit 1; }
	if [ -n "$PSQL" ]; then
		"$PSQL" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE sluice" >/dev/null
	fi
	echo "export SLUICE_POSTGRES_DSN='postgres://postgres@127.0.0.1:$PORT/sluice?sslmode=disable'"
	echo "export SLUICE_POSTGRES_DIR='$DIR'"
	;;
stop)
	DIR=${2:-${SLUICE_POSTGRES_DIR:-}}
	[ -n "$DIR" ] || { echo "usage: $0 stop [dir] (or set SLUICE_POSTGRES_DIR)" >&2; exit 2; }
	case "$DIR" in
	*/sluice-postgres.*) ;;
	*) echo "postgres.sh: $DIR is not a directory this script made" >&2; exit 2 ;;
	esac
	if [ -d "$DIR/data" ]; then
		PGCTL=$(find_bin pg_ctl) && as_owner "$PGCTL" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$DIR"
	;;
*)
	echo "usage: $0 start | stop [dir]" >&2
	exit 2
	;;
esac
