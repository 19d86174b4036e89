package storage

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"gocloud.dev/gcerrors"
)

// Retry bounds how failed requests are retried: throttling (HTTP 429 and 503 SlowDown), server
// errors (5xx) and transient network errors (reset or dropped connections, a body cut short).
// Permanent errors (not found, permission denied, bad request) are never retried. Sleeps between
// tries grow exponentially from Base up to Max with full jitter, so many readers hitting one
// throttled server spread out. The zero value uses the defaults below.
type Retry struct {
	// Attempts is the number of tries including the first; 0 means 4 and 1 disables retries.
	Attempts int
	// Base is the longest sleep before the first retry; 0 means 50ms.
	Base time.Duration
	// Max caps any one sleep; 0 means 2s.
	Max time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 4
	}
	if r.Base <= 0 {
		r.Base = 50 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 2 * time.Second
	}
	return r
}

// Do calls fn until it succeeds, returns an error that is not Retryable, ctx ends, or the
// attempts are used up. It returns fn's last error, or ctx's error when ctx has ended before
// the first call.
func (r Retry) Do(ctx context.Context, fn func() error) error {
	r = r.withDefaults()
	if err := ctx.Err(); err != nil {
		return err
	}
	for try := 1; ; try++ {
		err := fn()
		if err == nil || try >= r.Attempts || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		if serr := r.sleep(ctx, try); serr != nil {
			return err
		}
	}
}

// Backoff returns the sleep before retry number try (1 for the first retry): a uniformly random
// duration up to min(Base * 2^(try-1), Max), "full jitter". Drivers use it so the retries
// inside an SDK follow the same policy.
func (r Retry) Backoff(try int) time.Duration {
	r = r.withDefaults()
	d := r.Base << min(max(try-1, 0), 30)
	if d > r.Max || d <= 0 {
		d = r.Max
	}
	return rand.N(d) + 1
}

// sleep waits before retry number try (1 for the first retry).
func (r Retry) sleep(ctx context.Context, try int) error {
	t := time.NewTimer(r.Backoff(try))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Retryable reports whether err is worth trying again: throttling, a server error or a
// transient network failure. Context cancellation and permanent errors (404, 403, 400, ...)
// are not.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound, gcerrors.PermissionDenied, gcerrors.InvalidArgument,
		gcerrors.FailedPrecondition, gcerrors.AlreadyExists, gcerrors.Unimplemented, gcerrors.Canceled:
		return false
	case gcerrors.ResourceExhausted, gcerrors.Internal:
		return true
	}
	// The HTTP status of any SDK's response error (smithy-go, googleapi and azcore all expose
	// one of these) decides next; it is found by interface so this package links no SDK.
	var sc interface{ HTTPStatusCode() int }
	if errors.As(err, &sc) {
		return retryableStatus(sc.HTTPStatusCode())
	}
	var st interface{ StatusCode() int }
	if errors.As(err, &st) {
		return retryableStatus(st.StatusCode())
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE)
}

func retryableStatus(code int) bool {
	return code == 429 || code >= 500
}
