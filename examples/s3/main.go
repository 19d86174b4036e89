// Reading from and writing to S3: images and a CSV are read from an S3 server, the CSV is
// filtered and written back as Parquet, and the Parquet is read again. With no -endpoint the
// example starts an in-process S3 server (gofakes3) on loopback and uploads the bundled data,
// so it runs anywhere; with -endpoint (for example versitygw from scripts/versitygw.sh) it
// uses that server's bucket as it is.
//
//	go run ./examples/s3
//	eval "$(scripts/versitygw.sh start)"; go run ./examples/s3 -endpoint $SLUICE_VERSITYGW_ENDPOINT -bucket sluice -upload
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/storage"
	_ "github.com/sluicedata/sluice/storage/s3" // enables s3:// paths
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// upload copies the bundled CSV and a few generated images into bucket under prefix.
func upload(ctx context.Context, base, opts string) error {
	csv, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", "iris.csv"))
	if err != nil {
		return err
	}
	files := map[string][]byte{"tables/iris.csv": csv}
	for i, label := range []string{"red", "green", "blue"} {
		files[fmt.Sprintf("images/%s/%d.png", label, i)] = solidPNG(i)
	}
	for name, body := range files {
		w, err := storage.Default().Create(ctx, base+"/"+name+opts)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, bytes.NewReader(body)); err != nil {
			w.Abort()
			return err
		}
		if err := w.Commit(); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, w io.Writer, c *data.Context, base, opts string) error {
	with := func(ds *data.Dataset) *data.Dataset {
		if c != nil {
			return ds.WithContext(c)
		}
		return ds
	}
	images := with(data.ReadImages(base+"/images/"+opts, data.ImageSize(16, 16), data.Partitioning("label"), data.IncludePaths()))
	rows, err := images.Take(ctx, 10)
	if err != nil {
		return err
	}
	for _, r := range rows {
		fmt.Fprintf(w, "image %v label %v\n", r["path"], r["label"])
	}
	ds := with(data.ReadCSV(base + "/tables/" + opts)).Filter(func(ctx context.Context, r data.Row) (bool, error) {
		return r["petal_length"].(float64) > 5, nil
	})
	paths, err := ds.WriteParquet(ctx, base+"/out"+opts, data.Mode(data.SaveOverwrite))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %v\n", paths)
	n, err := with(data.ReadParquet(base + "/out/" + opts)).Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "read back %d rows with petal_length > 5\n", n)
	fmt.Fprintf(w, "\nStats of the write:\n%s", ds.Stats())
	return nil
}

// fakeS3 starts gofakes3 with an empty bucket and returns the URL options for it.
func fakeS3(bucket string) (opts string, stop func(), err error) {
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "sluice", "AWS_SECRET_ACCESS_KEY": "sluice-secret", "AWS_EC2_METADATA_DISABLED": "true"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		return "", nil, err
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	return endpointOpts(srv.URL), srv.Close, nil
}

func endpointOpts(endpoint string) string {
	return "?endpoint=" + url.QueryEscape(endpoint) + "&use_path_style=true&region=us-east-1"
}

func main() {
	endpoint := flag.String("endpoint", "", "S3 endpoint (default: start an in-process server)")
	bucket := flag.String("bucket", "sluice-example", "bucket to use")
	doUpload := flag.Bool("upload", false, "upload the example data first (always done for the in-process server)")
	flag.Parse()
	ctx := context.Background()
	opts := endpointOpts(*endpoint)
	if *endpoint == "" {
		o, stop, err := fakeS3(*bucket)
		if err != nil {
			log.Fatal(err)
		}
		defer stop()
		opts, *doUpload = o, true
	}
	base := "s3://" + *bucket + "/example"
	if *doUpload {
		if err := upload(ctx, base, opts); err != nil {
			log.Fatal(err)
		}
	}
	if err := run(ctx, os.Stdout, nil, base, opts); err != nil {
		log.Fatal(err)
	}
}
