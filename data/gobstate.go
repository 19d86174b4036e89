package data

import (
	"bytes"
	"encoding/gob"
	"sync"
)

// A user-defined aggregation's state (NewAggregate) crosses the exchange as one binary cell per
// group, each a whole gob stream: the type definitions, then the value. A fresh gob.Decoder per
// cell compiles the decoder for S again every time (23 us a cell, 50 times the decode itself),
// and a fresh gob.Encoder describes S's types again (3 us, 10 times the encode). gobStates
// keeps both:
//   - an encoder that has sent S's definitions once encodes every later state as its value
//     message alone, and the cell is the saved definitions followed by it: the same bytes a
//     fresh encoder writes;
//   - a decoder that has read one cell's definitions is fed only the value message of every
//     later cell that starts with the same definitions (byte for byte, so the type ids mean
//     the same).
// A cell that is not definitions followed by one value message (a state with an interface
// inside carries its concrete type's definition after the value message, in every cell), or
// one a kept decoder rejects, goes through a fresh encoder or decoder as before.

// gobStates encodes and decodes the cells of one state type S; safe for concurrent use.
type gobStates[S any] struct {
	decoders sync.Pool // of *gobDecoder
	encoders sync.Pool // of *gobEncoder
}

// encode appends s's cell to dst.
func (g *gobStates[S]) encode(dst []byte, s S) ([]byte, error) {
	e, _ := g.encoders.Get().(*gobEncoder)
	if e == nil {
		e = new(gobEncoder)
	}
	dst, err := e.encode(dst, s)
	g.encoders.Put(e)
	return dst, err
}

// gobEncoder is an encoder that has sent the type definitions prefix.
type gobEncoder struct {
	prefix []byte
	buf    bytes.Buffer
	enc    *gob.Encoder
}

func (e *gobEncoder) encode(dst []byte, v any) ([]byte, error) {
	if e.enc != nil {
		e.buf.Reset()
		if err := e.enc.Encode(v); err == nil {
			if n, ok := gobSplit(e.buf.Bytes()); ok && n == 0 {
				return append(append(dst, e.prefix...), e.buf.Bytes()...), nil
			}
		}
		e.enc = nil // it sent more definitions, or failed: start afresh
	}
	e.buf.Reset()
	enc := gob.NewEncoder(&e.buf)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	p := e.buf.Bytes()
	if n, ok := gobSplit(p); ok && n > 0 {
		e.prefix = append(e.prefix[:0], p[:n]...)
		e.enc = enc
	}
	return append(dst, p...), nil
}

func (g *gobStates[S]) decode(p []byte) (S, error) {
	d, _ := g.decoders.Get().(*gobDecoder)
	if d == nil {
		d = new(gobDecoder)
	}
	var s S
	err := d.decode(p, &s)
	g.decoders.Put(d)
	return s, err
}

// gobDecoder is a decoder primed with the type definitions prefix.
type gobDecoder struct {
	prefix []byte
	buf    bytes.Buffer // implements io.ByteReader: gob reads exactly one message per Decode
	dec    *gob.Decoder
}

func (d *gobDecoder) decode(p []byte, into any) error {
	if d.dec != nil && bytes.HasPrefix(p, d.prefix) {
		d.buf.Reset()
		d.buf.Write(p[len(d.prefix):])
		if err := d.dec.Decode(into); err == nil && d.buf.Len() == 0 {
			return nil
		}
		d.dec = nil // its state is unknown now; decode afresh
	}
	d.buf.Reset()
	d.buf.Write(p)
	dec := gob.NewDecoder(&d.buf)
	if err := dec.Decode(into); err != nil {
		return err
	}
	if n, ok := gobSplit(p); ok && n > 0 && d.buf.Len() == 0 {
		d.prefix = append(d.prefix[:0], p[:n]...)
		d.dec = dec
	}
	return nil
}

// gobSplit is the length of p's leading type-definition messages (a negative type id); ok is
// whether exactly one value message follows them and ends p.
func gobSplit(p []byte) (prefix int, ok bool) {
	off := 0
	for off < len(p) {
		l, w := gobUint(p[off:])
		if w == 0 || l > uint64(len(p)-off-w) {
			return 0, false
		}
		id, iw := gobUint(p[off+w : off+w+int(l)])
		if iw == 0 {
			return 0, false
		}
		if id&1 == 0 { // a non-negative type id: the value
			return off, off+w+int(l) == len(p)
		}
		off += w + int(l)
	}
	return 0, false
}

// gobUint reads one of gob's unsigned integers: a byte below 128 is the value; otherwise its
// negation is the count of big-endian bytes that follow. w is 0 if p is too short.
func gobUint(p []byte) (v uint64, w int) {
	if len(p) == 0 {
		return 0, 0
	}
	if p[0] < 0x80 {
		return uint64(p[0]), 1
	}
	n := int(-int8(p[0]))
	if n > 8 || len(p) < 1+n {
		return 0, 0
	}
	for _, b := range p[1 : 1+n] {
		v = v<<8 | uint64(b)
	}
	return v, 1 + n
}
