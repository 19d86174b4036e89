package read

import (
	"context"
	"io"

	"github.com/sluicedata/sluice/data/internal/codec"
)

// CompressionExtensions are the file name extensions that mark a compressed file, without the
// dot: gz, gzip, zst, zstd, bz2, lz4, xz. A reader whose Compression option is "" (the
// default) decompresses a file whose name ends in one of them, as pyarrow and Ray do.
func CompressionExtensions() []string { return codec.Extensions() }

// WithCompressedExtensions returns exts followed by each of them with every compression
// extension appended ("csv" gives "csv", "csv.gz", "csv.zst", ...), for listing the files of
// a format whether or not they are compressed. Empty exts (every file) stay empty.
func WithCompressedExtensions(exts []string) []string {
	if len(exts) == 0 {
		return exts
	}
	out := append([]string(nil), exts...)
	for _, e := range exts {
		for _, c := range codec.Extensions() {
			out = append(out, e+"."+c)
		}
	}
	return out
}

// CheckCompression returns an error unless c is "" (detect by extension), "none", "gzip",
// "zstd", "bz2", "lz4" or "xz".
func CheckCompression(c string) error { return codec.Check(c) }

// OpenStream opens f for a sequential read of its decompressed bytes: compression is one of
// the names CheckCompression accepts, and "" picks the codec by f's extension ("none" for any
// other name). The caller closes the reader, which closes the file.
//
// A corrupt or truncated stream fails a Read with an error of the form "gzip: compressed byte
// N (decompressed byte M): <cause>", which the readers prefix with their name and the path.
// Errors of the storage itself come back unchanged.
func OpenStream(ctx context.Context, st Storage, f File, compression string) (io.ReadCloser, error) {
	c := codec.Resolve(compression, f.Path)
	if err := codec.Check(c); err != nil {
		return nil, err
	}
	rc, err := st.Open(ctx, f.Path)
	if err != nil {
		return nil, err
	}
	if c == codec.None {
		return rc, nil
	}
	dec, err := codec.NewReader(rc, c)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return &decodedFile{ReadCloser: dec, file: rc}, nil
}

// decodedFile closes the decoder, then the file under it.
type decodedFile struct {
	io.ReadCloser
	file io.Closer
}

func (d *decodedFile) Close() error {
	d.ReadCloser.Close()
	return d.file.Close()
}
