package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/data/write"
	"github.com/sluicedata/sluice/tensor"
)

// SamplesPerShard makes WriteWebDataset start a new shard after n samples (webdataset's
// ShardWriter maxcount).
func SamplesPerShard(n int64) Option {
	return opt("SamplesPerShard", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("SamplesPerShard(%d): must be at least 1", n)
		}
		c.maxRows = n
		return nil
	})
}

// wdsImageExts are the extensions ReadWebDataset decodes as images.
var wdsImageExts = []string{"jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"}

// A block holds up to wdsSamplesPerBlock samples or wdsBytesPerBlock member bytes, as
// ReadImages' read tasks do.
const (
	wdsSamplesPerBlock = 64
	wdsBytesPerBlock   = 8 << 20
)

// ReadWebDataset reads WebDataset tar shards (local files or object-store URLs; .tar.gz and
// the other compressed forms by extension), one read task per shard, as Ray's
// read_webdataset does. Members are grouped into samples by key (the path up to the first
// dot of the base name); each extension becomes a column, next to "__key__", decoded by its
// last part: jpg, jpeg, png, webp, bmp, tif, tiff and gif as images (an HWC uint8 tensor,
// with the ReadImages options ImageSize, ImageMode, ImageReducingGap,
// ImageApplyOrientation), json as a struct (types inferred from the shard's first block),
// txt as a string, cls as an int64 (a string if some value is not an integer), npy as a
// tensor, anything else as binary. A sample without a member of a string, struct or binary
// column has a null there; one without an image or npy member that others have is an error
// naming the shard and key. Columns (or SelectColumns) decodes only those columns; Count
// reads the members' headers and decodes nothing. Options:
// Columns, the image options, Compression, IncludePaths, IgnoreMissingPaths, FileExtensions
// (default tar and its compressed forms), Partitioning, HivePartitioning.
func ReadWebDataset[P PathList](paths P, opts ...Option) *Dataset {
	var compression string
	ds := files("ReadWebDataset", pathsOf(paths), opts, []string{"Columns", "Compression", "ImageSize", "ImageMode", "ImageReducingGap", "ImageApplyOrientation"}, []string{"tar"}, func(c *config) (fileReader, bool) {
		cfg := *c
		compression = c.compression
		if cfg.imageMode == 0 && !cfg.imageNative {
			cfg.imageMode = vision.ModeRGB
		}
		return func(ctx context.Context, mem memory.Allocator, st read.Storage, f read.File, columns []string, limit int64, emit read.Emit) error {
			r := &wdsReader{cfg: &cfg, mem: mem, path: f.Path, columns: columns}
			return r.readShard(ctx, st, f, emit)
		}, true
	})
	return withCount(ds, func(ctx context.Context, st read.Storage, f read.File) (int64, error) {
		rc, err := read.OpenStream(ctx, st, f, compression)
		if err != nil {
			return 0, fmt.Errorf("sluice: read_webdataset: %s: %w", f.Path, err)
		}
		defer rc.Close()
		n, err := read.CountTarSamples(rc)
		if err != nil {
			return 0, fmt.Errorf("sluice: read_webdataset: %s: %w", f.Path, err)
		}
		return n, nil
	})
}

// wdsReader reads one shard.
type wdsReader struct {
	cfg        *config
	mem        memory.Allocator
	path       string
	columns    []string                 // nil: every column
	jsonSchema map[string]*arrow.Schema // per json column, from the first block
}

func (r *wdsReader) readShard(ctx context.Context, st read.Storage, f read.File, emit read.Emit) error {
	rc, err := read.OpenStream(ctx, st, f, r.cfg.compression)
	if err != nil {
		return fmt.Errorf("sluice: read_webdataset: %s: %w", f.Path, err)
	}
	defer rc.Close()
	var batch []*read.Sample
	size := 0
	var emitErr error
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rec, err := r.block(batch)
		batch, size = nil, 0
		if err != nil {
			return fmt.Errorf("sluice: read_webdataset: %s: %w", f.Path, err)
		}
		if err := emit(rec); err != nil {
			emitErr = err
			return err
		}
		return ctx.Err()
	}
	err = read.TarSamples(rc, func(s *read.Sample) error {
		batch = append(batch, s)
		for _, d := range s.Data {
			size += len(d)
		}
		if len(batch) >= wdsSamplesPerBlock || size >= wdsBytesPerBlock {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	switch {
	case err == nil, emitErr != nil && errors.Is(err, emitErr):
		return err
	case strings.HasPrefix(err.Error(), "sluice: "), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("sluice: read_webdataset: %s: %w", f.Path, err)
}

// block decodes samples into one record batch: __key__, then the extensions in name order.
func (r *wdsReader) block(samples []*read.Sample) (arrow.RecordBatch, error) {
	var exts []string
	for _, s := range samples {
		for _, e := range s.Exts {
			if !slices.Contains(exts, e) {
				exts = append(exts, e)
			}
		}
	}
	slices.Sort(exts)
	want := func(name string) bool { return r.columns == nil || slices.Contains(r.columns, name) }
	var fields []arrow.Field
	var cols []arrow.Array
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if want(write.KeyColumn) {
		b := array.NewStringBuilder(r.mem)
		for _, s := range samples {
			b.Append(s.Key)
		}
		fields = append(fields, arrow.Field{Name: write.KeyColumn, Type: arrow.BinaryTypes.String})
		cols = append(cols, b.NewArray())
		b.Release()
	}
	for _, ext := range exts {
		if !want(ext) {
			continue
		}
		col, err := r.column(ext, samples)
		if err != nil {
			release()
			return nil, err
		}
		fields = append(fields, arrow.Field{Name: ext, Type: col.DataType(), Nullable: true})
		cols = append(cols, col)
	}
	for _, c := range r.columns {
		if c != write.KeyColumn && !slices.Contains(exts, c) {
			release()
			return nil, fmt.Errorf("no member .%s in samples %q to %q (extensions: %q)", c, samples[0].Key, samples[len(samples)-1].Key, exts)
		}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(samples)))
	release()
	return rec, nil
}

// column decodes the members with extension ext of samples.
func (r *wdsReader) column(ext string, samples []*read.Sample) (arrow.Array, error) {
	kind := ext
	if k := strings.LastIndexByte(ext, '.'); k >= 0 {
		kind = ext[k+1:]
	}
	switch {
	case slices.Contains(wdsImageExts, kind):
		return r.images(ext, samples)
	case kind == "npy":
		return r.arrays(ext, samples)
	case kind == "json":
		return r.json(ext, samples)
	case kind == "txt":
		b := array.NewStringBuilder(r.mem)
		defer b.Release()
		for _, s := range samples {
			if d := s.Member(ext); d != nil {
				b.BinaryBuilder.Append(d)
			} else {
				b.AppendNull()
			}
		}
		return b.NewArray(), nil
	case kind == "cls":
		if col, ok := r.ints(ext, samples); ok {
			return col, nil
		}
		b := array.NewStringBuilder(r.mem)
		defer b.Release()
		for _, s := range samples {
			if d := s.Member(ext); d != nil {
				b.BinaryBuilder.Append(d)
			} else {
				b.AppendNull()
			}
		}
		return b.NewArray(), nil
	}
	b := array.NewBinaryBuilder(r.mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	for _, s := range samples {
		if d := s.Member(ext); d != nil {
			b.Append(d)
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

func (r *wdsReader) ints(ext string, samples []*read.Sample) (arrow.Array, bool) {
	b := array.NewInt64Builder(r.mem)
	defer b.Release()
	for _, s := range samples {
		d := s.Member(ext)
		if d == nil {
			b.AppendNull()
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(d)), 10, 64)
		if err != nil {
			return nil, false
		}
		b.Append(v)
	}
	return b.NewArray(), true
}

// member returns sample s's member ext, or an error for a column that cannot hold a null.
func member(s *read.Sample, ext string) ([]byte, error) {
	if d := s.Member(ext); d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("sample %q (at byte %d) has no .%s member, which other samples have; an image or npy column cannot hold a null", s.Key, s.Offset, ext)
}

func (r *wdsReader) images(ext string, samples []*read.Sample) (arrow.Array, error) {
	h, w, ch := r.cfg.imageH, r.cfg.imageW, r.cfg.imageMode.Channels()
	if h > 0 && ch > 0 {
		// Decode straight into the fixed-shape tensor's buffer, as ReadImages does.
		buf := memory.NewResizableBuffer(r.mem)
		buf.Resize(len(samples) * h * w * ch)
		for i, s := range samples {
			d, err := member(s, ext)
			if err == nil {
				opts := r.decodeOptions()
				opts.Dst = buf.Bytes()[i*h*w*ch : (i+1)*h*w*ch]
				_, err = vision.DecodeBytes(d, opts)
			}
			if err != nil {
				buf.Release()
				return nil, fmt.Errorf("sample %q .%s: %w", s.Key, ext, err)
			}
		}
		return tensor.NewFixedFromBuffer(arrow.PrimitiveTypes.Uint8, []int{h, w, ch}, len(samples), buf)
	}
	imgs := make([]tensor.Tensor, len(samples))
	for i, s := range samples {
		d, err := member(s, ext)
		if err != nil {
			return nil, err
		}
		img, err := vision.DecodeBytes(d, r.decodeOptions())
		if err != nil {
			return nil, fmt.Errorf("sample %q .%s: %w", s.Key, ext, err)
		}
		if img.Depth == 16 {
			imgs[i] = tensor.New(uint16s(img.Pix), img.H, img.W, img.C).Tensor()
		} else {
			imgs[i] = tensor.New(img.Pix, img.H, img.W, img.C).Tensor()
		}
		if !arrow.TypeEqual(imgs[i].DType, imgs[0].DType) {
			return nil, fmt.Errorf("sample %q .%s is %v and sample %q's is %v: a column holds one type", s.Key, ext, imgs[i].DType, samples[0].Key, imgs[0].DType)
		}
	}
	return tensor.Stack(r.mem, imgs)
}

func (r *wdsReader) decodeOptions() vision.DecodeOptions {
	return vision.DecodeOptions{Mode: r.cfg.imageMode, H: r.cfg.imageH, W: r.cfg.imageW, ReducingGap: r.cfg.imageGap, ApplyOrientation: r.cfg.imageOrient}
}

func (r *wdsReader) arrays(ext string, samples []*read.Sample) (arrow.Array, error) {
	ts := make([]tensor.Tensor, len(samples))
	for i, s := range samples {
		d, err := member(s, ext)
		if err != nil {
			return nil, err
		}
		n, err := tensor.ReadNpy(bytes.NewReader(d))
		if err != nil {
			return nil, fmt.Errorf("sample %q .%s: %w", s.Key, ext, err)
		}
		ts[i] = tensor.Tensor{DType: n.DType, Shape: n.Shape, Data: n.Data}
		if !arrow.TypeEqual(ts[i].DType, ts[0].DType) {
			return nil, fmt.Errorf("sample %q .%s is %v and sample %q's is %v: a column holds one type", s.Key, ext, ts[i].DType, samples[0].Key, ts[0].DType)
		}
	}
	return tensor.Stack(r.mem, ts)
}

// json decodes one JSON object per member into a struct column through ReadJSON's
// inference; the shard's first block fixes the types for the rest of it.
func (r *wdsReader) json(ext string, samples []*read.Sample) (arrow.Array, error) {
	var lines bytes.Buffer
	valid := make([]bool, len(samples))
	for i, s := range samples {
		d := s.Member(ext)
		if d == nil {
			lines.WriteString("{}\n")
			continue
		}
		valid[i] = true
		if err := json.Compact(&lines, d); err != nil {
			return nil, fmt.Errorf("sample %q .%s: %w", s.Key, ext, err)
		}
		lines.WriteByte('\n')
	}
	opts := read.JSONOptions{BatchRows: len(samples), Compression: "none"}
	if sc := r.jsonSchema[ext]; sc != nil {
		opts.Schema = sc
	}
	var rec arrow.RecordBatch
	err := read.ReadJSON(context.Background(), r.mem, bytesStorage(lines.Bytes()), read.File{Path: ext}, opts, func(b arrow.RecordBatch) error {
		rec = b
		return nil
	})
	if err != nil {
		if rec != nil {
			rec.Release()
		}
		msg := err.Error()
		if k := strings.Index(msg, ext+": "); k >= 0 {
			msg = msg[k+len(ext)+2:]
		}
		return nil, fmt.Errorf("samples %q to %q .%s: %s", samples[0].Key, samples[len(samples)-1].Key, ext, msg)
	}
	defer rec.Release()
	if r.jsonSchema == nil {
		r.jsonSchema = map[string]*arrow.Schema{}
	}
	if r.jsonSchema[ext] == nil {
		r.jsonSchema[ext] = rec.Schema()
	}
	nulls := 0
	bitmap := memory.NewResizableBuffer(r.mem)
	defer bitmap.Release()
	bitmap.Resize((len(samples) + 7) / 8)
	bits := bitmap.Bytes()
	clear(bits)
	for i, ok := range valid {
		if ok {
			bits[i/8] |= 1 << (i % 8)
		} else {
			nulls++
		}
	}
	fields := rec.Schema().Fields()
	for i := range fields {
		fields[i].Nullable = true
	}
	return array.NewStructArrayWithFieldsAndNulls(rec.Columns(), fields, bitmap, nulls, 0)
}

// bytesStorage is a Storage of one in-memory file, for reading a block's JSON members with
// ReadJSON.
type bytesStorage []byte

func (b bytesStorage) Open(context.Context, string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b)), nil
}
func (b bytesStorage) OpenRange(context.Context, string) (read.RangeReader, error) {
	return nil, errors.New("not supported")
}
func (b bytesStorage) Walk(context.Context, string, func(read.File) error) error {
	return errors.New("not supported")
}

// WriteWebDataset writes WebDataset tar shards (webdataset's TarWriter layout: members
// <key>.<column>, see write.WebDataset for each type's encoding), each shard a file of the
// run committed as WriteParquet describes, so a shard is published whole or not at all.
// Keys come from a "__key__" column, or are numbered. Options: SamplesPerShard (default: one
// shard per write task), Compression (shards .tar.gz and so on), Mode.
func (ds *Dataset) WriteWebDataset(ctx context.Context, dir string, opts ...Option) ([]string, error) {
	return ds.writeFiles(ctx, "WriteWebDataset", dir, opts, []string{"SamplesPerShard", "Compression"}, func(*config) write.Format { return write.WebDataset() })
}
