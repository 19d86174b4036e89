package storage

import (
	"context"
	"fmt"
	"io"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
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
	// blocks of at most maxBlockBytes they stay under 64 MiB (16 MiB by default).
	cachedBlocks  = 4
	maxBlockBytes = 16 << 20
	// splitBytes is the part size above which one ReadAt bypasses the blocks and is fetched
	// as parallel range requests, at most splitParallel at a time: one HTTP stream rarely
	// fills a link.
	splitBytes    = 8 << 20
	splitParallel = 4
	// progressBytes is the step in which a fetch hands bytes over: a reader waiting for the
	// front of a block copies it as soon as it has arrived, not when the whole block has.
	progressBytes = 256 << 10
)

// RangeReader gives random access to one object through range requests. ReadAt may be called
// concurrently. The caller of OpenRange must Close it.
type RangeReader interface {
	io.ReaderAt
	io.Closer
	// Size is the object's length in bytes.
	Size() int64
	// Prefetch declares the spans the caller will read next, in the order it expects to
	// read them, so they are fetched in the background (see OpenRange). Each call replaces
	// the previous declaration: bytes kept for spans not declared again are let go. It
	// never blocks on the network and may be called at any time, concurrently with ReadAt;
	// after Close it does nothing.
	Prefetch(spans []Span)
}

// OpenRange opens the object at p for random access, as Parquet needs. It learns the size and
// fetches the last 64 KiB (the footer) at once, so a Parquet reader's first reads cost no
// further request: one suffix range request where the driver supports it (S3, see
// RegisterTailRequest), else a metadata request and a range request. Later reads are served,
// in this order, from:
//   - the pieces of the spans declared by Prefetch (see prefetch.go): spans less than 1 MiB
//     apart are coalesced into pieces of at most 16 MiB, each one request, fetched in the
//     background in the declared order, two at a time, while piece buffers hold at most
//     32 MiB; a piece is let go once every declared byte in it has been read, or when a
//     later Prefetch no longer declares it;
//   - otherwise blocks of f.ReadAhead bytes: a read that misses fetches the block starting at
//     its offset (or the read alone, if larger), so nearby reads share one request and
//     concurrent readers of a block wait for the same request; a read reaching the second
//     half of a block starts fetching the next block in the background, so a forward scan
//     overlaps requests with decoding. Blocks end where a declared piece starts and are not
//     prefetched over one, so the two do not fetch the same bytes;
//   - a read of 8 MiB or more that no piece holds bypasses the blocks and is split into
//     parallel range requests.
//
// A reader waiting for a block or piece on the way copies its bytes as they arrive, in steps
// of 256 KiB, rather than when the whole request has ended.
//
// Memory is bounded: at most 4 blocks are kept, and the background fetches start no piece
// that would take the piece buffers past 32 MiB (a buffer counts until its piece is let go and
// its fetch has ended); a ReadAt that reaches a piece not yet started fetches it itself, which
// can add one 16 MiB buffer per concurrent caller. So an open reader with one caller holds at
// most 4*ReadAhead + 48 MiB besides the footer: 64 MiB with the default 4 MiB blocks. Piece
// buffers are recycled between readers: up to 32 MiB of them stay allocated, process-wide,
// while no reader uses them (see idlePieceBytes). A read that jumps far away wastes at most the
// rest of one block and one prefetched block.
//
// Every request is retried per f.Retry (a cut body resumes where it stopped) and uses ctx, so
// cancelling ctx fails later ReadAt calls; Close stops the background fetches and waits for
// them. A missing object gives an error satisfying errors.Is(err, fs.ErrNotExist).
func (f *FS) OpenRange(ctx context.Context, p string) (RangeReader, error) {
	b, l, err := f.open(ctx, p)
	if err != nil {
		return nil, err
	}
	ahead := f.ReadAhead
	if ahead == 0 {
		ahead = DefaultReadAhead
	}
	size, tail, ok, err := f.fetchTail(ctx, b, l)
	if err != nil {
		return nil, err
	}
	if !ok {
		var attrs *blob.Attributes
		err = f.Retry.Do(ctx, func() (err error) {
			attrs, err = b.Attributes(ctx, l.key)
			return err
		})
		if err != nil {
			return nil, wrapErr("open", l, err)
		}
		size = attrs.Size
	}
	r := &rangeReader{fs: f, b: b, l: l, size: size, block: min(max(ahead, 0), maxBlockBytes)}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if !ok && size > 0 {
		tail = make([]byte, min(size, footerBytes))
		if err := r.fetch(tail, size-int64(len(tail)), nil); err != nil {
			r.cancel()
			return nil, err
		}
	}
	r.footer = newBlock(size-int64(len(tail)), int64(len(tail)), tail)
	r.footer.filled, r.footer.ended = r.footer.n, true
	return r, nil
}

// fetchTail fetches the object's size and its last footerBytes (all of it, if smaller) with
// one request, when the driver of its scheme registered a TailRequest. ok is false when it did
// not, or when the request failed for any reason but a missing object (an empty object, a
// server without suffix ranges), or when the server answered with the whole object: the
// caller then asks for the size and the tail separately.
func (f *FS) fetchTail(ctx context.Context, b *blob.Bucket, l location) (size int64, tail []byte, ok bool, err error) {
	req := tailRequest(l.scheme)
	if req == nil {
		return 0, nil, false, nil
	}
	err = f.Retry.Do(ctx, func() error {
		rd, err := b.NewRangeReader(ctx, l.key, 0, -1, req(footerBytes))
		if err != nil {
			return err
		}
		defer rd.Close()
		size = rd.Size()
		buf := make([]byte, min(size, footerBytes))
		if _, err := io.ReadFull(rd, buf); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		// A server that ignores the range sends the whole object, whose front is no tail.
		if k, _ := rd.Read(make([]byte, 1)); k == 0 {
			tail, ok = buf, true
		}
		return nil
	})
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
		return 0, nil, false, wrapErr("open", l, err)
	case err != nil || !ok:
		return 0, nil, false, nil
	}
	return size, tail, true, nil
}

// block is the byte range [off, off+n) of the object, fetched or being fetched into data from
// its front; readers wait for the bytes they need with wait.
type block struct {
	off, n  int64
	planned bool // declared through Prefetch (prefetch.go)

	mu     sync.Mutex
	cond   sync.Cond // on mu: broadcast as bytes arrive and when the fetch ends
	data   []byte    // n bytes; nil while a planned block is queued and after it is recycled
	filled int64     // bytes at the front of data fetched so far
	ended  bool      // the fetch has ended, with err if it failed
	err    error

	// For planned blocks only, guarded by rangeReader.mu.
	queued    bool    // not started: no data yet
	listed    bool    // in rangeReader.planned
	refs      int     // the background fetch and the readers between blockAt and their copy
	want, got int64   // declared bytes inside the block, bytes copied out of it
	buf       *[]byte // data's buffer, from piecePool
}

func newBlock(off, n int64, data []byte) *block {
	b := &block{off: off, n: n, data: data}
	b.cond.L = &b.mu
	return b
}

func (b *block) end() int64 { return b.off + b.n }

// progress records that the first filled bytes of data have arrived.
func (b *block) progress(filled int64) {
	b.mu.Lock()
	b.filled = filled
	b.mu.Unlock()
	b.cond.Broadcast()
}

// finish records the end of the fetch.
func (b *block) finish(err error) {
	b.mu.Lock()
	b.ended, b.err = true, err
	b.mu.Unlock()
	b.cond.Broadcast()
}

// wait blocks until the first k bytes of data have arrived, or returns the error that ended
// the fetch before. Fetches use the reader's context, so a cancelled reader ends them.
func (b *block) wait(k int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.filled < k && !b.ended {
		b.cond.Wait()
	}
	if b.filled >= k {
		return nil
	}
	if b.err == nil {
		return io.ErrUnexpectedEOF // cannot happen: a fetch that succeeds fills its block
	}
	return b.err
}

type rangeReader struct {
	ctx    context.Context // cancelled by Close, which stops prefetches
	cancel context.CancelFunc
	fs     *FS
	b      *blob.Bucket
	l      location
	size   int64
	block  int64 // block size; 0 disables blocks

	footer *block // complete and immutable after OpenRange; empty at size when there is none

	mu       sync.Mutex
	blocks   []*block // most recently used last, at most cachedBlocks
	planned  []*block // declared by Prefetch, in the declared order (prefetch.go)
	held     int64    // bytes of the buffers of planned blocks, until recycled
	running  int      // background fetches of planned blocks
	closed   bool
	prefetch sync.WaitGroup
}

var _ RangeReader = (*rangeReader)(nil)

func (r *rangeReader) Size() int64 { return r.size }

// Close stops the background fetches and waits for them; ReadAt fails afterwards.
func (r *rangeReader) Close() error {
	r.mu.Lock()
	r.closed = true
	for _, b := range r.planned {
		b.listed = false // a running fetch recycles its buffer when it ends
	}
	r.blocks, r.planned, r.held = nil, nil, 0
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
	if off >= r.footer.off {
		copy(p, r.footer.data[off-r.footer.off:])
		return int(n), eof
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return 0, fmt.Errorf("sluice: storage: read %s: reader closed", r.l)
	}
	if err := r.fill(p, off); err != nil {
		return 0, err
	}
	return int(n), eof
}

// fill copies [off, off+len(p)) into p from the footer, the planned blocks and the blocks,
// fetching what is missing.
func (r *rangeReader) fill(p []byte, off int64) error {
	for len(p) > 0 {
		b, mine, direct := r.blockAt(off, int64(len(p)))
		if b == nil {
			if err := r.fetch(p[:direct], off, nil); err != nil {
				return err
			}
			p, off = p[direct:], off+direct
			continue
		}
		if mine {
			r.fetchBlock(b)
		}
		end := min(off+int64(len(p)), b.end())
		err := b.wait(end - b.off)
		if err != nil {
			r.forget(b)
			if mine {
				return err
			}
			continue // a failed prefetch: fetch again, with this caller's retries
		}
		k := copy(p, b.data[off-b.off:end-b.off])
		if b.planned {
			r.consumed(b, int64(k))
		} else if 2*(end-b.off) > b.n {
			r.prefetchAfter(b)
		}
		p, off = p[k:], end
	}
	return nil
}

// blockAt finds where the bytes from off come from: the footer, the planned block or the
// block holding off (marked recently used), or, when none does, a new block of at least n
// bytes from off. mine = true means the caller must fetch b and then finish it (a new block,
// or a queued planned block that the caller starts). A planned block is returned with a
// reference the caller gives back through consumed or forget. When blocks are off or the read
// is large, blockAt returns b = nil and the number of bytes from off, up to the next planned
// block, to fetch directly.
func (r *rangeReader) blockAt(off, n int64) (b *block, mine bool, direct int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if off >= r.footer.off {
		return r.footer, false, 0
	}
	if b := r.findPlanned(off); b != nil {
		b.refs++
		if b.queued {
			r.start(b)
			return b, true, 0
		}
		return b, false, 0
	}
	next := r.nextPlanned(off)
	n = min(n, next-off)
	if r.block == 0 || n >= splitBytes {
		return nil, false, n
	}
	if b := r.find(off); b != nil {
		return b, false, 0
	}
	n = min(max(r.block, n), next-off)
	b = newBlock(off, n, make([]byte, n))
	r.insert(b)
	return b, true, 0
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

// forget drops b, whose fetch failed, giving back the caller's reference to a planned block.
func (r *rangeReader) forget(b *block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b.planned {
		b.refs--
		r.unplan(b)
		r.recycle(b)
		return
	}
	for i, c := range r.blocks {
		if c == b {
			r.blocks = append(r.blocks[:i], r.blocks[i+1:]...)
			return
		}
	}
}

// prefetchAfter starts fetching the block that follows b, unless it is cached, on the way,
// declared through Prefetch, or inside the footer.
func (r *rangeReader) prefetchAfter(b *block) {
	off := b.end()
	if off >= r.footer.off {
		return
	}
	r.mu.Lock()
	if r.closed || r.find(off) != nil || r.findPlanned(off) != nil {
		r.mu.Unlock()
		return
	}
	n := min(r.block, r.nextPlanned(off)-off)
	next := newBlock(off, n, make([]byte, n))
	r.insert(next)
	r.prefetch.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.prefetch.Done()
		r.fetchBlock(next)
	}()
}

// fetchBlock fetches b and finishes it. A planned block is one request however large, so that
// its readers get its front while the rest arrives: a split read hands over nothing until all
// its parts have ended.
func (r *rangeReader) fetchBlock(b *block) {
	if b.planned {
		b.finish(r.fetchOne(b.data, b.off, b.progress))
		return
	}
	b.finish(r.fetch(b.data, b.off, b.progress))
}

// fetch fills p from off, which the caller has checked lies within the object, splitting
// large reads into parallel requests. progress, if not nil, is called with the number of
// bytes at the front of p that have arrived, as they do (for a split read: once, at the end).
func (r *rangeReader) fetch(p []byte, off int64, progress func(int64)) error {
	if len(p) <= splitBytes {
		return r.fetchOne(p, off, progress)
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
			if err := r.fetchOne(part, at, nil); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first == nil && progress != nil {
		progress(int64(len(p)))
	}
	return first
}

// fetchOne fills p from off with one range request, calling progress (if not nil) every
// progressBytes. A retry asks only for the bytes not yet received.
func (r *rangeReader) fetchOne(p []byte, off int64, progress func(int64)) error {
	got := 0
	err := r.fs.Retry.Do(r.ctx, func() error {
		rd, err := r.b.NewRangeReader(r.ctx, r.l.key, off+int64(got), int64(len(p)-got), nil)
		if err != nil {
			return err
		}
		defer rd.Close()
		for got < len(p) {
			k, err := io.ReadFull(rd, p[got:min(got+progressBytes, len(p))])
			got += k
			if k > 0 && progress != nil {
				progress(int64(got))
			}
			if err == io.EOF {
				return io.ErrUnexpectedEOF // the object is known to be longer: a cut connection
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("read [%d,%d) of", off, off+int64(len(p))), r.l, err)
	}
	return nil
}
