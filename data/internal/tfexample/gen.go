// Package tfexample holds the Go bindings of TensorFlow's tf.train.Example messages
// (Example, Features, Feature and the three value lists), generated from example.proto by
// protoc and protoc-gen-go; scripts/gen-proto.sh installs the pinned generator and reruns
// the line below.
package tfexample

//go:generate protoc --plugin=protoc-gen-go=${PROTOC_GEN_GO} --go_out=. --go_opt=paths=source_relative example.proto
