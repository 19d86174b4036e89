package storage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestMissingDriverNamesTheImport(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"s3://bucket/data/x.parquet", `import _ "github.com/sluicedata/sluice/storage/s3"`},
		{"gs://bucket/x", `import _ "gocloud.dev/blob/gcsblob"`},
		{"azblob://container/x", `import _ "gocloud.dev/blob/azureblob"`},
		{"hdfs://cluster/x", `known: ["mem"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var f FS
			defer f.Close()
			_, err := f.Open(context.Background(), tt.path)
			if !errors.Is(err, ErrNoDriver) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("err = %v; want ErrNoDriver naming %s and %s", err, tt.path, tt.want)
			}
			if _, err := f.Resolve(context.Background(), tt.path); !errors.Is(err, ErrNoDriver) {
				t.Fatalf("Resolve: err = %v", err)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	if !slices.Contains(Schemes(), "mem") {
		t.Fatalf("Schemes() = %q lacks mem", Schemes())
	}
	for _, tt := range []struct {
		name string
		call func()
	}{
		{"twice", func() { Register("mem", drivers.m["mem"]) }},
		{"nil", func() { Register("nil-scheme", nil) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tt.call()
		})
	}
}
