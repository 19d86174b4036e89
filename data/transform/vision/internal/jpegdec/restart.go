package jpegdec

import "sync"

// Restart-interval parallelism: a baseline scan with restart markers is a sequence of
// intervals that each start with a fresh bit reader and zero DC predictions, so once the
// markers are found (a fast scan for 0xFF bytes) the intervals can be decoded on several
// goroutines, each into its own blocks of the shared planes. It only pays when one image
// is decoded alone: a caller that already decodes one image per core gains nothing and
// pays the goroutines (Options.Workers).

// minParallelMCUs is the smallest scan worth splitting: below it the goroutines cost
// more than they save. A variable so that tests can split small files.
var minParallelMCUs = 4096

// restartOffsets finds the restart markers of the scan whose data starts at d.pos: the
// offset where each of its intervals starts, and the offset of the marker that ends the
// scan. It returns nil unless the markers are exactly those of a well-formed scan (one
// between each two intervals, numbered 0-7 in turn, nothing else before the end): a
// damaged one is left to the serial decoder and libjpeg's recovery rules.
func (d *decoder) restartOffsets(mcus int) (starts []int, end int) {
	n := (mcus + d.ri - 1) / d.ri
	starts = make([]int, 1, n)
	starts[0] = d.pos
	p := d.pos
	for {
		start, next, m, ok := d.nextMarker(p)
		if !ok {
			return nil, 0
		}
		if m < rst0Marker || m > rst7Marker {
			if len(starts) != n {
				return nil, 0
			}
			return starts, start
		}
		if len(starts) == n || m != rst0Marker+byte((len(starts)-1)&7) {
			return nil, 0
		}
		starts = append(starts, next)
		p = next
	}
}

// decodeParallel decodes the intervals starting at starts on up to d.workers goroutines,
// each taking a contiguous run of them with its own entropy state.
func (d *decoder) decodeParallel(blocks []seqBlock, cols, mcus int, starts []int) error {
	n := len(starts)
	w := min(d.workers, n)
	errs := make([]error, w)
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := i*n/w, (i+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e entropy
			for iv := lo; iv < hi; iv++ {
				e.br = bitReader{data: d.data, pos: starts[iv]}
				e.dcPred = [maxComponents]int32{}
				e.insufficient = false
				if err := d.decodeMCUs(&e, blocks, cols, iv*d.ri, min((iv+1)*d.ri, mcus), false); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
