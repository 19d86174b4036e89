package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"

	"github.com/sluicedata/sluice/storage"
)

// The commit protocol's primitives on S3 (see storage/commit.go): conditional writes of the
// manifest with If-Match / If-None-Match (S3 has them since 2024; versitygw too), and
// multipart uploads that stay invisible until CompleteMultipartUpload, as the S3A magic
// committer uses them.
var (
	_ storage.TaggedDriver    = (*opener)(nil)
	_ storage.DeferringDriver = (*opener)(nil)
)

// client returns the SDK client and bucket name of b.
func (o *opener) client(b *blob.Bucket) (*s3sdk.Client, string, error) {
	var c *s3sdk.Client
	if !b.As(&c) {
		return nil, "", errors.New("sluice: s3: bucket is not an S3 bucket")
	}
	o.mu.Lock()
	name, ok := o.names[b]
	o.mu.Unlock()
	if !ok {
		return nil, "", errors.New("sluice: s3: bucket was not opened by this driver")
	}
	return c, name, nil
}

// classify maps S3's answers to the sentinels callers test: fs.ErrNotExist and
// storage.ErrPrecondition.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound", "NoSuchUpload":
			return fmt.Errorf("%w (%w)", fs.ErrNotExist, err)
		case "PreconditionFailed", "ConditionalRequestConflict":
			return fmt.Errorf("%w (%w)", storage.ErrPrecondition, err)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("%w (%w)", fs.ErrNotExist, err)
		case http.StatusPreconditionFailed, http.StatusConflict:
			return fmt.Errorf("%w (%w)", storage.ErrPrecondition, err)
		}
	}
	return err
}

// ReadTagged implements storage.TaggedDriver with one GetObject.
func (o *opener) ReadTagged(ctx context.Context, b *blob.Bucket, key string) ([]byte, string, error) {
	c, name, err := o.client(b)
	if err != nil {
		return nil, "", err
	}
	out, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String(name), Key: aws.String(key)})
	if err != nil {
		return nil, "", classify(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", err
	}
	return data, aws.ToString(out.ETag), nil
}

// WriteIf implements storage.TaggedDriver with a conditional PutObject.
func (o *opener) WriteIf(ctx context.Context, b *blob.Bucket, key string, data []byte, ifMatch string) error {
	c, name, err := o.client(b)
	if err != nil {
		return err
	}
	in := &s3sdk.PutObjectInput{
		Bucket:      aws.String(name),
		Key:         aws.String(key),
		Body:        bytes.NewReader(data),
		ContentType: aws.String("application/json"),
	}
	if ifMatch == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(ifMatch)
	}
	_, err = c.PutObject(ctx, in)
	return classify(err)
}

// partBytes is the size of a multipart upload's parts (S3's minimum is 5 MiB, its maximum
// part count 10,000: 78 GiB per object at this size).
const partBytes = 8 << 20

// partsInFlight is how many parts one upload sends at once; with the part being filled that
// bounds an upload's buffers at 3 x 8 MiB.
const partsInFlight = 2

// CreateDeferred implements storage.DeferringDriver: it starts a multipart upload at once (so
// that a killed run's upload is listed, and aborted, by the next run) and sends parts as they
// fill.
func (o *opener) CreateDeferred(ctx context.Context, b *blob.Bucket, key string) (storage.DeferredDriverWriter, error) {
	c, name, err := o.client(b)
	if err != nil {
		return nil, err
	}
	out, err := c.CreateMultipartUpload(ctx, &s3sdk.CreateMultipartUploadInput{
		Bucket:      aws.String(name),
		Key:         aws.String(key),
		ContentType: aws.String("application/octet-stream"),
	})
	if err != nil {
		return nil, classify(err)
	}
	uctx, cancel := context.WithCancel(ctx)
	return &multipart{ctx: uctx, cancel: cancel, c: c, bucket: name, key: key, id: aws.ToString(out.UploadId),
		sem: make(chan struct{}, partsInFlight)}, nil
}

// multipart is one multipart upload being written.
type multipart struct {
	ctx         context.Context
	cancel      context.CancelFunc
	c           *s3sdk.Client
	bucket, key string
	id          string
	buf         []byte
	next        int32 // number of the last part started
	size        int64
	sem         chan struct{}
	wg          sync.WaitGroup

	mu    sync.Mutex
	parts []storage.Part
	err   error // first part error
	done  bool
}

func (m *multipart) Started() storage.Upload { return storage.Upload{Key: m.key, UploadID: m.id} }

func (m *multipart) Write(p []byte) (int, error) {
	if m.done {
		return 0, storage.ErrFileDone
	}
	if err := m.failed(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		if m.buf == nil {
			m.buf = make([]byte, 0, partBytes)
		}
		k := min(len(p), partBytes-len(m.buf))
		m.buf = append(m.buf, p[:k]...)
		p = p[k:]
		if len(m.buf) == partBytes {
			m.send()
		}
	}
	m.size += int64(n)
	return n, nil
}

func (m *multipart) failed() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// send uploads the buffered part in the background, waiting while partsInFlight are out.
func (m *multipart) send() {
	m.next++
	num, body := m.next, m.buf
	m.buf = nil
	select {
	case m.sem <- struct{}{}:
	case <-m.ctx.Done():
		m.fail(m.ctx.Err())
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() { <-m.sem }()
		out, err := m.c.UploadPart(m.ctx, &s3sdk.UploadPartInput{
			Bucket: aws.String(m.bucket), Key: aws.String(m.key), UploadId: aws.String(m.id),
			PartNumber: aws.Int32(num), Body: bytes.NewReader(body),
		})
		if err != nil {
			m.fail(fmt.Errorf("part %d: %w", num, classify(err)))
			return
		}
		m.mu.Lock()
		m.parts = append(m.parts, storage.Part{Number: num, ETag: aws.ToString(out.ETag)})
		m.mu.Unlock()
	}()
}

func (m *multipart) fail(err error) {
	m.mu.Lock()
	if m.err == nil {
		m.err = err
	}
	m.mu.Unlock()
}

// Finish sends the last part (an empty one for an empty object: S3 allows the only part to be
// of any size) and waits for every part.
func (m *multipart) Finish() (storage.Upload, error) {
	if m.done {
		return storage.Upload{}, storage.ErrFileDone
	}
	m.done = true
	if len(m.buf) > 0 || m.next == 0 {
		if m.buf == nil {
			m.buf = []byte{}
		}
		m.send()
	}
	m.wg.Wait()
	if err := m.failed(); err != nil {
		m.abort()
		return storage.Upload{}, err
	}
	m.cancel()
	sort.Slice(m.parts, func(i, j int) bool { return m.parts[i].Number < m.parts[j].Number })
	return storage.Upload{Key: m.key, UploadID: m.id, Size: m.size, Parts: m.parts}, nil
}

func (m *multipart) Abort() error {
	if m.done {
		return nil
	}
	m.done = true
	return m.abort()
}

func (m *multipart) abort() error {
	m.cancel()
	m.wg.Wait()
	_, err := m.c.AbortMultipartUpload(context.WithoutCancel(m.ctx), &s3sdk.AbortMultipartUploadInput{
		Bucket: aws.String(m.bucket), Key: aws.String(m.key), UploadId: aws.String(m.id),
	})
	if err = classify(err); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// CompleteDeferred implements storage.DeferringDriver.
func (o *opener) CompleteDeferred(ctx context.Context, b *blob.Bucket, u storage.Upload, noReplace bool) error {
	c, name, err := o.client(b)
	if err != nil {
		return err
	}
	parts := make([]types.CompletedPart, len(u.Parts))
	for i, p := range u.Parts {
		// No part checksums: the upload was created without a checksum algorithm, and then
		// versitygw (like S3) refuses a completion that names them.
		parts[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
	}
	in := &s3sdk.CompleteMultipartUploadInput{
		Bucket: aws.String(name), Key: aws.String(u.Key), UploadId: aws.String(u.UploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	if noReplace {
		in.IfNoneMatch = aws.String("*")
	}
	_, err = c.CompleteMultipartUpload(ctx, in)
	return classify(err)
}

// AbortDeferred implements storage.DeferringDriver.
func (o *opener) AbortDeferred(ctx context.Context, b *blob.Bucket, u storage.Upload) error {
	c, name, err := o.client(b)
	if err != nil {
		return err
	}
	_, err = c.AbortMultipartUpload(ctx, &s3sdk.AbortMultipartUploadInput{Bucket: aws.String(name), Key: aws.String(u.Key), UploadId: aws.String(u.UploadID)})
	if err = classify(err); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ListDeferred implements storage.DeferringDriver, page by page.
func (o *opener) ListDeferred(ctx context.Context, b *blob.Bucket, prefix string) ([]storage.Upload, error) {
	c, name, err := o.client(b)
	if err != nil {
		return nil, err
	}
	var ups []storage.Upload
	in := &s3sdk.ListMultipartUploadsInput{Bucket: aws.String(name), Prefix: aws.String(prefix)}
	for {
		out, err := c.ListMultipartUploads(ctx, in)
		if err = classify(err); errors.Is(err, fs.ErrNotExist) {
			return ups, nil // gofakes3 answers NoSuchUpload when there is none
		}
		if err != nil {
			return nil, err
		}
		for _, u := range out.Uploads {
			ups = append(ups, storage.Upload{Key: aws.ToString(u.Key), UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)})
		}
		if !aws.ToBool(out.IsTruncated) {
			return ups, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}
