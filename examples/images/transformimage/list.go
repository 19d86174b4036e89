package transformimage

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ListImages returns the .jpg, .jpeg and .png files directly in dir, sorted, each repeated
// copies times (the seed runs its transform over about 100 photos). Errors start with
// "sluice: <example>: -dir <dir>: ".
func ListImages(example, dir string, copies int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sluice: %s: -dir %s: %w", example, dir, err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(e.Name())), ".")
		if e.Type().IsRegular() && slices.Contains([]string{"jpg", "jpeg", "png"}, ext) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("sluice: %s: -dir %s: no .jpg, .jpeg or .png files", example, dir)
	}
	var paths []string
	for range copies {
		paths = append(paths, files...)
	}
	return paths, nil
}
