#!/usr/bin/env bash
# Regenerates data/internal/tfexample/example.pb.go (the tf.train.Example bindings) with the
# standard protobuf toolchain: protoc (Debian's protobuf-compiler, or pip's grpcio-tools),
# protoc-gen-go at the version of google.golang.org/protobuf in go.mod, and
# protoc-gen-go-vtproto at the version of github.com/planetscale/vtprotobuf in go.mod (its
# generated UnmarshalVT is what the reader calls).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v protoc >/dev/null; then
  apt-get install -y -qq protobuf-compiler >/dev/null
fi
version=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${version}"
vtversion=$(go list -m -f '{{.Version}}' github.com/planetscale/vtprotobuf)
GOBIN="$bin" go install "github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto@${vtversion}"
PROTOC_GEN_GO="$bin/protoc-gen-go" PROTOC_GEN_GO_VTPROTO="$bin/protoc-gen-go-vtproto" go generate ./data/internal/tfexample
