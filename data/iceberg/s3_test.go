package iceberg

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestS3Warehouse writes and reads a table whose warehouse is on an S3 server (gofakes3 in
// process, as the storage tests use): data files, manifests and metadata all go through
// iceberg-go's S3 FileIO, and the reads through iceberg-go's reader.
func TestS3Warehouse(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	c := testContext(t)
	backend := s3mem.New()
	bucket := fmt.Sprintf("sluice-iceberg-%d", time.Now().UnixNano())
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	cat, err := OpenSQLCatalog(ctx, "s3", filepath.Join(t.TempDir(), "catalog.db"), "s3://"+bucket+"/warehouse", map[string]string{
		"s3.endpoint": srv.URL, "s3.region": "us-east-1", "s3.access-key-id": "sluice", "s3.secret-access-key": "sluice-secret",
		"s3.force-virtual-addressing": "false",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if err := cat.CreateNamespace(ctx, table.Identifier{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	ident := table.Identifier{"db", "t"}
	if _, err := WriteTable(ctx, rows(c, 0, 3000), cat, ident); err != nil {
		t.Fatal(err)
	}
	tbl, err := WriteTable(ctx, rows(c, 3000, 5000), cat, ident)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tbl.Location(), "s3://"+bucket+"/") {
		t.Fatalf("table location %s is not on the S3 server", tbl.Location())
	}
	if n, sum := sumIDs(t, Read(tbl).WithContext(c)); n != 5000 || sum != 5000*4999/2 {
		t.Errorf("read from S3: %d rows, sum %d", n, sum)
	}
	if n, err := Read(tbl).WithContext(c).Count(ctx); err != nil || n != 5000 {
		t.Errorf("Count = %d, %v", n, err)
	}
	objects, err := backend.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objects.Contents) < 5 {
		t.Errorf("%d objects in the bucket; want the data files, manifests and metadata", len(objects.Contents))
	}
}
