package data

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data/read"
	"github.com/sluicedata/sluice/data/transform/vision"
	"github.com/sluicedata/sluice/streaming"
	"github.com/sluicedata/sluice/tensor"
)

// ImageExtensions are the files ReadImages reads by default (Ray's read_images list).
var ImageExtensions = []string{"png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "webp"}

// ImageSize resizes every image to h x w on read (PIL's antialiased bilinear filter), which
// gives a fixed-shape image column.
func ImageSize(h, w int) Option {
	return opt("ImageSize", func(c *config) error {
		if h <= 0 || w <= 0 {
			return fmt.Errorf("ImageSize(%d, %d): both must be positive", h, w)
		}
		c.imageH, c.imageW = h, w
		return nil
	})
}

// ImageMode converts every image to "RGB" (default), "L" (grayscale) or "RGBA", or with
// "native" keeps what each file holds, as Ray's mode=None does: 1 channel for gray, 2 for
// gray with alpha, 3 or 4 for colour, and uint16 samples for 16-bit PNG and TIFF files
// (vision.ModeNative). One column holds one element type: a block whose files mix 8- and
// 16-bit samples fails naming two of them, so read such files separately. ImageSize is
// not supported with "native" for 16-bit and gray+alpha files.
func ImageMode(mode string) Option {
	return opt("ImageMode", func(c *config) error {
		c.imageNative = false
		switch mode {
		case "native":
			c.imageMode, c.imageNative = vision.ModeNative, true
		case "RGB":
			c.imageMode = vision.ModeRGB
		case "L":
			c.imageMode = vision.ModeL
		case "RGBA":
			c.imageMode = vision.ModeRGBA
		default:
			return fmt.Errorf("ImageMode(%q): want RGB, L, RGBA or native", mode)
		}
		return nil
	})
}

// Partitioning names the directories between an input directory and its files: with
// Partitioning("label"), root/cat/1.jpg gets label "cat" (the ImageFolder layout).
func Partitioning(fields ...string) Option {
	return opt("Partitioning", func(c *config) error {
		if len(fields) == 0 {
			return fmt.Errorf("Partitioning(): name at least one field")
		}
		c.partitions = fields
		return nil
	})
}

// ImageReducingGap sets how far JPEG decoding with ImageSize scales down inside the DCT
// before the exact resize: as far as the decoded image stays at least gap times the
// target size. The default, 1, is the rule of PIL's Image.draft (12 MP photos to 224: 0.43
// levels from a full decode on average); 2 is PIL's thumbnail default (0.17 levels, about
// 25% slower on those photos); a negative gap decodes at full size, as Ray Data does. See
// vision.DecodeOptions.ReducingGap; go run ./bench/cmd/scalediff measures the differences.
func ImageReducingGap(gap int) Option {
	return opt("ImageReducingGap", func(c *config) error { c.imageGap = gap; return nil })
}

// ImageApplyOrientation turns every image upright by its EXIF orientation (JPEG, PNG,
// WebP) before the resize, as PIL's ImageOps.exif_transpose does. Ray Data and PIL do not
// by default, and neither does ReadImages; TIFF files are turned by their orientation tag
// either way, as PIL's TIFF plugin does. See vision.DecodeOptions.ApplyOrientation.
func ImageApplyOrientation() Option {
	return opt("ImageApplyOrientation", func(c *config) error { c.imageOrient = true; return nil })
}

// Shuffle reads files in an order shuffled with seed (Ray's shuffle="files"); the listing
// finishes before the first file is read.
func Shuffle(seed uint64) Option {
	return opt("Shuffle", func(c *config) error { c.fileShuffle, c.fileSeed = true, seed; return nil })
}

// A read task decodes up to imagesPerTask files, or files totalling imageBytesPerTask, into
// one block. 64 small images make a block that holds a whole batch of the usual sizes, so
// batches are zero-copy slices of it (joining blocks cost about 6% of the CPU samples at 16
// per block: `go test -tags libjpeg ./bench -run '^$' -bench 'BenchmarkReadImages224$'
// -cpuprofile`; no throughput change beyond the run-to-run noise). The byte cap keeps large photos spread over every core: 64 photos of
// 2 MB in one task once put a whole corpus of 40 on one core.
const (
	imagesPerTask     = 64
	imageBytesPerTask = 8 << 20
)

// ReadImages reads image files into a column "image" of HWC uint8 tensors: fixed-shape when a
// size is given (or all images of a block share one), variable-shape otherwise, never an
// error for mixed sizes. Files are decoded while later ones are still being listed. A file
// that cannot be decoded fails the run naming the file; with Context.MaxErroredBlocks set,
// each file is its own task so a bad one is skipped and listed in Stats. Options: ImageSize,
// ImageMode, Partitioning, Shuffle, IncludePaths, IgnoreMissingPaths, FileExtensions
// (default ImageExtensions), ImageApplyOrientation, ReadIncomplete.
func ReadImages[P PathList](paths P, opts ...Option) *Dataset {
	roots := pathsOf(paths)
	c, err := parseOptions("ReadImages", opts, "ImageSize", "ImageMode", "ImageReducingGap", "ImageApplyOrientation", "Partitioning", "HivePartitioning", "Shuffle", "IncludePaths", "IgnoreMissingPaths", "FileExtensions", "ReadIncomplete", "MaxRetries", "RetryIf")
	if err == nil && len(roots) == 0 {
		err = fmt.Errorf("sluice: ReadImages: no paths given")
	}
	src := &imageSource{roots: roots, st: read.Default()}
	if err == nil {
		src.cfg = *c
		exts := c.extensions
		if exts == nil {
			exts = ImageExtensions
		}
		src.list = read.ListOptions{Extensions: exts, IgnoreMissing: c.ignoreMiss, Incomplete: c.incomplete}
		if src.cfg.imageMode == 0 && !src.cfg.imageNative {
			src.cfg.imageMode = vision.ModeRGB
		}
	}
	return newDataset(&logicalOp{kind: opRead, name: "ReadImages", src: src, retry: c.readRetryPolicy(roots)}, err)
}

type imageSource struct {
	roots []string
	st    read.Storage
	list  read.ListOptions
	cfg   config
}

func (s *imageSource) name() string { return "ReadImages" }
func (s *imageSource) describe() string {
	d := strings.Join(s.roots, ", ")
	if s.cfg.imageH > 0 {
		d += fmt.Sprintf(" size=%dx%d", s.cfg.imageH, s.cfg.imageW)
	}
	return d
}

func (s *imageSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		roots, err := resolvePaths(ctx, s.roots)
		if err != nil {
			return err
		}
		per := imagesPerTask
		if p.limit > 0 && p.limit < int64(per) {
			per = int(p.limit)
		}
		if p.oneFilePerTask {
			per = 1
		}
		var group []read.File
		var groupBytes int64
		flush := func() error {
			if len(group) == 0 {
				return nil
			}
			files := group
			group, groupBytes = nil, 0
			origin := files[0].Path
			if len(files) > 1 {
				origin = fmt.Sprintf("%s and %d more", files[0].Path, len(files)-1)
			}
			return yield(streaming.Input{Origin: origin, Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				return s.decode(ctx, tc.Mem, files, roots, emit)
			}})
		}
		add := func(f read.File) error {
			group = append(group, f)
			groupBytes += f.Size
			if len(group) >= per || groupBytes >= imageBytesPerTask {
				return flush()
			}
			return nil
		}
		if s.cfg.fileShuffle {
			var all []read.File
			if err := read.ListFiles(ctx, s.st, roots, s.list, func(f read.File) error { all = append(all, f); return nil }); err != nil {
				return err
			}
			rand.New(rand.NewPCG(s.cfg.fileSeed, 0)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			for _, f := range all {
				if err := add(f); err != nil {
					return err
				}
			}
			return flush()
		}
		if err := read.ListFiles(ctx, s.st, roots, s.list, add); err != nil {
			return err
		}
		return flush()
	}
}

// decode reads and decodes one group of files into one block.
func (s *imageSource) decode(ctx context.Context, mem memory.Allocator, files []read.File, roots []string, emit streaming.Emit) error {
	h, w, ch := s.cfg.imageH, s.cfg.imageW, s.cfg.imageMode.Channels()
	var fixed *memory.Buffer // decode straight into the tensor buffer when the size is known
	if h > 0 && ch > 0 {
		fixed = memory.NewResizableBuffer(mem)
		fixed.Resize(len(files) * h * w * ch)
		defer func() {
			if fixed != nil {
				fixed.Release()
			}
		}()
	}
	var imgs []tensor.Tensor
	buf := getFileBuf()
	defer func() { putFileBuf(buf) }()
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := readAll(ctx, s.st, f, buf)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		buf = data[:0]
		opts := vision.DecodeOptions{Mode: s.cfg.imageMode, H: h, W: w, ReducingGap: s.cfg.imageGap, ApplyOrientation: s.cfg.imageOrient}
		if fixed != nil {
			opts.Dst = fixed.Bytes()[i*h*w*ch : (i+1)*h*w*ch]
		}
		img, err := vision.DecodeBytes(data, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		if fixed == nil {
			var t tensor.Tensor
			if img.Depth == 16 {
				t = tensor.New(uint16s(img.Pix), img.H, img.W, img.C).Tensor()
			} else {
				t = tensor.New(img.Pix, img.H, img.W, img.C).Tensor()
			}
			if len(imgs) > 0 && !arrow.TypeEqual(imgs[0].DType, t.DType) {
				return fmt.Errorf("%s is %v and %s is %v: ImageMode(\"native\") keeps each file's depth, and a column holds one type; read 8- and 16-bit files separately or pick a mode",
					files[0].Path, imgs[0].DType, f.Path, t.DType)
			}
			imgs = append(imgs, t)
		}
	}
	var col arrow.Array
	var err error
	if fixed != nil {
		buf := fixed
		fixed = nil
		col, err = tensor.NewFixedFromBuffer(arrow.PrimitiveTypes.Uint8, []int{h, w, ch}, len(files), buf)
	} else {
		col, err = tensor.Stack(mem, imgs)
	}
	if err != nil {
		return err
	}
	fields := []arrow.Field{{Name: "image", Type: col.DataType()}}
	cols := []arrow.Array{col}
	extra := func(name string, value func(f read.File) string) {
		b := array.NewStringBuilder(mem)
		for _, f := range files {
			b.Append(value(f))
		}
		fields = append(fields, arrow.Field{Name: name, Type: arrow.BinaryTypes.String})
		cols = append(cols, b.NewArray())
		b.Release()
	}
	parts := partitioning{names: s.cfg.partitions, hive: s.cfg.hive}
	if parts.on() && len(files) > 0 {
		names, _ := parts.values(roots, files[0].Path)
		for i, name := range names {
			extra(name, func(f read.File) string {
				if n, v := parts.values(roots, f.Path); i < len(v) && n[i] == name {
					return v[i]
				}
				return "" // a file whose directories do not have this partition
			})
		}
	}
	if s.cfg.includePaths {
		extra("path", func(f read.File) string { return f.Path })
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(files)))
	for _, c := range cols {
		c.Release()
	}
	return emit(rec)
}

// uint16s copies a 16-bit image's little-endian samples into a []uint16.
func uint16s(pix []byte) []uint16 {
	out := make([]uint16, len(pix)/2)
	for i := range out {
		out[i] = uint16(pix[2*i]) | uint16(pix[2*i+1])<<8
	}
	return out
}

// readAll reads a whole file through the storage layer into buf's memory, grown to the
// listed size plus one spare byte (which tells a file that grew since listing) when that is
// larger, and returns the file's bytes; they alias buf or its replacement.
func readAll(ctx context.Context, st read.Storage, f read.File, buf []byte) ([]byte, error) {
	r, err := st.Open(ctx, f.Path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if need := int(f.Size) + 1; cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// fileBufs recycles the encoded-file buffers of ReadImages' tasks: one per task, grown to
// its largest file. On large photos a fresh 4 MB buffer per file cost its page faults
// and zeroing; the decoders do not retain the bytes.
var fileBufs sync.Pool

const maxPooledFileBuf = 64 << 20

func getFileBuf() []byte {
	if p, ok := fileBufs.Get().(*[]byte); ok {
		return *p
	}
	return nil
}

func putFileBuf(b []byte) {
	if cap(b) > 0 && cap(b) <= maxPooledFileBuf {
		fileBufs.Put(&b)
	}
}
