package mlp

import (
	"fmt"
	"os"
	"path/filepath"
)

// ModelPath returns the path of a file in the repository's testdata/models directory (for
// example "mlp100.json" or "tiny_cnn.onnx"), found from the environment variable
// SLUICE_MODELS_DIR when set, else by walking up from the working directory to the checkout
// that holds testdata/models, so examples work from any directory inside it. The error names
// the file and where it looked.
func ModelPath(name string) (string, error) {
	if dir := os.Getenv("SLUICE_MODELS_DIR"); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("sluice: model %s: %w (SLUICE_MODELS_DIR=%s)", name, err, dir)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("sluice: model %s: %w", name, err)
	}
	for dir := wd; ; {
		p := filepath.Join(dir, "testdata", "models", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("sluice: model %s: no testdata/models/%s in %s or above (run testdata/models/make_models.py, or set SLUICE_MODELS_DIR)", name, name, wd)
		}
		dir = parent
	}
}
