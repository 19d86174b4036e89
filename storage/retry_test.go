package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"testing"
	"time"

	"gocloud.dev/gcerrors"
)

// statusError mimics an SDK's HTTP response error.
type statusError int

func (e statusError) Error() string       { return fmt.Sprintf("http %d", int(e)) }
func (e statusError) HTTPStatusCode() int { return int(e) }

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"503 slow down", fmt.Errorf("op: %w", statusError(503)), true},
		{"500", statusError(500), true},
		{"429", statusError(429), true},
		{"404", statusError(404), false},
		{"403", statusError(403), false},
		{"400", statusError(400), false},
		{"cut body", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"plain error", errors.New("bad parquet"), false},
		{"fs not exist", fs.ErrNotExist, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Retryable(tt.err); got != tt.want {
				t.Fatalf("Retryable(%v) = %v", tt.err, got)
			}
		})
	}
	if gcerrors.Code(statusError(503)) != gcerrors.Unknown {
		t.Fatal("test premise: an SDK error has no gocloud code")
	}
}

func TestRetryDo(t *testing.T) {
	fast := Retry{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond}
	tests := []struct {
		name      string
		errs      []error // returned by successive calls; nil after the list ends
		wantCalls int
		wantErr   error
	}{
		{"success", nil, 1, nil},
		{"transient then success", []error{statusError(503), io.ErrUnexpectedEOF}, 3, nil},
		{"bound reached", []error{statusError(503), statusError(503), statusError(503), statusError(503)}, 3, statusError(503)},
		{"permanent at once", []error{statusError(404)}, 1, statusError(404)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := fast.Do(context.Background(), func() error {
				calls++
				if calls <= len(tt.errs) {
					return tt.errs[calls-1]
				}
				return nil
			})
			if calls != tt.wantCalls || !errors.Is(err, tt.wantErr) {
				t.Fatalf("calls %d, err %v", calls, err)
			}
		})
	}
	t.Run("cancel stops the sleep", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		slow := Retry{Attempts: 5, Base: time.Hour, Max: time.Hour}
		calls := 0
		start := time.Now()
		err := slow.Do(ctx, func() error {
			calls++
			cancel()
			return statusError(503)
		})
		if calls != 1 || !errors.Is(err, statusError(503)) || time.Since(start) > time.Second {
			t.Fatalf("calls %d, err %v after %v", calls, err, time.Since(start))
		}
	})
	t.Run("zero value defaults", func(t *testing.T) {
		r := Retry{}.withDefaults()
		if r.Attempts != 4 || r.Base != 50*time.Millisecond || r.Max != 2*time.Second {
			t.Fatalf("defaults %+v", r)
		}
	})
}
