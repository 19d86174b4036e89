package tensor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Npy is one NumPy array as read from or written to a .npy file: element type, shape and
// the elements in C order and native byte order. Bool elements are one byte each (0 or 1),
// as NumPy stores them.
type Npy struct {
	DType arrow.DataType
	Shape []int
	Data  []byte
}

// ErrNpy is wrapped by every error about a malformed or unsupported .npy file.
var ErrNpy = errors.New("invalid or unsupported .npy data")

const (
	npyMagic = "\x93NUMPY"
	// maxNpyHeader bounds the header a reader accepts; NumPy itself refuses headers over
	// 10000 bytes by default, so this only keeps a lying length from allocating much.
	maxNpyHeader = 1 << 20
	// npyReadChunk is how far ahead of the data already read the reader allocates, so a
	// header that claims a huge array fails on the truncated read, not on allocation.
	npyReadChunk = 64 << 20
)

// npyHeader is the parsed header of a .npy file.
type npyHeader struct {
	dtype    arrow.DataType
	swap     bool // stored with the other byte order than this machine's
	fortran  bool
	shape    []int
	elems    int
	nbytes   int // size of the data as stored (one byte per bool)
	itemsize int
}

// ReadNpy reads one .npy file (format versions 1.0, 2.0 and 3.0). Big-endian data is
// converted to native byte order and Fortran-order data to C order. Object, structured,
// string, complex and datetime dtypes are rejected, as are truncated files, headers that do
// not parse, and shapes whose size overflows; each error wraps ErrNpy. The returned data is
// ordinary Go memory.
func ReadNpy(r io.Reader) (*Npy, error) {
	h, err := readNpyHeader(r)
	if err != nil {
		return nil, err
	}
	data, err := readFull(r, h.nbytes, func(n int) []byte { return make([]byte, n) })
	if err != nil {
		return nil, err
	}
	data = h.toNative(data)
	return &Npy{DType: h.dtype, Shape: h.shape, Data: data}, nil
}

// readFull reads exactly n bytes, growing the destination in chunks so a header that lies
// about the data size cannot force one huge allocation. alloc returns a buffer of n bytes
// whose first bytes keep what was read before.
func readFull(r io.Reader, n int, alloc func(int) []byte) ([]byte, error) {
	buf := alloc(min(n, npyReadChunk))
	read := 0
	for read < n {
		if read == len(buf) {
			buf = grow(buf, min(n, 2*len(buf)+npyReadChunk), alloc)
		}
		m, err := io.ReadFull(r, buf[read:])
		read += m
		if err != nil && read < n {
			return nil, fmt.Errorf("%w: data truncated: read %d of %d bytes", ErrNpy, read, n)
		}
	}
	return buf, nil
}

func grow(b []byte, n int, alloc func(int) []byte) []byte {
	nb := alloc(n)
	copy(nb, b)
	return nb
}

// NpyHeader is what a .npy file's header declares, read without the data.
type NpyHeader struct {
	DType arrow.DataType
	Shape []int
	// DataOffset is the byte offset of the data (the magic, version, length and header);
	// DataBytes the size of the data as stored, so a whole file is DataOffset+DataBytes
	// bytes.
	DataOffset, DataBytes int64
}

// ReadNpyHeader reads the header of a .npy file from r, which it leaves at the start of the
// data. It refuses what ReadNpy refuses about a header, with errors wrapping ErrNpy.
func ReadNpyHeader(r io.Reader) (NpyHeader, error) {
	cr := &npyCountReader{r: r}
	h, err := readNpyHeader(cr)
	if err != nil {
		return NpyHeader{}, err
	}
	return NpyHeader{DType: h.dtype, Shape: h.shape, DataOffset: cr.n, DataBytes: int64(h.nbytes)}, nil
}

type npyCountReader struct {
	r io.Reader
	n int64
}

func (c *npyCountReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func readNpyHeader(r io.Reader) (*npyHeader, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("%w: file shorter than the magic string", ErrNpy)
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("%w: not a .npy file (bad magic %q)", ErrNpy, pre[:6])
	}
	var hlen int
	switch major := pre[6]; major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%w: truncated header length", ErrNpy)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%w: truncated header length", ErrNpy)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("%w: format version %d.%d not supported (want 1.0, 2.0 or 3.0)", ErrNpy, pre[6], pre[7])
	}
	if hlen > maxNpyHeader {
		return nil, fmt.Errorf("%w: header length %d exceeds %d bytes", ErrNpy, hlen, maxNpyHeader)
	}
	hb := make([]byte, hlen)
	if n, err := io.ReadFull(r, hb); err != nil {
		return nil, fmt.Errorf("%w: header truncated: read %d of %d bytes", ErrNpy, n, hlen)
	}
	return parseNpyHeader(string(hb))
}

// parseNpyHeader parses the Python dict literal of a .npy header, for example
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseNpyHeader(s string) (*npyHeader, error) {
	p := &pyParser{s: s}
	fields, err := p.dict()
	if err != nil {
		return nil, fmt.Errorf("%w: header %q: %v", ErrNpy, truncate(s), err)
	}
	if rest := strings.TrimSpace(p.s[p.i:]); rest != "" {
		return nil, fmt.Errorf("%w: header %q: trailing data %q (the header length does not match the header)", ErrNpy, truncate(s), truncate(rest))
	}
	descr, ok := fields["descr"].(string)
	if !ok {
		if _, isList := fields["descr"].([]any); isList {
			return nil, fmt.Errorf("%w: structured dtype %v is not supported", ErrNpy, fields["descr"])
		}
		return nil, fmt.Errorf("%w: header has no string 'descr'", ErrNpy)
	}
	fortran, ok := fields["fortran_order"].(bool)
	if !ok {
		return nil, fmt.Errorf("%w: header has no boolean 'fortran_order'", ErrNpy)
	}
	tup, ok := fields["shape"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: header has no tuple 'shape'", ErrNpy)
	}
	if len(fields) != 3 {
		return nil, fmt.Errorf("%w: header has keys other than descr, fortran_order and shape", ErrNpy)
	}
	h := &npyHeader{fortran: fortran}
	for _, d := range tup {
		v, ok := d.(int)
		if !ok {
			return nil, fmt.Errorf("%w: shape %v is not a tuple of integers", ErrNpy, tup)
		}
		h.shape = append(h.shape, v)
	}
	if h.dtype, h.itemsize, h.swap, err = parseDescr(descr); err != nil {
		return nil, err
	}
	if h.elems, err = shapeSize(h.shape, maxInt/int64(h.itemsize)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNpy, err)
	}
	h.nbytes = h.elems * h.itemsize
	return h, nil
}

var hostBigEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}()

// parseDescr maps a NumPy dtype string to an element type, its stored size and whether its
// bytes must be swapped to native order.
func parseDescr(descr string) (arrow.DataType, int, bool, error) {
	if len(descr) < 2 {
		return nil, 0, false, fmt.Errorf("%w: unknown dtype %q", ErrNpy, descr)
	}
	order, code := descr[0], descr[1:]
	switch order {
	case '<', '>', '|', '=':
	default:
		// NumPy also writes some one-char codes without an order ('b1' never occurs).
		return nil, 0, false, fmt.Errorf("%w: unknown dtype %q", ErrNpy, descr)
	}
	var dt arrow.DataType
	switch code {
	case "b1":
		dt = arrow.FixedWidthTypes.Boolean
	case "i1":
		dt = arrow.PrimitiveTypes.Int8
	case "i2":
		dt = arrow.PrimitiveTypes.Int16
	case "i4":
		dt = arrow.PrimitiveTypes.Int32
	case "i8":
		dt = arrow.PrimitiveTypes.Int64
	case "u1":
		dt = arrow.PrimitiveTypes.Uint8
	case "u2":
		dt = arrow.PrimitiveTypes.Uint16
	case "u4":
		dt = arrow.PrimitiveTypes.Uint32
	case "u8":
		dt = arrow.PrimitiveTypes.Uint64
	case "f2":
		dt = arrow.FixedWidthTypes.Float16
	case "f4":
		dt = arrow.PrimitiveTypes.Float32
	case "f8":
		dt = arrow.PrimitiveTypes.Float64
	default:
		switch {
		case code == "O" || strings.HasPrefix(code, "O"):
			return nil, 0, false, fmt.Errorf("%w: object dtype %q (pickled Python objects) is not supported", ErrNpy, descr)
		case strings.HasPrefix(code, "V"):
			return nil, 0, false, fmt.Errorf("%w: structured or void dtype %q is not supported", ErrNpy, descr)
		case strings.HasPrefix(code, "c"), strings.HasPrefix(code, "S"), strings.HasPrefix(code, "U"),
			strings.HasPrefix(code, "M"), strings.HasPrefix(code, "m"), strings.HasPrefix(code, "f"):
			return nil, 0, false, fmt.Errorf("%w: dtype %q is not supported (want bool, int8-64, uint8-64, float16, float32 or float64)", ErrNpy, descr)
		}
		return nil, 0, false, fmt.Errorf("%w: unknown dtype %q", ErrNpy, descr)
	}
	size := max(elemBits(dt)/8, 1)
	swap := size > 1 && ((order == '>' && !hostBigEndian) || (order == '<' && hostBigEndian))
	return dt, size, swap, nil
}

// descrOf is the NumPy dtype string of an element type in native byte order.
func descrOf(dt arrow.DataType) (string, error) {
	codes := map[arrow.Type]string{
		arrow.BOOL: "b1", arrow.INT8: "i1", arrow.INT16: "i2", arrow.INT32: "i4", arrow.INT64: "i8",
		arrow.UINT8: "u1", arrow.UINT16: "u2", arrow.UINT32: "u4", arrow.UINT64: "u8",
		arrow.FLOAT16: "f2", arrow.FLOAT32: "f4", arrow.FLOAT64: "f8",
	}
	code, ok := codes[dt.ID()]
	if !ok {
		return "", fmt.Errorf("sluice: tensor: write .npy: element type %v is not supported", dt)
	}
	switch {
	case elemBits(dt) <= 8:
		return "|" + code, nil
	case hostBigEndian:
		return ">" + code, nil
	}
	return "<" + code, nil
}

// toNative swaps bytes and reorders Fortran data to C order; it may return a new slice.
func (h *npyHeader) toNative(data []byte) []byte {
	if h.swap {
		swapBytes(data, h.itemsize)
	}
	if h.fortran && len(h.shape) > 1 && h.elems > 0 {
		out := make([]byte, len(data))
		fortranToC(out, data, h.shape, h.itemsize)
		return out
	}
	return data
}

func swapBytes(b []byte, w int) {
	for i := 0; i+w <= len(b); i += w {
		for a, z := i, i+w-1; a < z; a, z = a+1, z-1 {
			b[a], b[z] = b[z], b[a]
		}
	}
}

// fortranToC copies column-major src into row-major dst.
func fortranToC(dst, src []byte, shape []int, w int) {
	nd := len(shape)
	fstride := make([]int, nd) // Fortran strides in elements
	s := 1
	for i := 0; i < nd; i++ {
		fstride[i] = s
		s *= shape[i]
	}
	idx := make([]int, nd)
	last := shape[nd-1]
	for out := 0; out < len(dst); out += last * w {
		base := 0
		for i := 0; i < nd-1; i++ {
			base += idx[i] * fstride[i]
		}
		step := fstride[nd-1]
		for j := 0; j < last; j++ {
			from := (base + j*step) * w
			copy(dst[out+j*w:out+(j+1)*w], src[from:from+w])
		}
		for i := nd - 2; i >= 0; i-- { // advance the C-order index over all but the last axis
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
}

// WriteNpy writes one array as a .npy file: format version 1.0, or 2.0 when the header
// does not fit 1.0's 65535 bytes. data holds prod(shape) elements of dtype in C order and
// native byte order (bool: one byte per element).
func WriteNpy(w io.Writer, dtype arrow.DataType, shape []int, data []byte) error {
	if err := checkElem(dtype); err != nil {
		return err
	}
	itemsize := max(elemBits(dtype)/8, 1)
	n, err := shapeSize(shape, maxInt/int64(itemsize))
	if err != nil {
		return fmt.Errorf("sluice: tensor: write .npy: %w", err)
	}
	if n*itemsize != len(data) {
		return fmt.Errorf("sluice: tensor: write .npy: shape %v of %v needs %d bytes, got %d", shape, dtype, n*itemsize, len(data))
	}
	if _, err := w.Write(npyHeaderBytes(dtype, shape)); err != nil {
		return fmt.Errorf("sluice: tensor: write .npy: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("sluice: tensor: write .npy: %w", err)
	}
	return nil
}

// npyHeaderBytes returns magic, version, length and the padded header; dtype must be valid.
func npyHeaderBytes(dtype arrow.DataType, shape []int) []byte {
	descr, _ := descrOf(dtype)
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	var b bytes.Buffer
	b.WriteString(npyMagic)
	prefix := 10
	if len(dict)+1+prefix+64 > math.MaxUint16 {
		prefix = 12
	}
	total := prefix + len(dict) + 1
	pad := (64 - total%64) % 64
	hlen := len(dict) + pad + 1
	if prefix == 10 {
		b.Write([]byte{1, 0})
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(hlen)))
	} else {
		b.Write([]byte{2, 0})
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(hlen)))
	}
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes()
}

// ReadNpyArray reads a .npy file into an Arrow column with axis 0 as rows, the way Ray Data
// does: an array of shape [N, ...] becomes N rows of a FixedShapeTensorType with shape
// [...], and a 1-d array becomes a plain primitive column of N scalars. A 0-d array is an
// error. The elements are read straight into memory from mem (nil: memory.DefaultAllocator;
// Fortran order costs one extra copy). The caller must Release the result.
func ReadNpyArray(mem memory.Allocator, r io.Reader) (arrow.Array, error) {
	mem = allocOrDefault(mem)
	h, err := readNpyHeader(r)
	if err != nil {
		return nil, err
	}
	if len(h.shape) == 0 {
		return nil, fmt.Errorf("%w: a 0-d array has no rows", ErrNpy)
	}
	var typ *FixedShapeTensorType
	if len(h.shape) > 1 {
		if typ, err = NewFixedShape(h.dtype, h.shape[1:]); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNpy, err)
		}
	}
	buf := memory.NewResizableBuffer(mem)
	alloc := func(n int) []byte {
		buf.Reserve(n)
		buf.ResizeNoShrink(n)
		return buf.Bytes()
	}
	data, err := readFullInPlace(r, h.nbytes, alloc)
	if err != nil {
		buf.Release()
		return nil, err
	}
	native := h.toNative(data)
	if h.dtype.ID() == arrow.BOOL {
		packed := newValues(mem, h.dtype, h.elems)
		packBools(packed.Bytes(), native)
		buf.Release()
		buf = packed
	} else if len(native) > 0 && &native[0] != &data[0] {
		copy(data, native)
	}
	rows := h.shape[0]
	if typ == nil {
		d := array.NewData(h.dtype, rows, []*memory.Buffer{nil, buf}, nil, 0, 0)
		buf.Release()
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	return newFixed(typ, rows, buf), nil
}

// readFullInPlace is readFull over a buffer whose alloc keeps earlier bytes (a resizable
// Arrow buffer), so growing does not copy twice.
func readFullInPlace(r io.Reader, n int, alloc func(int) []byte) ([]byte, error) {
	buf := alloc(min(n, npyReadChunk))
	read := 0
	for read < n {
		if read == len(buf) {
			buf = alloc(min(n, 2*len(buf)+npyReadChunk))
		}
		m, err := io.ReadFull(r, buf[read:])
		read += m
		if err != nil && read < n {
			return nil, fmt.Errorf("%w: data truncated: read %d of %d bytes", ErrNpy, read, n)
		}
	}
	return buf[:n], nil
}

// WriteNpyArray writes a column as one .npy file with axis 0 as rows: a fixed-shape tensor
// column (canonical or Ray's) of N rows of shape [...] becomes an array [N, ...], a
// primitive column a 1-d array. Null rows are an error (NumPy has no null). The elements
// are written straight from the Arrow buffer (bool is unpacked).
func WriteNpyArray(w io.Writer, arr arrow.Array) error {
	if arr.NullN() > 0 {
		return fmt.Errorf("sluice: tensor: write .npy: column has %d null rows", arr.NullN())
	}
	lay, err := fixedLayout(arr)
	if err != nil {
		return fmt.Errorf("sluice: tensor: write .npy: %w", err)
	}
	shape := append([]int{lay.nrows}, lay.shape...)
	n := lay.nrows * lay.size
	if lay.perm != nil {
		return fmt.Errorf("sluice: tensor: write .npy: column type %v has a permutation; .npy needs C order", arr.DataType())
	}
	var data []byte
	bits := elemBits(lay.elem)
	switch {
	case n == 0:
	case bits == 1:
		data = make([]byte, n)
		src := lay.values.Buffers()[1].Bytes()
		for i := range data {
			if bitutil.BitIsSet(src, lay.start+i) {
				data[i] = 1
			}
		}
	default:
		wb := bits / 8
		data = lay.values.Buffers()[1].Bytes()[lay.start*wb : (lay.start+n)*wb]
	}
	return WriteNpy(w, lay.elem, shape, data)
}
