#!/usr/bin/env bash
# Regenerates data/internal/tfexample/example.pb.go (the tf.train.Example bindings) with the
# standard protobuf toolchain: protoc (Debian's protobuf-compiler, or pip's grpcio-tools) and
# protoc-gen-go at the version of google.golang.org/protobuf in go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v protoc >/dev/null; then
  apt-get install -y -qq protobuf-compiler >/dev/null
fi
version=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${version}"
PROTOC_GEN_GO="$bin/protoc-gen-go" go generate ./data/internal/tfexample
