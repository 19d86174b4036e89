#!/bin/sh
# Installs the ONNX Runtime shared library (libonnxruntime.so.1, linux x64) into
# third_party/onnxruntime/, needed to build and run sluice with `-tags onnx`
# (package data/onnx and examples/imageclassify).
#
# The library is taken from the npm package onnxruntime-node, fetched with `npm pack` and
# unpacked by tar: no npm install scripts run. Safe to run again: it does nothing when the
# library is already there. Prints the library's path on success; point
# SLUICE_ONNXRUNTIME_LIB at it to use a copy kept elsewhere.
set -eu

VERSION="${ONNXRUNTIME_NODE_VERSION:-1.30.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/third_party/onnxruntime"
LIB="$DEST/libonnxruntime.so.1"

if [ -f "$LIB" ]; then
	echo "$LIB"
	exit 0
fi

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) ;;
*)
	echo "install-onnxruntime.sh: only linux x64 is supported, not $(uname -s)/$(uname -m)" >&2
	exit 1
	;;
esac

command -v npm >/dev/null 2>&1 || {
	echo "install-onnxruntime.sh: npm is needed (it only downloads the package)" >&2
	exit 1
}

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "onnxruntime-node@$VERSION" >/dev/null
TARBALL="$(ls onnxruntime-node-*.tgz)"
tar -xzf "$TARBALL" --wildcards 'package/bin/napi-v6/linux/x64/libonnxruntime.so.1*'

mkdir -p "$DEST"
for f in package/bin/napi-v6/linux/x64/libonnxruntime.so.1*; do
	cp -P "$f" "$DEST/"
done
# The package ships libonnxruntime.so.1 and a versioned name; make sure the short name exists.
if [ ! -e "$LIB" ]; then
	ln -s "$(basename "$(ls "$DEST"/libonnxruntime.so.1.* | head -n 1)")" "$LIB"
fi
echo "$LIB"
