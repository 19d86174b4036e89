package onnx

import (
	"fmt"
	"os"
	"path/filepath"
)

// LibraryEnv names the environment variable that points at libonnxruntime.so.1.
const LibraryEnv = "SLUICE_ONNXRUNTIME_LIB"

// defaultLibrary is where scripts/install-onnxruntime.sh puts the library, relative to the
// repository root.
var defaultLibrary = filepath.Join("third_party", "onnxruntime", "libonnxruntime.so.1")

// LibraryPath returns the ONNX Runtime shared library to load: $SLUICE_ONNXRUNTIME_LIB when
// set, else third_party/onnxruntime/libonnxruntime.so.1 in the working directory or the
// nearest directory above it that has one (so tests and examples find the library that
// scripts/install-onnxruntime.sh installed). The error says how to get the library.
func LibraryPath() (string, error) {
	if p := os.Getenv(LibraryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("sluice: onnx: runtime library %s (from $%s): %w", p, LibraryEnv, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("sluice: onnx: runtime library: %w", err)
	}
	for dir := wd; ; {
		p := filepath.Join(dir, defaultLibrary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("sluice: onnx: runtime library: no %s in %s or above and $%s is not set (run scripts/install-onnxruntime.sh)", defaultLibrary, wd, LibraryEnv)
		}
		dir = parent
	}
}
