package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestPrefetchPieces(t *testing.T) {
	const size = 100 << 20
	const M = 1 << 20
	type piece struct{ off, n, want int64 }
	tests := []struct {
		name  string
		spans []Span
		kept  []Span
		want  []piece
	}{
		{"nothing", nil, nil, nil},
		{"adjacent spans coalesce", []Span{{0, M}, {M, M}, {2 * M, 100}},
			nil, []piece{{0, 2*M + 100, 2*M + 100}}},
		{"a small gap is read through", []Span{{0, M}, {M + holeBytes, M}},
			nil, []piece{{0, 2*M + holeBytes, 2 * M}}},
		{"a large gap makes two pieces", []Span{{0, M}, {M + holeBytes + 1, M}},
			nil, []piece{{0, M, M}, {M + holeBytes + 1, M, M}}},
		{"a large span is cut", []Span{{10, 2*pieceBytes + 5}},
			nil, []piece{{10, pieceBytes, pieceBytes}, {10 + pieceBytes, pieceBytes, pieceBytes}, {10 + 2*pieceBytes, 5, 5}}},
		{"a piece stops growing at pieceBytes", []Span{{0, pieceBytes - 10}, {pieceBytes - 10, 30}},
			nil, []piece{{0, pieceBytes, pieceBytes}, {pieceBytes, 20, 20}}},
		{"spans are clipped to the object before the footer", []Span{{-5, 10}, {size - 2*footerBytes, 2 * footerBytes}, {size + 5, 10}},
			nil, []piece{{0, 5, 5}, {size - 2*footerBytes, footerBytes, footerBytes}}},
		{"empty and negative spans declare nothing", []Span{{5, 0}, {7, -3}}, nil, nil},
		{"kept pieces are not fetched again", []Span{{0, 10 * M}},
			[]Span{{2 * M, M}}, []piece{{0, 2 * M, 2 * M}, {3 * M, 7 * M, 7 * M}}},
		{"a span the previous piece covers counts in it", []Span{{0, 2 * M}, {M, 2 * M}},
			nil, []piece{{0, 3 * M, 3 * M}}},
		{"declared twice is declared once", []Span{{0, M}, {0, M}},
			nil, []piece{{0, M, M}}},
		{"a span reaching over an earlier piece leaves it to that piece", []Span{{2 * M, M}, {0, 4 * M}},
			nil, []piece{{2 * M, M, M}, {0, 2 * M, 2 * M}, {3 * M, M, M}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &rangeReader{size: size, footer: newBlock(size-footerBytes, footerBytes, nil)}
			var kept []*block
			for _, s := range tt.kept {
				kept = append(kept, newBlock(s.Off, s.Len, nil))
			}
			var got []piece
			for _, b := range r.pieces(tt.spans, kept) {
				if !b.planned || !b.queued || !b.listed || b.data != nil {
					t.Errorf("piece %d+%d: planned %v queued %v listed %v data %v", b.off, b.n, b.planned, b.queued, b.listed, b.data != nil)
				}
				got = append(got, piece{b.off, b.n, b.want})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("pieces = %v, want %v", got, tt.want)
			}
		})
	}
}

// prefetchData is an object of n bytes: random ones repeated with a period (1 MiB + 7) that
// no block or piece boundary shares, so a misplaced read shows.
func prefetchData(n int) []byte {
	period := make([]byte, 1<<20+7)
	rand.NewChaCha8([32]byte{7}).Read(period)
	return bytes.Repeat(period, n/len(period)+1)[:n]
}

func TestPrefetchReads(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	data := prefetchData(20<<20 + 12345)
	n := int64(len(data))
	// Four "column chunks" of a "row group", read as Parquet reads them: 1 MiB of each in
	// turn, front to back.
	chunk := (n - footerBytes) / 4
	var spans []Span
	for c := range int64(4) {
		spans = append(spans, Span{c * chunk, chunk})
	}
	for _, ahead := range []int64{0, -1} { // blocks on and off
		t.Run(fmt.Sprintf("ReadAhead=%d", ahead), func(t *testing.T) {
			f := memFS(t)
			f.ReadAhead = ahead
			put(t, f, "mem://b/blob", string(data))
			rr, err := f.OpenRange(ctx, "mem://b/blob")
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Close()
			r := rr.(*rangeReader)
			r.Prefetch(spans)
			var maxHeld int64
			for at := int64(0); at < chunk; at += 1 << 20 {
				for _, s := range spans {
					p := make([]byte, min(1<<20, s.Len-at))
					if k, err := r.ReadAt(p, s.Off+at); err != nil || k != len(p) || !bytes.Equal(p, data[s.Off+at:s.Off+at+int64(k)]) {
						t.Fatalf("ReadAt(%d) = %d, %v or wrong bytes", s.Off+at, k, err)
					}
					r.mu.Lock()
					maxHeld = max(maxHeld, r.held)
					r.mu.Unlock()
				}
			}
			r.mu.Lock()
			planned, held, blocks := len(r.planned), r.held, len(r.blocks)
			r.mu.Unlock()
			if planned != 0 || held != 0 {
				t.Errorf("after reading every declared byte: %d planned pieces, %d bytes held", planned, held)
			}
			if blocks != 0 {
				t.Errorf("%d blocks fetched besides the declared pieces", blocks)
			}
			if maxHeld > planBytes+pieceBytes {
				t.Errorf("held %d bytes, more than the bound %d", maxHeld, planBytes+pieceBytes)
			}
		})
	}
}

func TestPrefetchRedeclare(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	data := prefetchData(int(4 * pieceBytes))
	f := memFS(t)
	put(t, f, "mem://b/blob", string(data))
	rr, err := f.OpenRange(ctx, "mem://b/blob")
	if err != nil {
		t.Fatal(err)
	}
	r := rr.(*rangeReader)
	r.Prefetch([]Span{{0, pieceBytes}, {2 * pieceBytes, pieceBytes}})
	p := make([]byte, 100)
	if _, err := r.ReadAt(p, 10); err != nil || !bytes.Equal(p, data[10:110]) {
		t.Fatalf("ReadAt: %v or wrong bytes", err)
	}
	r.mu.Lock()
	first := r.findPlanned(10)
	r.mu.Unlock()
	// A new declaration keeps the started piece it overlaps and drops the other.
	r.Prefetch([]Span{{pieceBytes / 2, pieceBytes}})
	r.mu.Lock()
	var got []string
	for _, b := range r.planned {
		got = append(got, fmt.Sprintf("%d+%d", b.off, b.n))
	}
	keptFirst := len(r.planned) > 0 && r.planned[0] == first
	r.mu.Unlock()
	if want := fmt.Sprint([]string{fmt.Sprintf("0+%d", pieceBytes), fmt.Sprintf("%d+%d", pieceBytes, pieceBytes/2)}); fmt.Sprint(got) != want || !keptFirst {
		t.Fatalf("planned %v (first kept: %v), want %v", got, keptFirst, want)
	}
	// An empty declaration lets everything go; buffers still being fetched into count as
	// held until their fetch ends.
	r.Prefetch(nil)
	planned, held := 0, int64(0)
	for range 200 {
		r.mu.Lock()
		planned, held = len(r.planned), r.held
		r.mu.Unlock()
		if held == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if planned != 0 || held != 0 {
		t.Fatalf("after Prefetch(nil): %d planned, %d held", planned, held)
	}
	if _, err := r.ReadAt(p, 2*pieceBytes); err != nil || !bytes.Equal(p, data[2*pieceBytes:2*pieceBytes+100]) {
		t.Fatalf("ReadAt after dropping: %v or wrong bytes", err)
	}
	// Close while fetches run stops them (goleak checks), and later calls do nothing.
	r.Prefetch([]Span{{0, 4 * pieceBytes}})
	r.Close()
	r.Prefetch([]Span{{0, 10}})
	if len(r.planned) != 0 {
		t.Fatal("Prefetch after Close planned a piece")
	}
	if _, err := r.ReadAt(p, 0); err == nil {
		t.Fatal("ReadAt after Close succeeded")
	}
}

// TestPrefetchConcurrent declares random spans and reads random ranges from several
// goroutines at once, redeclaring as it goes: every read returns the object's bytes.
func TestPrefetchConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	data := prefetchData(20<<20 + 777)
	n := int64(len(data))
	f := memFS(t)
	put(t, f, "mem://b/blob", string(data))
	rr, err := f.OpenRange(ctx, "mem://b/blob")
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 6 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 40 {
				if g%3 == 0 {
					var spans []Span
					for range rng.IntN(4) {
						spans = append(spans, Span{rng.Int64N(n), rng.Int64N(4 << 20)})
					}
					rr.Prefetch(spans)
					continue
				}
				off := rng.Int64N(n)
				p := make([]byte, rng.IntN(3<<20))
				k, err := rr.ReadAt(p, off)
				if err != nil && err != io.EOF || !bytes.Equal(p[:k], data[off:off+int64(k)]) {
					errs <- fmt.Errorf("ReadAt(%d, %d) = %d, %v or wrong bytes", off, len(p), k, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestPrefetchBound declares more than planBytes and reads nothing: the fetches stop at the
// bound, and reading the first piece to its end lets the next one start.
func TestPrefetchBound(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	data := prefetchData(int(3*pieceBytes + footerBytes))
	f := memFS(t)
	put(t, f, "mem://b/blob", string(data))
	rr, err := f.OpenRange(ctx, "mem://b/blob")
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	r := rr.(*rangeReader)
	r.Prefetch([]Span{{0, 3 * pieceBytes}})
	state := func() (started, queued int, held int64) {
		for range 400 { // until the background fetches have ended
			r.mu.Lock()
			started, queued, held = 0, 0, r.held
			for _, b := range r.planned {
				if b.queued {
					queued++
				} else {
					started++
				}
			}
			running := r.running
			r.mu.Unlock()
			if running == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		return
	}
	if s, q, held := state(); s != 2 || q != 1 || held > planBytes {
		t.Fatalf("%d pieces started, %d queued, %d bytes held; want 2, 1, at most %d", s, q, held, planBytes)
	}
	p := make([]byte, pieceBytes)
	if _, err := r.ReadAt(p, 0); err != nil || !bytes.Equal(p, data[:pieceBytes]) {
		t.Fatalf("ReadAt: %v or wrong bytes", err)
	}
	if s, q, held := state(); s != 2 || q != 0 || held > planBytes {
		t.Fatalf("after reading the first piece: %d started, %d queued, %d bytes held; want 2, 0, at most %d", s, q, held, planBytes)
	}
}

// TestPieceFreeList checks that returned piece buffers are handed out again, by size class,
// that at most idlePieceBytes of them are kept in the free list, and that buffers of no class
// are never kept.
func TestPieceFreeList(t *testing.T) {
	const M = 1 << 20
	drain := func() {
		idlePieces.Lock()
		defer idlePieces.Unlock()
		idlePieces.free = [len(piecePools)][]*[]byte{}
		idlePieces.bytes = 0
	}
	tests := []struct {
		name     string
		put      []int64 // capacities of the buffers returned, in order
		get      int64   // then asked for
		reused   int     // index in put of the buffer get must return, or -1 for a new one
		idle     int64   // bytes in the free list afterwards
		kept     int     // buffers in the free list afterwards
		capacity int64   // of the buffer get returns
	}{
		{"a returned buffer comes back", []int64{16 * M}, 9 * M, 0, 0, 0, 16 * M},
		{"the last returned of a class comes first", []int64{8 * M, 8 * M}, 5 * M, 1, 8 * M, 1, 8 * M},
		{"classes are kept apart", []int64{16 * M}, 4 * M, -1, 16 * M, 1, 4 * M},
		{"the list stops at idlePieceBytes", []int64{16 * M, 16 * M, 16 * M}, M, -1, idlePieceBytes, 2, M},
		{"a buffer of no class is not kept", []int64{3 * M}, 3 * M, -1, 0, 0, 4 * M},
		{"a small buffer is not kept", []int64{M / 2}, M / 2, -1, 0, 0, M / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drain()
			defer drain()
			bufs := make([]*[]byte, len(tt.put))
			for i, n := range tt.put {
				buf := make([]byte, n)
				bufs[i] = &buf
				putPiece(bufs[i])
			}
			got := getPiece(tt.get)
			if int64(cap(*got)) != tt.capacity || int64(len(*got)) < tt.get {
				t.Errorf("getPiece(%d): len %d cap %d, want cap %d", tt.get, len(*got), cap(*got), tt.capacity)
			}
			for i, buf := range bufs {
				if same := got == buf; same != (i == tt.reused) {
					t.Errorf("getPiece(%d) returned put buffer %d: %v, want %v", tt.get, i, same, i == tt.reused)
				}
			}
			idlePieces.Lock()
			idle, kept := idlePieces.bytes, 0
			for _, free := range idlePieces.free {
				kept += len(free)
			}
			idlePieces.Unlock()
			if idle != tt.idle || kept != tt.kept {
				t.Errorf("free list holds %d buffers, %d bytes; want %d, %d", kept, idle, tt.kept, tt.idle)
			}
		})
	}
}
