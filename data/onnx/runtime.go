//go:build onnx

package onnx

import (
	"fmt"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Available reports whether the package was built with the onnx tag (here: true). The
// library itself may still be missing; Init tells.
func Available() bool { return true }

// env is the process-wide ONNX Runtime environment: onnxruntime_go allows one, and loading
// the library again is not possible, so it lives until the process exits.
var env struct {
	mu      sync.Mutex
	library string
}

// Init loads the ONNX Runtime shared library (library, or LibraryPath() when empty) and
// creates the process's runtime environment. Open calls it; calling it again is cheap and
// returns nil when the same library (or "") is asked for, an error naming both files when a
// different one is. It is safe for concurrent use.
func Init(library string) error {
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.library != "" {
		if library != "" && library != env.library {
			return fmt.Errorf("sluice: onnx: runtime library %s: %s is already loaded (one per process)", library, env.library)
		}
		return nil
	}
	if library == "" {
		p, err := LibraryPath()
		if err != nil {
			return err
		}
		library = p
	}
	if ort.IsInitialized() {
		// Someone else set the environment up; use theirs.
		env.library = library
		return nil
	}
	ort.SetSharedLibraryPath(library)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("sluice: onnx: load runtime library %s: %w", library, err)
	}
	env.library = library
	return nil
}
