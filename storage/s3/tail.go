package s3

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"

	"github.com/sluicedata/sluice/storage"
)

func init() { storage.RegisterTailRequest(Scheme, tailRequest) }

// tailRequest asks S3 for the last n bytes of an object with a suffix range; S3 answers with
// the object's size in Content-Range, so storage.FS.OpenRange needs no HEAD request first.
func tailRequest(n int64) *blob.ReaderOptions {
	return &blob.ReaderOptions{BeforeRead: func(as func(any) bool) error {
		var in *s3sdk.GetObjectInput
		if !as(&in) {
			return errors.New("sluice: s3: tail request: the driver is not gocloud's s3blob")
		}
		in.Range = aws.String(fmt.Sprintf("bytes=-%d", n))
		return nil
	}}
}
