package data

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type gobTestState struct {
	N    int64
	Sum  float64
	Tags []string
	Any  any
}

type gobTestA struct{ X int }
type gobTestB struct{ S string }

func init() {
	gob.Register(gobTestA{})
	gob.Register(gobTestB{})
}

func gobCell(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGobStatesPrimed: cells with the same type definitions are decoded by one primed decoder
// (fed only their value messages), with the same results as a fresh decoder; cells with an
// interface inside (their concrete type's definitions follow the value) and corrupt cells are
// decoded afresh.
func TestGobStatesPrimed(t *testing.T) {
	var g gobStates[gobTestState]
	var d gobDecoder
	var first *gob.Decoder
	for i := range 200 {
		want := gobTestState{N: int64(i), Sum: float64(i) / 3, Tags: []string{fmt.Sprint(i)}}
		switch i % 3 {
		case 1:
			want.Any = gobTestA{X: i}
		case 2:
			want.Any = gobTestB{S: strings.Repeat("b", i)}
		}
		cell := gobCell(t, want)
		got, err := g.decode(cell)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("cell %d: got %+v, %v; want %+v", i, got, err, want)
		}
		var s gobTestState
		if err := d.decode(cell, &s); err != nil || !reflect.DeepEqual(s, want) {
			t.Fatalf("cell %d, one decoder: got %+v, %v; want %+v", i, s, err, want)
		}
	}
	// Cells of one shape: the first primes the decoder, which decodes all the others.
	for i := range 50 {
		want := gobTestState{N: int64(i), Sum: float64(i), Tags: []string{"x", fmt.Sprint(i)}}
		var s gobTestState
		if err := d.decode(gobCell(t, want), &s); err != nil || !reflect.DeepEqual(s, want) {
			t.Fatalf("cell %d of one shape: got %+v, %v; want %+v", i, s, err, want)
		}
		if i == 0 {
			if first = d.dec; first == nil || len(d.prefix) == 0 {
				t.Fatalf("the first cell did not prime the decoder (prefix %d bytes)", len(d.prefix))
			}
		} else if d.dec != first {
			t.Fatalf("cell %d has the first cell's type definitions but was decoded afresh", i)
		}
	}
	// A cell cut short, then garbage: errors, and the decoder still works afterwards.
	good := gobCell(t, gobTestState{N: 7})
	for _, bad := range [][]byte{good[:len(good)-2], {0xff, 0x01}, {}} {
		var s gobTestState
		if err := d.decode(bad, &s); err == nil {
			t.Fatalf("decoding %x: no error", bad)
		}
	}
	if s, err := g.decode(good); err != nil || s.N != 7 {
		t.Fatalf("after corrupt cells: %+v, %v", s, err)
	}
	var s gobTestState
	if err := d.decode(good, &s); err != nil || s.N != 7 {
		t.Fatalf("after corrupt cells, one decoder: %+v, %v", s, err)
	}
}

// TestGobStatesEncode: a kept encoder writes the same cells as a fresh one, for states of one
// shape and for states with different concrete types behind an interface, and the cells decode
// back.
func TestGobStatesEncode(t *testing.T) {
	var g gobStates[gobTestState]
	var dst []byte
	for i := range 300 {
		s := gobTestState{N: int64(i), Sum: float64(i) * 1.5, Tags: []string{fmt.Sprint(i)}}
		if i >= 200 {
			switch i % 3 {
			case 1:
				s.Any = gobTestA{X: i}
			case 2:
				s.Any = gobTestB{S: fmt.Sprint(i)}
			}
		}
		var err error
		dst, err = g.encode(dst[:0], s)
		if err != nil {
			t.Fatalf("state %d: %v", i, err)
		}
		if want := gobCell(t, s); !bytes.Equal(dst, want) {
			t.Fatalf("state %d: kept encoder wrote %x, a fresh one %x", i, dst, want)
		}
		got, err := g.decode(dst)
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Fatalf("state %d: decoded %+v, %v; want %+v", i, got, err, s)
		}
	}
	// A state gob cannot encode (a func behind the interface) errors, and the next one works.
	if _, err := g.encode(nil, gobTestState{Any: func() {}}); err == nil {
		t.Fatal("encoding a func: no error")
	}
	if p, err := g.encode(nil, gobTestState{N: 9}); err != nil || !bytes.Equal(p, gobCell(t, gobTestState{N: 9})) {
		t.Fatalf("after a failed encode: %x, %v", p, err)
	}
}
