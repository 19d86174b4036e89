// Command webdataset builds WebDataset shards from a folder of images and a gzip-compressed
// JSON Lines file of captions, as a LAION-style crawl ships them, then reads the shards
// back: ReadImages and ReadJSON (.jsonl.gz by extension), a Join on the key, a Sort so
// shards come out in key order, WriteWebDataset with SamplesPerShard, ReadWebDataset.
//
//	go run ./examples/webdataset [output directory]
//
// It reads testdata/images (8 photos) and testdata/captions.jsonl.gz ({"key", "caption"}
// per line, the key an image's file name without ".jpg"). Each sample of the shards is
// <key>.jpg (the photo resized to 200x320 and encoded as JPEG) and <key>.txt (its caption),
// which Python's webdataset package reads as it reads its own shards.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
)

func main() {
	out := filepath.Join(os.TempDir(), "sluice-webdataset")
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	err := run(context.Background(), os.Stdout, data.DefaultContext(),
		filepath.Join(root, "testdata", "captions.jsonl.gz"), filepath.Join(root, "testdata", "images"), out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dc *data.Context, captionsPath, imagesDir, outDir string) error {
	captions := data.ReadJSON(captionsPath).WithContext(dc)
	images := data.ReadImages(imagesDir, data.ImageSize(200, 320), data.IncludePaths()).WithContext(dc).
		AddColumn("key", func(ctx context.Context, b *data.Batch) (any, error) {
			paths, err := b.Strings("path")
			if err != nil {
				return nil, err
			}
			keys := make([]string, len(paths))
			for i, p := range paths {
				keys[i] = strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
			}
			return keys, nil
		}).
		DropColumns("path")
	// Zip by key: every image with its caption. A column's name is its members' extension.
	samples := images.Join(captions, []string{"key"}, data.Inner).
		Sort([]string{"key"}, data.NumPartitions(1)). // one sorted run: shards in key order
		RenameColumns(map[string]string{"key": "__key__", "image": "jpg", "caption": "txt"}).
		WithContext(dc)
	shards, err := samples.WriteWebDataset(ctx, outDir, data.SamplesPerShard(3), data.Mode(data.SaveOverwrite))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Wrote %d shards:", len(shards))
	for _, s := range shards {
		fmt.Fprintf(out, " %s", filepath.Base(s))
	}
	fmt.Fprintln(out)

	back := data.ReadWebDataset(outDir, data.IncludePaths()).WithContext(dc)
	schema, err := back.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", schema)
	for row, err := range back.IterRows(ctx) {
		if err != nil {
			return err
		}
		img := row["jpg"].(tensor.Tensor)
		fmt.Fprintf(out, "%s  %-12s  %v  %s\n", filepath.Base(row["path"].(string)), row["__key__"], img.Shape, row["txt"])
	}
	n, err := back.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d samples\n", n)
	return nil
}
