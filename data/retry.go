package data

import (
	"fmt"

	"github.com/sluicedata/sluice/storage"
	"github.com/sluicedata/sluice/streaming"
)

// MaxRetries lets a failed task of this operator run again up to n times (Ray's max_retries),
// with jittered exponential backoff. Only errors RetryIf accepts are retried; without RetryIf,
// transient storage errors (throttling, 5xx, dropped connections: storage.Retryable). A retried
// task starts over from its input and its earlier attempt's output is dropped, never passed on
// twice; Stats counts the retries. Reads from object storage retry transient errors twice by
// default. Every call that runs tasks takes it: Read*, MapBatches, Map, FlatMap, Filter,
// AddColumn, MapTyped, FilterTyped, Where, WithColumn.
func MaxRetries(n int) Option {
	return opt("MaxRetries", func(c *config) error {
		if n < 0 {
			return fmt.Errorf("MaxRetries(%d): must not be negative", n)
		}
		c.maxRetries = n
		return nil
	})
}

// RetryIf says which errors MaxRetries retries (Ray's retry_exceptions): fn sees the error as
// the operator returned it (errors.Is and errors.As work). Context cancellation is never
// retried.
func RetryIf(fn func(err error) bool) Option {
	return opt("RetryIf", func(c *config) error {
		if fn == nil {
			return fmt.Errorf("RetryIf: nil function")
		}
		c.retryIf = fn
		return nil
	})
}

// retryOptions are the option names of the calls that take MaxRetries and RetryIf.
var retryOptions = []string{"MaxRetries", "RetryIf"}

// retryPolicy is the policy the options set (none without MaxRetries).
func (c *config) retryPolicy() streaming.RetryPolicy {
	if c == nil || c.maxRetries == 0 {
		return streaming.RetryPolicy{}
	}
	p := streaming.RetryPolicy{Max: c.maxRetries, If: c.retryIf}
	if p.If == nil {
		p.If = storage.Retryable
	}
	return p
}

// readRetryPolicy is a read's policy: the options', or for paths on object storage two retries
// of transient storage errors.
func (c *config) readRetryPolicy(paths []string) streaming.RetryPolicy {
	if c != nil && c.set["MaxRetries"] {
		return c.retryPolicy()
	}
	for _, p := range paths {
		if _, local, _ := storage.LocalPath(p); !local {
			return streaming.RetryPolicy{Max: 2, If: storage.Retryable}
		}
	}
	return streaming.RetryPolicy{}
}
