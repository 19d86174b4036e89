package progress

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestIsTerminal(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, tc := range []struct {
		name string
		w    io.Writer
	}{
		{"buffer", &bytes.Buffer{}},
		{"discard", io.Discard},
		{"nil file", (*os.File)(nil)},
		{"regular file", file},
		{"dev null", devNull}, // a character device, yet not a terminal
		{"pipe", w},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if IsTerminal(tc.w) {
				t.Errorf("IsTerminal(%s) = true, want false", tc.name)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []Option
		wantActive bool
	}{
		{"default is stderr", nil, IsTerminal(os.Stderr)},
		{"buffer", []Option{WithOutput(&bytes.Buffer{})}, false},
		{"nil output discards", []Option{WithOutput(nil)}, false},
		{"forced", []Option{WithOutput(&bytes.Buffer{}), WithForceTerminal()}, true},
		{"nil option ignored", []Option{nil, WithOutput(io.Discard)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newConfig(tc.opts).active(); got != tc.wantActive {
				t.Errorf("active = %v, want %v", got, tc.wantActive)
			}
		})
	}
}
