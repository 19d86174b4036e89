package progress

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// forced renders into buf as a terminal would, refreshing often so tests
// stay short.
func forced(buf *bytes.Buffer) []Option {
	return []Option{WithOutput(buf), WithForceTerminal(), WithWidth(100), WithRefreshRate(2 * time.Millisecond)}
}

// lastFrame returns what a terminal shows after out has been written to it:
// mpb moves the cursor up and erases ("\x1b[<n>A\x1b[J") before each frame
// but the first, so the text after the last erase is the final frame.
func lastFrame(t *testing.T, out string) string {
	t.Helper()
	if out == "" {
		t.Fatal("nothing was drawn")
	}
	frames := strings.Split(out, "\x1b[J")
	return frames[len(frames)-1]
}

// quietCases are outputs that are not terminals: nothing may be drawn on
// them and no goroutine started.
func quietCases(t *testing.T) map[string]func() (io.Writer, func() string) {
	return map[string]func() (io.Writer, func() string){
		"buffer": func() (io.Writer, func() string) {
			var buf bytes.Buffer
			return &buf, buf.String
		},
		"regular file": func() (io.Writer, func() string) {
			f, err := os.Create(filepath.Join(t.TempDir(), "log"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f, func() string {
				b, err := os.ReadFile(f.Name())
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
		},
	}
}
