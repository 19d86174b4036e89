// Package onnx runs ONNX models with ONNX Runtime (github.com/yalue/onnxruntime_go over
// libonnxruntime.so.1) for batch inference on sluice's actor pools.
//
// The runtime is a C library loaded at run time, so the code that calls it is behind the build
// tag onnx:
//
//	scripts/install-onnxruntime.sh            # puts the library in third_party/onnxruntime/
//	go test -tags onnx ./data/onnx
//
// Built without the tag, the package has the same API and every call that needs the runtime
// returns ErrNotBuilt, so programs that only sometimes use it still build.
//
// A Session is one loaded model: Open it once per actor (in the actor's constructor, where
// Ray's predictors load their model), Run it on float32 tensors, Close it when the actor
// stops. NewPredictor wraps that as a data.BatchActor constructor for
// data.Dataset.MapBatchesActor. The shared library is found by LibraryPath and loaded once
// per process, on the first Open (or an explicit Init).
package onnx

import "errors"

// ErrNotBuilt is returned by every call that needs ONNX Runtime when the package was built
// without the onnx build tag.
var ErrNotBuilt = errors.New("sluice: onnx: built without -tags onnx (run scripts/install-onnxruntime.sh, then build with -tags onnx)")
