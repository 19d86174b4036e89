package data

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	_ "github.com/sluicedata/sluice/storage/s3"
)

// TestS3ReadWrite reads a CSV and images from an in-process S3 server (gofakes3) and writes
// Parquet back, then reads it again: the whole Dataset path over the storage layer.
func TestS3ReadWrite(t *testing.T) {
	ctx := context.Background()
	t.Setenv("AWS_ACCESS_KEY_ID", "sluice")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sluice-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	backend := s3mem.New()
	// A fresh bucket name per run: the process-wide storage layer keeps a bucket's options.
	bucket := fmt.Sprintf("sluice-data-test-%d", time.Now().UnixNano())
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	opts := "?endpoint=" + url.QueryEscape(srv.URL) + "&use_path_style=true&region=us-east-1"
	csv, _ := os.ReadFile(iris)
	if _, err := backend.PutObject(bucket, "in/iris.csv", map[string]string{}, strings.NewReader(string(csv)), int64(len(csv)), nil); err != nil {
		t.Fatal(err)
	}
	root := imageFolder(t)
	for _, name := range []string{"cat/c00.png", "cat/c01.png", "dog/d00.jpg"} {
		b, _ := os.ReadFile(root + "/" + name)
		if _, err := backend.PutObject(bucket, "img/"+name, map[string]string{}, strings.NewReader(string(b)), int64(len(b)), nil); err != nil {
			t.Fatal(err)
		}
	}

	c := testContext(t)
	ds := ReadCSV("s3://" + bucket + "/in/" + opts).WithContext(c).Filter(func(ctx context.Context, r Row) (bool, error) {
		return r["species"] == "virginica", nil
	})
	paths, err := ds.WriteParquet(ctx, "s3://"+bucket+"/out"+opts, MaxRowsPerFile(20))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || !strings.HasPrefix(paths[0], "s3://"+bucket+"/out/part_000000_000000.parquet") {
		t.Fatalf("paths %v", paths)
	}
	n, err := ReadParquet("s3://" + bucket + "/out/" + opts).WithContext(c).Count(ctx)
	if err != nil || n != 50 {
		t.Fatalf("read back %d rows, %v", n, err)
	}
	// The output exists now: the default save mode refuses to write over it.
	if _, err := ds.WriteParquet(ctx, "s3://"+bucket+"/out"+opts); err == nil {
		t.Fatal("wrote into an existing output without a save mode")
	}
	imgs, err := ReadImages("s3://"+bucket+"/img/"+opts, ImageSize(4, 4), Partitioning("label")).WithContext(c).TakeAll(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range imgs {
		labels = append(labels, fmt.Sprint(r["label"]))
	}
	if fmt.Sprint(labels) != "[cat cat dog]" {
		t.Fatalf("labels %v", labels)
	}
	// A scheme without a driver names the import to add.
	_, err = ReadCSV("gs://bucket/x.csv").WithContext(c).TakeAll(ctx, 0)
	if err == nil || !strings.Contains(err.Error(), "import") {
		t.Fatalf("missing driver: %v", err)
	}
}
