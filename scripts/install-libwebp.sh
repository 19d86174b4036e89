#!/bin/sh
# Installs libwebp's development files (Debian libwebp-dev), needed to build sluice with
# `-tags libwebp` (the cgo WebP decoder in data/transform/vision). Safe to run again: it
# does nothing when the header is already installed.
set -eu

if [ -f /usr/include/webp/decode.h ] && dpkg -s libwebp-dev >/dev/null 2>&1; then
	echo "libwebp-dev is already installed"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y libwebp-dev
