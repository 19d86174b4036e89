package s3

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestBucketURL(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	tests := []struct {
		in, want, err string
	}{
		{in: "s3://anonymous@b?endpoint=http://h:1", want: "anonymous=true&endpoint=http%3A%2F%2Fh%3A1&region=us-east-1&response_checksum_validation=when_required"},
		{in: "s3://b?endpoint=http://h:1&region=eu-west-1", want: "endpoint=http%3A%2F%2Fh%3A1&region=eu-west-1&response_checksum_validation=when_required"},
		{in: "s3://b?endpoint=http://h:1&response_checksum_validation=when_supported&region=x", want: "endpoint=http%3A%2F%2Fh%3A1&region=x&response_checksum_validation=when_supported"},
		{in: "s3://b?profile=p", want: "profile=p"},
		{in: "s3://alice@b", err: `only the user "anonymous"`},
		{in: "s3://anonymous:pw@b", err: `only the user "anonymous"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bucketURL(context.Background(), u)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "pw") {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || got.RawQuery != tt.want || got.User != nil {
				t.Fatalf("got %v, %v; want query %s", got, err, tt.want)
			}
		})
	}
}

func TestBucketRegion(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || r.Header.Get("Authorization") != "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/ray-example-data" {
			w.Header().Set("X-Amz-Bucket-Region", "us-west-2")
		}
		w.WriteHeader(http.StatusForbidden) // S3 names the region even when it refuses
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	old := regionEndpoint
	regionEndpoint = srv.URL
	t.Cleanup(func() { regionEndpoint = old })
	tests := []struct{ url, region string }{
		{"s3://anonymous@ray-example-data/iris.csv", "us-west-2"},
		{"s3://unknown-bucket", "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, _ := url.Parse(tt.url)
			got, err := bucketURL(context.Background(), u)
			if err != nil || got.Query().Get("region") != tt.region {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct{ query, want string }{
		{"use_path_style=maybe", "use_path_style"},
		{"disable_https=2x", "disable_https"},
		{"accelerate=no-way", "accelerate"},
		{"ssetype=rot13", "ssetype"},
		{"retry_attempts=0", "retry_attempts"},
		{"retry_max_backoff=soon", "retry_max_backoff"},
		{"no_such_option=1", "no_such_option"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			u, _ := url.Parse("s3://b?region=us-east-1&endpoint=http://127.0.0.1:1&" + tt.query)
			_, err := (&opener{}).OpenBucketURL(context.Background(), u)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "s3://b") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
