#!/bin/sh
# build.sh fetches real photos and builds sluice's image benchmark corpora under bench/data/
# (git-ignored): bench/data/images/imagenet (1000 JPEGs about 500x375, q90) and
# bench/data/images/large (40 JPEGs about 4000x3000, q90). The photos are the JPEG wallpapers of
# Debian's plasma-workspace-wallpapers package (94 MB; GPL-2+ per debian/copyright, LGPLv3 per
# each wallpaper's metadata.json). The build is pure Go (bench/corpus) and deterministic: it
# prints a SHA-256 per corpus that is the same on every machine for the same -seed.
#
#   sh bench/corpus/build.sh                 # from the repository root
#   IMAGENET=200 LARGE=10 sh bench/corpus/build.sh
#
# Then: go test ./bench -run '^$' -bench 'ReadImages224' -benchtime 1x
set -eu
cd "$(dirname "$0")/../.."
data=bench/data
wall=$data/wallpapers
mkdir -p "$wall"
if ! ls "$wall"/plasma-workspace-wallpapers_*.deb >/dev/null 2>&1; then
	if ! (cd "$wall" && apt-get download plasma-workspace-wallpapers); then
		echo "build.sh: apt-get download failed; running apt-get update first" >&2
		SUDO=""
		if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
		$SUDO apt-get update
		(cd "$wall" && apt-get download plasma-workspace-wallpapers)
	fi
fi
if [ ! -d "$wall/x/usr/share/wallpapers" ]; then
	mkdir -p "$wall/x"
	dpkg-deb -x "$wall"/plasma-workspace-wallpapers_*.deb "$wall/x"
fi
go run ./bench/corpus -src "$wall/x/usr/share/wallpapers" -out "$data/images" \
	-imagenet "${IMAGENET:-1000}" -large "${LARGE:-40}" -seed "${SEED:-1}"
