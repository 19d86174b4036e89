// Package storage is the one storage layer under every sluice reader and writer: object stores
// reached through gocloud.dev/blob, addressed by URL.
//
// A path is either a plain operating-system path or a URL. Plain paths and file:// URLs belong
// to the operating system (see LocalPath); the readers and writers in data/read and data/write
// keep using the OS for them, with atomic rename on write. Every other scheme goes through an
// FS: mem:// (memblob, built in), s3:// (import _ "github.com/sluicedata/sluice/storage/s3"),
// gs:// (import _ "gocloud.dev/blob/gcsblob") and azblob:// (import _
// "gocloud.dev/blob/azureblob"). This package imports only the memory driver, so a program that
// reads local files does not link any cloud SDK; a URL whose driver is missing fails with an
// error (ErrNoDriver) that names the import to add, the database/sql pattern.
//
// A URL is scheme://[user@]bucket/key[?options]. Options configure the bucket (for S3:
// endpoint, use_path_style, region, ...) and are remembered by the FS for that bucket, so the
// paths an FS lists carry no query and can be opened again as they are. Resolve strips and
// records the options up front; callers that split paths into glob segments must call it first.
//
// The commit protocol of data/write (whole-run commits with a `_SUCCESS` manifest) needs three
// things of an object store beyond whole objects, all in commit.go: a server-side Copy, a
// compare-and-swap write (ReadTagged and WriteIf; on S3 a conditional PutObject with If-Match
// or If-None-Match, across processes), and deferred uploads (CreateDeferred, CompleteDeferred:
// on S3 multipart uploads that stay invisible until completed). Drivers provide the last two by
// implementing TaggedDriver and DeferringDriver on the opener they Register; storage/s3 does.
package storage
