package storage

import "sync"

// Declared reads: RangeReader.Prefetch. A reader that knows what it will read next (Parquet,
// from the footer's column chunk offsets) declares those spans; the range reader coalesces
// them into pieces and fetches them in the background, in order, within a memory bound, while
// the caller decodes what it read before.

const (
	// pieceBytes is the largest request a declaration is fetched with. Large, because the
	// request is what costs: versitygw on loopback spends about 1 ms of CPU per request
	// besides 0.25 ms per MiB, and on 2 cores that CPU is taken from decoding; a reader
	// need not wait for a whole piece, as bytes are handed over while they arrive. With
	// BenchmarkS3ParquetRead (7 MiB row groups) 16 MiB pieces read at 0.62-0.67 of local,
	// 8 MiB at 0.56-0.69 and 4 MiB at 0.55-0.60; 32 MiB was no better than 16. With the
	// whole 32 MB file declared at once as one 32 MiB piece (two requests per file, tail
	// included) it read about 3% faster (0.65-0.72 of local against 0.64-0.66); not taken, as
	// one stream per file would forgo the parallel requests a cloud link needs.
	pieceBytes = 16 << 20
	// holeBytes is the largest gap between two declared spans that one piece reads through
	// rather than making two requests: on a cloud link a request costs about as long as
	// transferring this much (tens of milliseconds at tens of MB/s).
	holeBytes = 1 << 20
	// planBytes bounds the buffers of started pieces one reader holds (see OpenRange), and
	// planParallel the pieces fetched at once in the background. More requests at once read
	// slower on 2 cores, because versitygw's time to first byte (about 1 ms alone) grows with
	// each request it serves at the same time: with BenchmarkS3ParquetRead, starting the first
	// row group as one request per column chunk read at 0.60-0.62 of local against 0.66 for
	// one piece, and declaring two row groups ahead (two requests at open) 0.61-0.65 against
	// 0.67-0.68. The reader waits about 3.5 ms per 32 MB file, nearly all of it for the first
	// piece: its time to first byte and the 6 MB before the first page of the last column.
	planBytes    = 32 << 20
	planParallel = 2
)

// Span is the byte range [Off, Off+Len) of an object.
type Span struct {
	Off, Len int64
}

// Prefetch declares spans that will be read next, in order (see RangeReader). Spans are
// clipped to the object; the footer fetched at open is never fetched again. Pieces already
// started that overlap a declared span are kept, with what has been read of them; every
// other piece is let go.
func (r *rangeReader) Prefetch(spans []Span) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	var kept []*block
	for _, b := range r.planned {
		if !b.queued && overlaps(b, spans) {
			kept = append(kept, b)
			continue
		}
		b.listed = false
		r.recycle(b) // or its fetch or last reader will
	}
	r.planned = append(kept, r.pieces(spans, kept)...)
	r.pump()
}

// overlaps reports whether b overlaps one of spans.
func overlaps(b *block, spans []Span) bool {
	for _, s := range spans {
		if s.Off < b.end() && s.Off+s.Len > b.off {
			return true
		}
	}
	return false
}

// pieces turns spans into queued planned blocks. Each span is clipped to the object before
// the footer, and the parts that kept blocks or earlier new pieces hold are cut out (bytes a
// new piece holds count as declared in it once more). What is left joins the last piece when
// it starts at most holeBytes after it, no other block holds the gap, and the piece stays
// within pieceBytes; otherwise it is cut into new pieces of at most pieceBytes.
func (r *rangeReader) pieces(spans []Span, kept []*block) []*block {
	var out []*block
	for _, s := range spans {
		from, to := max(s.Off, 0), min(s.Off+max(s.Len, 0), r.footer.off)
		if from >= to {
			continue
		}
		for _, b := range out {
			if in := min(to, b.end()) - max(from, b.off); in > 0 {
				b.want = min(b.want+in, b.n)
			}
		}
		for _, part := range uncovered(from, to, kept, out) {
			for from, to := part.Off, part.Off+part.Len; from < to; {
				if k := len(out); k > 0 {
					cur := out[k-1]
					gap := from - cur.end()
					if gap >= 0 && gap <= holeBytes && !holds(kept, cur.end(), from) && !holds(out, cur.end(), from) {
						if end := min(to, cur.off+pieceBytes); end > from {
							cur.want += end - from
							cur.n = end - cur.off
							from = end
							continue
						}
					}
				}
				b := newBlock(from, min(to-from, pieceBytes), nil)
				b.planned, b.queued, b.listed, b.want = true, true, true, b.n
				out = append(out, b)
				from = b.end()
			}
		}
	}
	return out
}

// uncovered returns the parts of [from, to) that no block of the lists holds, in order.
func uncovered(from, to int64, lists ...[]*block) []Span {
	parts := []Span{{from, to - from}}
	for _, list := range lists {
		for _, b := range list {
			var next []Span
			for _, p := range parts {
				if b.off >= p.Off+p.Len || b.end() <= p.Off {
					next = append(next, p)
					continue
				}
				if b.off > p.Off {
					next = append(next, Span{p.Off, b.off - p.Off})
				}
				if b.end() < p.Off+p.Len {
					next = append(next, Span{b.end(), p.Off + p.Len - b.end()})
				}
			}
			parts = next
		}
	}
	return parts
}

// holds reports whether a block of list holds a byte of [from, to).
func holds(list []*block, from, to int64) bool {
	for _, b := range list {
		if b.off < to && b.end() > from {
			return true
		}
	}
	return false
}

// findPlanned returns the planned block holding off, started or queued, or nil. r.mu must
// be held.
func (r *rangeReader) findPlanned(off int64) *block {
	for _, b := range r.planned {
		if off >= b.off && off < b.end() {
			return b
		}
	}
	return nil
}

// nextPlanned returns where the first planned block after off starts, or the footer's start.
// r.mu must be held.
func (r *rangeReader) nextPlanned(off int64) int64 {
	next := r.footer.off
	for _, b := range r.planned {
		if b.off > off && b.off < next {
			next = b.off
		}
	}
	return next
}

// start gives the queued planned block b a buffer and counts it as held. r.mu must be held.
func (r *rangeReader) start(b *block) {
	b.queued = false
	b.buf = getPiece(b.n)
	b.data = (*b.buf)[:b.n]
	r.held += int64(cap(*b.buf))
}

// pump starts background fetches of queued planned blocks, in the declared order, while
// fewer than planParallel run and the held bytes stay within planBytes. r.mu must be held.
func (r *rangeReader) pump() {
	for r.running < planParallel && !r.closed {
		var b *block
		for _, c := range r.planned {
			if c.queued {
				b = c
				break
			}
		}
		if b == nil || r.held > 0 && r.held+pieceCap(b.n) > planBytes {
			return
		}
		r.start(b)
		b.refs++
		r.running++
		r.prefetch.Add(1)
		go func() {
			defer r.prefetch.Done()
			r.fetchBlock(b)
			r.mu.Lock()
			defer r.mu.Unlock()
			r.running--
			b.refs--
			r.recycle(b)
			r.pump()
		}()
	}
}

// consumed gives back a reader's reference to the planned block b after it copied k bytes
// out, and lets b go once every declared byte in it has been read.
func (r *rangeReader) consumed(b *block, k int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b.refs--
	b.got += k
	if b.got >= b.want {
		r.unplan(b)
	}
	r.recycle(b)
}

// unplan removes the planned block b, if still listed, and starts the next fetches. r.mu
// must be held.
func (r *rangeReader) unplan(b *block) {
	if !b.listed {
		return
	}
	b.listed = false
	for i, c := range r.planned {
		if c == b {
			r.planned = append(r.planned[:i:i], r.planned[i+1:]...)
			break
		}
	}
	r.recycle(b)
	r.pump()
}

// recycle lets the buffer of the planned block b go, and stops counting it as held, once
// nothing can touch it: b is no longer listed, its fetch has ended and no reader holds a
// reference. r.mu must be held.
func (r *rangeReader) recycle(b *block) {
	if b.listed || b.refs > 0 || b.buf == nil {
		return
	}
	r.held -= int64(cap(*b.buf))
	putPiece(b.buf)
	b.buf, b.data = nil, nil
}

// Piece buffers are recycled between pieces and readers, by size class: class i holds
// buffers of 1 MiB << i. A fresh buffer costs its zeroing, on the goroutine that declares or
// first reads the piece (usually the decoder's), and its garbage collection: about a tenth of
// the time to decode its bytes, 1.7 ms per 32 MB file with BenchmarkS3ParquetRead. A
// sync.Pool alone kept few of them, as every collection empties it and a reader's own Arrow
// buffers make collections frequent; so up to idlePieceBytes of returned buffers are kept in
// a free list that collections leave alone, the rest in the pools.
const idlePieceBytes = planBytes

var (
	piecePools [5]sync.Pool

	idlePieces struct {
		sync.Mutex
		free  [len(piecePools)][]*[]byte
		bytes int64
	}
)

// pieceClass returns the pool for buffers of at least n bytes, or -1 for n under 1 MiB or over
// the largest class.
func pieceClass(n int64) int {
	for i := range piecePools {
		if n <= 1<<20<<i {
			if n < 1<<20 {
				return -1
			}
			return i
		}
	}
	return -1
}

// pieceCap returns the capacity of the buffer getPiece returns for n bytes.
func pieceCap(n int64) int64 {
	if i := pieceClass(n); i >= 0 {
		return 1 << 20 << i
	}
	return n
}

// getPiece returns a buffer of at least n bytes.
func getPiece(n int64) *[]byte {
	i := pieceClass(n)
	if i < 0 {
		buf := make([]byte, n)
		return &buf
	}
	idlePieces.Lock()
	if free := idlePieces.free[i]; len(free) > 0 {
		buf := free[len(free)-1]
		idlePieces.free[i] = free[:len(free)-1]
		idlePieces.bytes -= int64(cap(*buf))
		idlePieces.Unlock()
		return buf
	}
	idlePieces.Unlock()
	if buf, ok := piecePools[i].Get().(*[]byte); ok {
		return buf
	}
	buf := make([]byte, 1<<20<<i)
	return &buf
}

// putPiece gives buf back to the free list, or to its pool when the list is full, if it came
// from one.
func putPiece(buf *[]byte) {
	i := pieceClass(int64(cap(*buf)))
	if i < 0 || cap(*buf) != 1<<20<<i {
		return
	}
	idlePieces.Lock()
	if idlePieces.bytes+int64(cap(*buf)) <= idlePieceBytes {
		idlePieces.free[i] = append(idlePieces.free[i], buf)
		idlePieces.bytes += int64(cap(*buf))
		idlePieces.Unlock()
		return
	}
	idlePieces.Unlock()
	piecePools[i].Put(buf)
}
