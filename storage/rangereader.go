package storage

import (
	"context"
	"fmt"
	"io"
	"sync"

	"gocloud.dev/blob"
)

// DefaultReadAhead is the default FS.ReadAhead, the size of the blocks a RangeReader fetches.
// Measured with BenchmarkS3ParquetRead (32 MB file, versitygw on loopback, 2 cores): 1 MiB
// blocks read at about 200 MB/s, because each 1 MiB buffered column read of the Parquet reader
// and its small remainder became two requests; no blocks at all about 260 MB/s; 4 MiB blocks
// about 380 MB/s; 8 and 16 MiB no clearly better, and memory grows with the block.
const DefaultReadAhead = 4 << 20

const (
	// footerBytes is how much of the file's end OpenRange fetches up front: Parquet readers
	// start with the last 8 bytes and then the footer, which is usually smaller than this.
	footerBytes = 64 << 10
	// cachedBlocks bounds how many fetched or prefetching blocks one RangeReader keeps; with
	// blocks of at most maxBlockBytes its buffers stay under 64 MiB (16 MiB by default) plus
	// the footer.
	cachedBlocks  = 4
	maxBlockBytes = 16 << 20
	// splitBytes is the part size above which one ReadAt bypasses the blocks and is fetched
	// as parallel range requests, at most splitParallel at a time: one HTTP stream rarely
	// fills a link.
	splitBytes    = 8 << 20
	splitParallel = 4
)

// RangeReader gives random access to one object through range requests. ReadAt may be called
// concurrently. The caller of OpenRange must Close it.
type RangeReader interface {
	io.ReaderAt
	io.Closer
	// Size is the object's length in bytes.
	Size() int64
}

// OpenRange opens the object at p for random access, as Parquet needs. It learns the size and
// fetches the last 64 KiB (the footer) at once, two requests in all, so a Parquet reader's
// first reads cost no further request. Later reads go through blocks of f.ReadAhead bytes:
//   - a read that misses fetches the block starting at its offset (or the read alone, if
//     larger), so nearby reads (the column chunks of a row group, page headers) share one
//     request; concurrent readers of a block wait for the same request;
//   - a read reaching the second half of a block starts fetching the next block in the
//     background, so a forward scan overlaps requests with decoding;
//   - a read of 8 MiB or more bypasses the blocks and is split into parallel range requests.
//
// At most 4 blocks are kept, so a reader holds at most 4 * ReadAhead bytes besides the footer;
// a read that jumps far away wastes at most the rest of one block and one prefetched block.
// Every request is retried per f.Retry and uses ctx, so cancelling ctx fails later ReadAt
// calls; Close stops prefetching and waits for it. A missing object gives an error satisfying
// errors.Is(err, fs.ErrNotExist).
func (f *FS) OpenRange(ctx context.Context, p string) (RangeReader, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return nil, err
	}
	ahead := f.ReadAhead
	if ahead == 0 {
		ahead = DefaultReadAhead
	}
	var attrs *blob.Attributes
	err = f.Retry.Do(ctx, func() (err error) {
		attrs, err = b.Attributes(ctx, l.key)
		return err
	})
	if err != nil {
		return nil, wrapErr("open", l, err)
	}
	r := &rangeReader{fs: f, b: b, l: l, size: attrs.Size, block: min(max(ahead, 0), maxBlockBytes)}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if tail := min(r.size, footerBytes); tail > 0 {
		buf := make([]byte, tail)
		if err := r.fetch(buf, r.size-tail); err != nil {
			r.cancel()
			return nil, err
		}
		r.footer = block{off: r.size - tail, data: buf}
	}
	return r, nil
}

// block is a byte range of the object, fetched or being fetched: data and err may be read
// only after done is closed (the footer has no done: it is complete before use).
type block struct {
	off  int64
	data []byte
	done chan struct{}
	err  error
}

func (b *block) end() int64 { return b.off + int64(len(b.data)) }

type rangeReader struct {
	ctx    context.Context // cancelled by Close, which stops prefetches
	cancel context.CancelFunc
	fs     *FS
	b      *blob.Bucket
	l      location
	size   int64
	block  int64 // block size; 0 disables blocks

	footer block // immutable after OpenRange

	mu       sync.Mutex
	blocks   []*block // most recently used last, at most cachedBlocks
	closed   bool
	prefetch sync.WaitGroup
}

var _ RangeReader = (*rangeReader)(nil)

func (r *rangeReader) Size() int64 { return r.size }

// Close stops the prefetches and waits for them; ReadAt fails afterwards.
func (r *rangeReader) Close() error {
	r.mu.Lock()
	r.closed = true
	r.blocks = nil
	r.mu.Unlock()
	r.cancel()
	r.prefetch.Wait()
	return nil
}

// ReadAt follows io.ReaderAt: it returns len(p) bytes, or fewer with io.EOF at the end.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("sluice: storage: read %s: negative offset %d", r.l, off)
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n, eof := int64(len(p)), error(nil)
	if off+n > r.size {
		n, eof = r.size-off, io.EOF
	}
	p = p[:n]
	if off >= r.footer.off && off+n <= r.footer.end() {
		copy(p, r.footer.data[off-r.footer.off:])
		return int(n), eof
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return 0, fmt.Errorf("sluice: storage: read %s: reader closed", r.l)
	}
	var err error
	if r.block == 0 || n >= splitBytes {
		err = r.fetch(p, off)
	} else {
		err = r.fill(p, off)
	}
	if err != nil {
		return 0, err
	}
	return int(n), eof
}

// fill copies [off, off+len(p)) into p through the blocks, fetching the missing ones.
func (r *rangeReader) fill(p []byte, off int64) error {
	for len(p) > 0 {
		b, mine := r.blockAt(off, int64(len(p)))
		if mine {
			b.err = r.fetch(b.data, b.off)
			close(b.done)
		}
		select {
		case <-b.done:
		case <-r.ctx.Done():
			return wrapErr("read", r.l, r.ctx.Err())
		}
		if b.err != nil {
			r.drop(b)
			if mine {
				return b.err
			}
			continue // a failed prefetch: fetch again, with this caller's retries
		}
		k := copy(p, b.data[off-b.off:])
		if 2*(off+int64(k)-b.off) > int64(len(b.data)) {
			r.prefetchAfter(b)
		}
		p, off = p[k:], off+int64(k)
	}
	return nil
}

// blockAt returns the block holding off, marking it recently used. When there is none it
// inserts a new pending block from off, at least n bytes long, and returns mine = true: the
// caller must fetch it and then close its done channel.
func (r *rangeReader) blockAt(off, n int64) (b *block, mine bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.find(off); b != nil {
		return b, false
	}
	b = &block{off: off, data: make([]byte, min(max(r.block, n), r.size-off)), done: make(chan struct{})}
	r.insert(b)
	return b, true
}

// find returns the block holding off, moved to the most recently used place, or nil. r.mu
// must be held.
func (r *rangeReader) find(off int64) *block {
	for i, b := range r.blocks {
		if off >= b.off && off < b.end() {
			r.blocks = append(append(r.blocks[:i:i], r.blocks[i+1:]...), b)
			return b
		}
	}
	return nil
}

// insert adds b as the most recently used block, evicting the least recently used (whose
// waiters keep their pointer). r.mu must be held.
func (r *rangeReader) insert(b *block) {
	if r.closed {
		return
	}
	if len(r.blocks) == cachedBlocks {
		r.blocks = append(r.blocks[:0], r.blocks[1:]...)
	}
	r.blocks = append(r.blocks, b)
}

func (r *rangeReader) drop(b *block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.blocks {
		if c == b {
			r.blocks = append(r.blocks[:i], r.blocks[i+1:]...)
			return
		}
	}
}

// prefetchAfter starts fetching the block that follows b, unless it is cached, on the way, or
// inside the footer.
func (r *rangeReader) prefetchAfter(b *block) {
	off := b.end()
	if off >= r.size || r.footer.data != nil && off >= r.footer.off {
		return
	}
	r.mu.Lock()
	if r.closed || r.find(off) != nil {
		r.mu.Unlock()
		return
	}
	next := &block{off: off, data: make([]byte, min(r.block, r.size-off)), done: make(chan struct{})}
	r.insert(next)
	r.prefetch.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.prefetch.Done()
		next.err = r.fetch(next.data, next.off)
		close(next.done)
	}()
}

// fetch fills p from off, which the caller has checked lies within the object, splitting
// large reads into parallel requests.
func (r *rangeReader) fetch(p []byte, off int64) error {
	if len(p) <= splitBytes {
		return r.fetchOne(p, off)
	}
	// Parts run splitParallel at a time; the first error is returned once all have stopped.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		slots = make(chan struct{}, splitParallel)
	)
	for start := 0; start < len(p); start += splitBytes {
		part := p[start:min(start+splitBytes, len(p))]
		at := off + int64(start)
		slots <- struct{}{}
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			<-slots
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := r.fetchOne(part, at); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// fetchOne fills p from off with one range request, retried as a whole.
func (r *rangeReader) fetchOne(p []byte, off int64) error {
	err := r.fs.Retry.Do(r.ctx, func() error {
		rd, err := r.b.NewRangeReader(r.ctx, r.l.key, off, int64(len(p)), nil)
		if err != nil {
			return err
		}
		defer rd.Close()
		if _, err = io.ReadFull(rd, p); err == io.EOF {
			err = io.ErrUnexpectedEOF // the object is known to be longer: a cut connection
		}
		return err
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("read [%d,%d) of", off, off+int64(len(p))), r.l, err)
	}
	return nil
}
