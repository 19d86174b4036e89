#!/bin/sh
# Installs libjpeg-turbo's development files (Debian libjpeg62-turbo-dev), needed to build
# sluice with `-tags libjpeg` (the cgo JPEG decoder in data/transform/vision). Safe to run
# again: it does nothing when the header is already installed.
set -eu

if [ -f /usr/include/jpeglib.h ] && dpkg -s libjpeg62-turbo-dev >/dev/null 2>&1; then
	echo "libjpeg62-turbo-dev is already installed"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y libjpeg62-turbo-dev
