package storage

import (
	"strings"
	"testing"
)

func TestIsURLAndLocalPath(t *testing.T) {
	tests := []struct {
		in     string
		url    bool
		local  bool
		osPath string
		err    string
	}{
		{in: "data/x.csv", local: true, osPath: "data/x.csv"},
		{in: "/abs/x.csv", local: true, osPath: "/abs/x.csv"},
		{in: `C:\x\y.csv`, local: true, osPath: `C:\x\y.csv`},
		{in: "c://x", local: true, osPath: "c://x"}, // one letter: a drive, not a scheme
		{in: "weird:name", local: true, osPath: "weird:name"},
		{in: "file:///abs/x.csv", url: true, local: true, osPath: "/abs/x.csv"},
		{in: "file://localhost/abs/a%20b.csv", url: true, local: true, osPath: "/abs/a b.csv"},
		{in: "FILE:///abs", url: true, local: true, osPath: "/abs"},
		{in: "file://server/share/x", url: true, local: true, err: "names host"},
		{in: "file://", url: true, local: true, err: "no path"},
		{in: "s3://bucket/x", url: true},
		{in: "mem://b", url: true},
		{in: "s3+x.y-z://b", url: true},
		{in: "1s://b", local: true, osPath: "1s://b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IsURL(tt.in); got != tt.url {
				t.Errorf("IsURL = %v", got)
			}
			p, ok, err := LocalPath(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in) {
					t.Fatalf("err = %v, want %q naming the path", err, tt.err)
				}
				return
			}
			if err != nil || ok != tt.local || p != tt.osPath {
				t.Fatalf("LocalPath = %q, %v, %v", p, ok, err)
			}
		})
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in                             string
		bucket, user, host, key, query string
		err                            string
	}{
		{in: "s3://b", bucket: "s3://b", host: "b"},
		{in: "s3://b/", bucket: "s3://b", host: "b"},
		{in: "S3://b/a/b.csv", bucket: "s3://b", host: "b", key: "a/b.csv"},
		{in: "s3://anonymous@ray-example-data/iris.csv", bucket: "s3://anonymous@ray-example-data",
			user: "anonymous", host: "ray-example-data", key: "iris.csv"},
		{in: "s3://b/dir/?endpoint=http://127.0.0.1:9000&use_path_style=true", bucket: "s3://b", host: "b",
			key: "dir/", query: "endpoint=http://127.0.0.1:9000&use_path_style=true"},
		{in: "mem://b/odd #%key.txt", bucket: "mem://b", host: "b", key: "odd #%key.txt"},
		{in: "s3://", err: "no bucket"},
		{in: "s3:///key", err: "no bucket"},
		{in: "s3://b/x?a=%zz", err: "bad options"},
		{in: "s3://alice:secret@b/x", err: "password"},
		{in: "plain/path", err: "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, err := parseLocation(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want %q (and no secret)", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.bucket != tt.bucket || l.user != tt.user || l.host != tt.host || l.key != tt.key || l.query != tt.query {
				t.Fatalf("got %+v", l)
			}
			if tt.key != "" && l.String() != tt.bucket+"/"+tt.key {
				t.Fatalf("String = %q", l.String())
			}
		})
	}
}
