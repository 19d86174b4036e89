package exec

import (
	"errors"
	"strings"
	"testing"
)

func TestCallSafely(t *testing.T) {
	tests := []struct {
		name      string
		fn        func() error
		wantPanic bool
		wantIs    error
	}{
		{"no panic", func() error { return nil }, false, nil},
		{"plain error", func() error { return errBoom }, false, errBoom},
		{"panic with a string", func() error { panic("x") }, true, nil},
		{"panic with an error", func() error { panic(errBoom) }, true, errBoom},
		{"panic with nil", func() error { panic(nil) }, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := callSafely(tt.fn)
			var pe *PanicError
			if got := errors.As(err, &pe); got != tt.wantPanic {
				t.Fatalf("err = %v: PanicError %v, want %v", err, got, tt.wantPanic)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.wantIs)
			}
			if tt.wantPanic && (!strings.HasPrefix(err.Error(), "panic: ") || !strings.Contains(err.Error(), "TestCallSafely")) {
				t.Fatalf("PanicError text = %q, want the value and the stack", err)
			}
		})
	}
}
