package iceberg

// The object-store FileIOs a warehouse URL may name: s3:// (with the s3.* properties of
// OpenSQLCatalog or the catalog), gs:// and azblob:// register themselves with iceberg-go here.
import (
	_ "github.com/apache/iceberg-go/io/gocloud/azure"
	_ "github.com/apache/iceberg-go/io/gocloud/gcs"
	_ "github.com/apache/iceberg-go/io/gocloud/s3"
)
