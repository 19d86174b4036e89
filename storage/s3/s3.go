// Package s3 registers the Amazon S3 driver (gocloud.dev/blob/s3blob) with sluice's storage
// layer. A program enables s3:// paths by importing it for its side effect:
//
//	import _ "github.com/sluicedata/sluice/storage/s3"
//
// URLs have the form s3://[anonymous@]bucket/key[?options]. Credentials come from the usual
// AWS sources (environment, shared config, instance role). The options are gocloud's (see
// gocloud.dev/aws V2ConfigFromURLParams: endpoint, region, profile, anonymous, ...) and
// s3blob's (use_path_style, disable_https, accelerate, ssetype, kmskeyid), plus two that bound
// the SDK's own per-request retries:
//   - retry_attempts: tries per request including the first (default 3);
//   - retry_max_backoff: the longest sleep between tries, a Go duration (default 1s); sleeps
//     use full jitter from 50ms, like storage.Retry.
//
// On top of gocloud's behaviour this driver
//   - maps Ray's "s3://anonymous@bucket/prefix" form to unsigned (anonymous) requests, for
//     public buckets such as ray-example-data;
//   - when an endpoint is given: uses region us-east-1 unless one is named (S3-compatible
//     servers such as versitygw ignore it, but the SDK insists on one), and validates response
//     checksums only when required (such servers often send none);
//   - finds a bucket's region on AWS itself, when neither the URL nor the environment
//     (AWS_REGION, AWS_DEFAULT_REGION) names one, from the x-amz-bucket-region header of an
//     anonymous HEAD request, as the AWS CLI does.
package s3

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/sluicedata/sluice/storage"
)

func init() {
	storage.Register(Scheme, &opener{})
}

// Scheme is the URL scheme this package registers.
const Scheme = s3blob.Scheme

// opener opens sluice's S3 URLs. Each bucket gets its own HTTP transport, so that closing the
// bucket (storage.FS.Close) can close its idle connections.
type opener struct {
	mu         sync.Mutex
	transports map[*blob.Bucket]*http.Transport
	names      map[*blob.Bucket]string // the bucket's name, for the SDK calls of commit.go
}

var _ storage.BucketCloser = (*opener)(nil)

// CloseBucket implements storage.BucketCloser: it closes the idle connections of b's transport.
func (o *opener) CloseBucket(b *blob.Bucket) error {
	o.mu.Lock()
	tr := o.transports[b]
	delete(o.transports, b)
	delete(o.names, b)
	o.mu.Unlock()
	if tr != nil {
		tr.CloseIdleConnections()
	}
	return nil
}

// maxIdleConnsPerHost keeps enough connections for parallel range reads and part uploads of
// several tasks at once; net/http's default of 2 would reconnect for most requests.
const maxIdleConnsPerHost = 64

// OpenBucketURL implements blob.BucketURLOpener.
func (o *opener) OpenBucketURL(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
	v, err := bucketURL(ctx, u)
	if err != nil {
		return nil, err
	}
	q := v.Query()
	var (
		s3opts  []func(*s3sdk.Options)
		bopts   s3blob.Options
		retries = storage.Retry{Attempts: 3, Max: time.Second}
	)
	// take removes a key from q and returns its value ("" when absent).
	take := func(key string) string {
		val := q.Get(key)
		q.Del(key)
		return val
	}
	flag := func(key string) (bool, error) {
		val := take(key)
		if val == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(val)
		if err != nil {
			return false, fmt.Errorf("sluice: s3: %s: option %s=%q: %w", redacted(u), key, val, err)
		}
		return b, nil
	}
	for _, key := range []string{"use_path_style", "s3ForcePathStyle"} {
		if q.Has(key) {
			on, err := flag(key)
			if err != nil {
				return nil, err
			}
			s3opts = append(s3opts, func(o *s3sdk.Options) { o.UsePathStyle = on })
		}
	}
	if q.Has("disable_https") {
		on, err := flag("disable_https")
		if err != nil {
			return nil, err
		}
		s3opts = append(s3opts, func(o *s3sdk.Options) { o.EndpointOptions.DisableHTTPS = on })
	}
	if q.Has("accelerate") {
		on, err := flag("accelerate")
		if err != nil {
			return nil, err
		}
		s3opts = append(s3opts, func(o *s3sdk.Options) { o.UseAccelerate = on })
	}
	if sse := take("ssetype"); sse != "" {
		for _, t := range types.ServerSideEncryptionAes256.Values() {
			if strings.EqualFold(string(t), sse) {
				bopts.EncryptionType = t
			}
		}
		if bopts.EncryptionType == "" {
			return nil, fmt.Errorf("sluice: s3: %s: option ssetype=%q is not one of %q", redacted(u), sse, types.ServerSideEncryptionAes256.Values())
		}
	}
	bopts.KMSEncryptionID = take("kmskeyid")
	if s := take("retry_attempts"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("sluice: s3: %s: option retry_attempts=%q must be a positive integer", redacted(u), s)
		}
		retries.Attempts = n
	}
	if s := take("retry_max_backoff"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("sluice: s3: %s: option retry_max_backoff=%q must be a positive duration such as 500ms", redacted(u), s)
		}
		retries.Max = d
	}
	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sluice: s3: %s: %w", redacted(u), err)
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = retries.Attempts
			o.MaxBackoff = retries.Max
			o.Backoff = backoff(retries)
			o.RateLimiter = ratelimit.None // bounded by attempts, not by a shared token bucket
		})
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
	cfg.HTTPClient = &http.Client{Transport: tr}
	// The upload manager does not take the checksum mode from the client (aws-sdk-go-v2#3151).
	bopts.RequestChecksumCalculation = cfg.RequestChecksumCalculation
	b, err := s3blob.OpenBucket(ctx, s3sdk.NewFromConfig(cfg, s3opts...), v.Host, &bopts)
	if err != nil {
		return nil, fmt.Errorf("sluice: s3: %s: %w", redacted(u), err)
	}
	o.mu.Lock()
	if o.transports == nil {
		o.transports = map[*blob.Bucket]*http.Transport{}
		o.names = map[*blob.Bucket]string{}
	}
	o.transports[b] = tr
	o.names[b] = v.Host
	o.mu.Unlock()
	return b, nil
}

// backoff makes the SDK sleep as storage.Retry does.
type backoff storage.Retry

func (b backoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	return storage.Retry(b).Backoff(attempt), nil
}

// bucketURL rewrites u: the "anonymous" user becomes anonymous=true, and region and checksum
// defaults are filled in.
func bucketURL(ctx context.Context, u *url.URL) (*url.URL, error) {
	v := *u
	q := v.Query()
	if v.User != nil {
		if _, hasPassword := v.User.Password(); v.User.Username() != "anonymous" || hasPassword {
			return nil, fmt.Errorf("sluice: s3: %s: only the user %q is understood in an S3 URL; give credentials through the AWS environment or a profile",
				redacted(u), "anonymous")
		}
		v.User = nil
		q.Set("anonymous", "true")
	}
	if q.Get("endpoint") != "" && q.Get("response_checksum_validation") == "" {
		q.Set("response_checksum_validation", "when_required")
	}
	if q.Get("region") == "" && q.Get("profile") == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		region := "us-east-1"
		if q.Get("endpoint") == "" {
			region = bucketRegion(ctx, v.Host)
		}
		q.Set("region", region)
	}
	v.RawQuery = q.Encode()
	return &v, nil
}

// regionEndpoint is where bucketRegion asks; tests point it at a local server.
var regionEndpoint = "https://s3.amazonaws.com"

// bucketRegion asks S3 for a bucket's region with an unsigned HEAD request. S3 names the region
// in the x-amz-bucket-region header even when it refuses the request (301, 403). On any failure
// it returns us-east-1, and the real request then reports the problem.
func bucketRegion(ctx context.Context, bucket string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, regionEndpoint+"/"+url.PathEscape(bucket), nil)
	if err != nil {
		return "us-east-1"
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "us-east-1"
	}
	resp.Body.Close()
	if r := resp.Header.Get("X-Amz-Bucket-Region"); r != "" {
		return r
	}
	return "us-east-1"
}

// redacted is u without its user information and options, for error messages.
func redacted(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery = ""
	return v.String()
}
