#!/bin/sh
# Starts Apache Iceberg's REST catalog server (RESTCatalogServer from iceberg-open-api 1.10.0,
# the Java server behind the project's own REST fixture image, backed by an in-memory JDBC
# catalog on SQLite) on 127.0.0.1 for data/iceberg's REST tests, fetching the jar with Maven
# first if needed (212 MB, kept in the local Maven repository).
#
#   eval "$(scripts/iceberg-rest.sh start [port])"   # default port 8181; prints export lines
#   (cd data/iceberg && go test -run REST ./...)
#   scripts/iceberg-rest.sh stop
#
# Tables go under ${SLUICE_ICEBERG_REST_DIR:-/tmp/sluice-iceberg-rest}/warehouse, which the
# server and the Go client both reach as a local path. The catalog itself lives in the
# server's memory: stop and start again for an empty one.
set -eu

VERSION=1.10.0
ARTIFACT=org.apache.iceberg:iceberg-open-api:$VERSION
DIR=${SLUICE_ICEBERG_REST_DIR:-/tmp/sluice-iceberg-rest}


case "${1:-start}" in
start)
	PORT=${2:-8181}
	command -v java >/dev/null 2>&1 || { echo "java not found" >&2; exit 1; }
	JAR="$HOME/.m2/repository/org/apache/iceberg/iceberg-open-api/$VERSION/iceberg-open-api-$VERSION.jar"
	if [ ! -f "$JAR" ]; then
		command -v mvn >/dev/null 2>&1 || { echo "mvn not found: cannot fetch $ARTIFACT" >&2; exit 1; }
		echo "fetching $ARTIFACT" >&2
		mvn -q dependency:get -Dartifact="$ARTIFACT" -Dtransitive=false >&2
		[ -f "$JAR" ] || { echo "Maven did not put $ARTIFACT at $JAR" >&2; exit 1; }
	fi
	if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
		echo "the REST catalog is already running (pid $(cat "$DIR/pid")); run '$0 stop' first" >&2
		exit 1
	fi
	rm -rf "$DIR/warehouse"
	mkdir -p "$DIR/warehouse"
	# RESTCatalogServer takes its catalog properties from CATALOG_* variables (CATALOG_A_B is
	# a.b, a double underscore a dash).
	CATALOG_WAREHOUSE="file://$DIR/warehouse" CATALOG_REST_PORT="$PORT" \
		java -Xmx512m -jar "$JAR" >"$DIR/log" 2>&1 &
	echo $! >"$DIR/pid"
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/config"; do
		i=$((i + 1))
		if [ $i -ge 300 ] || ! kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
			echo "the REST catalog did not start; log:" >&2
			cat "$DIR/log" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "export SLUICE_ICEBERG_REST_URI=http://127.0.0.1:$PORT"
	echo "export SLUICE_ICEBERG_REST_WAREHOUSE=file://$DIR/warehouse"
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
