// Package tfexample holds the Go bindings of TensorFlow's tf.train.Example messages
// (Example, Features, Feature and the three value lists), generated from example.proto by
// protoc with protoc-gen-go (the messages) and protoc-gen-go-vtproto (UnmarshalVT, generated
// code in place of the reflective decoder: 2.6x the records per CPU second of proto.Unmarshal
// on BenchmarkReadTFRecords); scripts/gen-proto.sh installs the pinned generators and reruns
// the lines below.
package tfexample

//go:generate protoc --plugin=protoc-gen-go=${PROTOC_GEN_GO} --go_out=. --go_opt=paths=source_relative example.proto
//go:generate protoc --plugin=protoc-gen-go-vtproto=${PROTOC_GEN_GO_VTPROTO} --go-vtproto_out=. --go-vtproto_opt=paths=source_relative,features=unmarshal example.proto
