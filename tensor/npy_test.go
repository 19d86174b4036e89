package tensor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// npyFile assembles a .npy file from a header dict (padded as given) and data.
func npyFile(major byte, dict string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.Write([]byte{major, 0})
	if major == 1 {
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(dict))))
	} else {
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(dict))))
	}
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func TestReadNpyBadInput(t *testing.T) {
	good := npyFile(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8))
	lying := npyFile(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8))
	binary.LittleEndian.PutUint16(lying[8:], 20) // claims a 20-byte header
	tooLong := npyFile(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", nil)
	binary.LittleEndian.PutUint16(tooLong[8:], 500) // claims more header than the file has
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "shorter than the magic"},
		{"bad magic", []byte("\x93NUMPX\x01\x00\x00\x00"), "bad magic"},
		{"bad version", []byte("\x93NUMPY\x04\x00\x00\x00"), "version 4.0"},
		{"truncated length", []byte("\x93NUMPY\x02\x00\x01"), "truncated header length"},
		{"truncated data", good[:len(good)-1], "data truncated: read 7 of 8"},
		{"header shorter than it says", tooLong, "header truncated"},
		{"header longer than it says", lying, "unterminated"},
		{"unknown dtype", npyFile(1, "{'descr': '<q9', 'fortran_order': False, 'shape': (1,), }", nil), "unknown dtype"},
		{"object dtype", npyFile(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", nil), "object dtype"},
		{"structured dtype", npyFile(1, "{'descr': [('x', '<i4')], 'fortran_order': False, 'shape': (1,), }", nil), "structured dtype"},
		{"complex dtype", npyFile(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", nil), "not supported"},
		{"string dtype", npyFile(1, "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", nil), "not supported"},
		{"overflowing shape", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", nil), "more than"},
		{"negative dimension", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", nil), "negative dimension"},
		{"huge claimed data", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", []byte{1, 2}), "data truncated"},
		{"missing shape", npyFile(1, "{'descr': '<f8', 'fortran_order': False, }", nil), "no tuple 'shape'"},
		{"extra key", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'x': 1}", nil), "keys other than"},
		{"fortran not bool", npyFile(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (), }", nil), "fortran_order"},
		{"shape of strings", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': ('a',), }", nil), "tuple of integers"},
		{"unterminated", npyFile(1, "{'descr': '<f8", nil), "unterminated"},
		{"deep nesting", npyFile(1, "{'shape': "+strings.Repeat("(", 100), nil), "nesting too deep"},
		{"huge header length", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"), "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadNpy(bytes.NewReader(tt.in))
			if !errors.Is(err, ErrNpy) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadNpy err = %v, want ErrNpy containing %q", err, tt.want)
			}
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			if _, err := ReadNpyArray(mem, bytes.NewReader(tt.in)); !errors.Is(err, ErrNpy) {
				t.Fatalf("ReadNpyArray err = %v, want ErrNpy", err)
			}
		})
	}
}

func TestReadNpyHeaderVariants(t *testing.T) {
	tests := []struct {
		name  string
		dict  string
		data  []byte
		shape []int
		want  []byte
	}{
		{"python2 long and double quotes", `{"descr": "<u2", "fortran_order": False, "shape": (2L,)}`, []byte{1, 0, 2, 0}, []int{2}, []byte{1, 0, 2, 0}},
		{"big endian swapped", "{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }", []byte{0, 1, 0, 2}, []int{2}, []byte{1, 0, 2, 0}},
		{"fortran 2x3", "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", []byte{1, 4, 2, 5, 3, 6}, []int{2, 3}, []byte{1, 2, 3, 4, 5, 6}},
		{"zero-d", "{'descr': '<i2', 'fortran_order': False, 'shape': (), }", []byte{7, 0}, nil, []byte{7, 0}},
		{"empty", "{'descr': '<f4', 'fortran_order': True, 'shape': (0, 3), }", nil, []int{0, 3}, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, major := range []byte{1, 2, 3} {
				npy, err := ReadNpy(bytes.NewReader(npyFile(major, tt.dict, tt.data)))
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(npy.Shape, tt.shape) || !bytes.Equal(npy.Data, tt.want) {
					t.Fatalf("v%d: shape %v data %v, want %v %v", major, npy.Shape, npy.Data, tt.shape, tt.want)
				}
				// The header alone: the same shape, and the file's size split into the
				// header and the data.
				file := npyFile(major, tt.dict, tt.data)
				r := bytes.NewReader(file)
				h, err := ReadNpyHeader(r)
				if err != nil {
					t.Fatal(err)
				}
				if !equalInts(h.Shape, tt.shape) || !arrow.TypeEqual(h.DType, npy.DType) || h.DataBytes != int64(len(tt.data)) ||
					h.DataOffset+h.DataBytes != int64(len(file)) || int64(r.Len()) != h.DataBytes {
					t.Fatalf("v%d: header %+v for a file of %d bytes with %d of data (%d left unread)", major, h, len(file), len(tt.data), r.Len())
				}
			}
		})
	}
}

func TestWriteNpy(t *testing.T) {
	tests := []struct {
		name    string
		dtype   arrow.DataType
		shape   []int
		data    []byte
		version byte
		want    string
	}{
		{name: "1-d", dtype: arrow.PrimitiveTypes.Int8, shape: []int{3}, data: []byte{1, 2, 3}, version: 1},
		{name: "0-d", dtype: arrow.PrimitiveTypes.Uint16, shape: nil, data: []byte{1, 0}, version: 1},
		{name: "header needs 2.0", dtype: arrow.PrimitiveTypes.Uint8, shape: ones(30000), data: []byte{9}, version: 2},
		{name: "wrong data size", dtype: arrow.PrimitiveTypes.Int32, shape: []int{2}, data: []byte{1}, want: "needs 8 bytes"},
		{name: "bad dtype", dtype: arrow.BinaryTypes.String, shape: []int{1}, data: []byte{1}, want: "not supported"},
		{name: "negative dim", dtype: arrow.PrimitiveTypes.Int8, shape: []int{-1}, want: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WriteNpy(&b, tt.dtype, tt.shape, tt.data)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := b.Bytes()
			if out[6] != tt.version {
				t.Fatalf("version %d, want %d", out[6], tt.version)
			}
			if hdr := len(out) - len(tt.data); hdr%64 != 0 || out[hdr-1] != '\n' {
				t.Fatalf("header of %d bytes is not 64-aligned and newline-terminated", hdr)
			}
			npy, err := ReadNpy(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(npy.Shape, tt.shape) || !bytes.Equal(npy.Data, tt.data) || !arrow.TypeEqual(npy.DType, tt.dtype) {
				t.Fatalf("round trip: %v %v %v", npy.DType, npy.Shape, npy.Data)
			}
		})
	}
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func TestNpyArrayErrors(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	t.Run("0-d has no rows", func(t *testing.T) {
		in := npyFile(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (), }", []byte{1, 0})
		if _, err := ReadNpyArray(mem, bytes.NewReader(in)); err == nil || !strings.Contains(err.Error(), "0-d") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("row too large for fixed_size_list", func(t *testing.T) {
		in := npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 4294967296), }", nil)
		if _, err := ReadNpyArray(mem, bytes.NewReader(in)); !errors.Is(err, ErrNpy) || !strings.Contains(err.Error(), "more than") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("null rows", func(t *testing.T) {
		b := array.NewInt32Builder(mem)
		defer b.Release()
		b.AppendNull()
		a := b.NewArray()
		defer a.Release()
		if err := WriteNpyArray(&bytes.Buffer{}, a); err == nil || !strings.Contains(err.Error(), "null rows") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("permuted column", func(t *testing.T) {
		a, err := FromSlice(mem, []int{1, 2}, []int8{1, 2}, 1, WithPermutation(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Release()
		if err := WriteNpyArray(&bytes.Buffer{}, a); err == nil || !strings.Contains(err.Error(), "permutation") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("sliced column writes its rows only", func(t *testing.T) {
		a, err := FromSlice(mem, []int{2}, []int16{1, 2, 3, 4, 5, 6}, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Release()
		s := array.NewSlice(a, 1, 3)
		defer s.Release()
		var b bytes.Buffer
		if err := WriteNpyArray(&b, s); err != nil {
			t.Fatal(err)
		}
		npy, err := ReadNpy(&b)
		if err != nil {
			t.Fatal(err)
		}
		if got := sliceOf[int16](npy.Data); !equalInts(npy.Shape, []int{2, 2}) || got[0] != 3 || got[3] != 6 {
			t.Fatalf("got %v %v", npy.Shape, got)
		}
	})
}
