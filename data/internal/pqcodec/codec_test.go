package pqcodec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/pierrec/lz4/v4"
)

// rawBlock compresses src as one bare LZ4 block, the framing of Arrow C++ before 2.0.
func rawBlock(t *testing.T, src []byte) []byte {
	t.Helper()
	dst := make([]byte, lz4.CompressBlockBound(len(src)))
	var c lz4.Compressor
	n, err := c.CompressBlock(src, dst)
	if err != nil || n == 0 {
		t.Fatalf("CompressBlock: %d, %v", n, err)
	}
	return dst[:n]
}

// hadoopFrames splits src into frames of at most size bytes, Hadoop-framed.
func hadoopFrames(t *testing.T, src []byte, size int) []byte {
	t.Helper()
	var out []byte
	for len(src) > 0 {
		n := min(size, len(src))
		blk := rawBlock(t, src[:n])
		out = binary.BigEndian.AppendUint32(out, uint32(n))
		out = binary.BigEndian.AppendUint32(out, uint32(len(blk)))
		out = append(out, blk...)
		src = src[n:]
	}
	return out
}

func TestLZ4Decode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	text := []byte(strings.Repeat("sluice reads what pyarrow reads. ", 300))
	noise := make([]byte, 5000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name string
		src  []byte // what the page holds
		want []byte // nil: an error
		err  string
	}{
		{name: "one Hadoop frame", src: hadoopFrames(t, text, 1<<20), want: text},
		{name: "several Hadoop frames", src: hadoopFrames(t, text, 1000), want: text},
		{name: "incompressible Hadoop frame", src: hadoopFrames(t, noise, 1<<20), want: noise},
		{name: "bare raw block", src: rawBlock(t, text), want: text},
		{name: "bare raw block of noise", src: rawBlock(t, noise), want: noise},
		{name: "empty body", src: nil, want: []byte{}},
		{name: "garbage", src: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, err: "lz4: neither Hadoop-framed nor a raw block"},
		{name: "truncated frame", src: hadoopFrames(t, text, 1<<20)[:40], err: "lz4: neither Hadoop-framed nor a raw block"},
		{name: "empty Hadoop frame", src: make([]byte, 8), want: []byte{}},
	}
	codec, err := compress.GetCodec(compress.Codecs.Lz4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, len(text)) // the page reader sizes dst to the page
			if tc.want != nil {
				dst = dst[:len(tc.want)]
			}
			got, err := compress.Decode(codec, dst, tc.src)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}

// TestCodecsRoundTrip encodes and decodes through the registry, the path of every Parquet
// writer and reader, including an empty page body for each codec.
func TestCodecsRoundTrip(t *testing.T) {
	text := []byte(strings.Repeat("0123456789abcdef", 4096))
	for _, c := range []compress.Compression{compress.Codecs.Snappy, compress.Codecs.Lz4, compress.Codecs.Lz4Raw,
		compress.Codecs.Gzip, compress.Codecs.Zstd, compress.Codecs.Brotli} {
		for _, src := range [][]byte{text, text[:1], {}} {
			t.Run(fmt.Sprintf("%s/%d", c, len(src)), func(t *testing.T) {
				codec, err := compress.GetCodec(c)
				if err != nil {
					t.Fatal(err)
				}
				enc := codec.Encode(nil, src)
				got, err := compress.Decode(codec, make([]byte, len(src)), enc)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, src) {
					t.Fatalf("round trip changed %d bytes into %d", len(src), len(got))
				}
				if got, err := compress.Decode(codec, make([]byte, 0, 8), nil); err != nil || len(got) != 0 {
					t.Fatalf("empty body: %d bytes, %v", len(got), err)
				}
			})
		}
	}
}
