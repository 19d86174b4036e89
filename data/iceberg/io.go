package iceberg

// The S3 FileIO, for warehouse URLs s3://bucket/prefix (with the s3.* properties of
// OpenSQLCatalog or the catalog), registers itself with iceberg-go here. A program with a
// warehouse on Google Cloud Storage or Azure imports iceberg-go's io/gocloud/gcs or
// io/gocloud/azure itself: their SDKs double this module's build.
import _ "github.com/apache/iceberg-go/io/gocloud/s3"
