package expr

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The string functions. arrow-go v18.8.0 registers no string kernels (no utf8_lower,
// match_substring, split_pattern, ...), so these are written here, over the offsets and
// data buffers of utf8 and large_utf8 arrays; BenchmarkStringKernels measures each against
// the plain Go loop over []string.

// stringKernel is the kernel of string op over type t (utf8 or large_utf8) with its
// constant arguments, and the type it returns.
func stringKernel(op Op, t arrow.DataType, consts []string) (kernel, arrow.DataType, error) {
	large := t.ID() == arrow.LARGE_STRING
	pick := func(k32, k64 kernel) kernel {
		if large {
			return k64
		}
		return k32
	}
	boolean := arrow.FixedWidthTypes.Boolean
	switch op {
	case OpContains:
		sub := []byte(consts[0])
		f := func(s []byte) bool { return bytes.Contains(s, sub) }
		return pick(strPredicate[int32](f), strPredicate[int64](f)), boolean, nil
	case OpStartsWith:
		p := []byte(consts[0])
		f := func(s []byte) bool { return bytes.HasPrefix(s, p) }
		return pick(strPredicate[int32](f), strPredicate[int64](f)), boolean, nil
	case OpEndsWith:
		p := []byte(consts[0])
		f := func(s []byte) bool { return bytes.HasSuffix(s, p) }
		return pick(strPredicate[int32](f), strPredicate[int64](f)), boolean, nil
	case OpRegexpMatch:
		re, err := regexp.Compile(consts[0])
		if err != nil {
			return nil, nil, fmt.Errorf("bad regular expression %q: %v", consts[0], err)
		}
		return pick(strPredicate[int32](re.Match), strPredicate[int64](re.Match)), boolean, nil
	case OpLower:
		return pick(strTransform(lowerTo[int32]), strTransform(lowerTo[int64])), t, nil
	case OpUpper:
		return pick(strTransform(upperTo[int32]), strTransform(upperTo[int64])), t, nil
	case OpReplace:
		old, repl := []byte(consts[0]), []byte(consts[1])
		return pick(strTransform(replaceTo[int32](old, repl)), strTransform(replaceTo[int64](old, repl))), t, nil
	case OpStrLen:
		if large {
			return strLen[int64, int64](arrow.PrimitiveTypes.Int64), arrow.PrimitiveTypes.Int64, nil
		}
		return strLen[int32, int32](arrow.PrimitiveTypes.Int32), arrow.PrimitiveTypes.Int32, nil
	case OpSplit:
		lt := arrow.ListOf(t)
		return pick(strSplit[int32](lt, []byte(consts[0])), strSplit[int64](lt, []byte(consts[0]))), lt, nil
	}
	return nil, nil, fmt.Errorf("no string kernel for %s", op)
}

// unaryData is a kernel's one argument as array data (Bind folds literal arguments, so a
// unary kernel never sees a scalar).
func unaryData(args []compute.Datum) (arrow.ArrayData, error) {
	a, ok := args[0].(*compute.ArrayDatum)
	if !ok {
		return nil, fmt.Errorf("a kernel got a %s, not an array", args[0].Kind())
	}
	return a.Value, nil
}

// strPredicate is a boolean kernel: pred of each valid value.
func strPredicate[O int32 | int64](pred func([]byte) bool) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		n := d.Len()
		r := readBinary[O](d)
		validity, nulls := copyValidity(mem, d)
		vals := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
		out := vals.Bytes()
		if validity == nil {
			for i := range n {
				if pred(r.value(i)) {
					bitutil.SetBit(out, i)
				}
			}
		} else {
			valid := validity.Bytes()
			for i := range n {
				if bitutil.BitIsSet(valid, i) && pred(r.value(i)) {
					bitutil.SetBit(out, i)
				}
			}
		}
		return arrayDatum(arrow.FixedWidthTypes.Boolean, n, nulls, []*memory.Buffer{validity, vals}, nil), nil
	}
}

// strTransform is a string-to-string kernel: write appends the transformed value of s.
func strTransform[O int32 | int64](write func(w *binaryWriter[O], s []byte)) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		n := d.Len()
		r := readBinary[O](d)
		validity, nulls := copyValidity(mem, d)
		w := newBinaryWriter[O](mem, n, int(r.offs[n]-r.offs[0]))
		for i := range n {
			if validity != nil && !bitutil.BitIsSet(validity.Bytes(), i) {
				w.append(nil)
				continue
			}
			write(w, r.value(i))
		}
		return w.finish(d.DataType(), validity, nulls)
	}
}

// isASCII says whether s has only bytes below 0x80, eight at a time.
func isASCII(s []byte) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if v&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerTo[O int32 | int64](w *binaryWriter[O], s []byte) {
	if !isASCII(s) {
		w.append(bytes.ToLower(s))
		return
	}
	dst := w.reserve(len(s))
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	w.commit(len(s))
}

func upperTo[O int32 | int64](w *binaryWriter[O], s []byte) {
	if !isASCII(s) {
		w.append(bytes.ToUpper(s))
		return
	}
	dst := w.reserve(len(s))
	for i, c := range s {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst[i] = c
	}
	w.commit(len(s))
}

func replaceTo[O int32 | int64](old, repl []byte) func(w *binaryWriter[O], s []byte) {
	return func(w *binaryWriter[O], s []byte) {
		if len(old) == 0 {
			w.append(bytes.ReplaceAll(s, old, repl)) // Go's rule: repl at every rune boundary
			return
		}
		// Write straight into the output: a value without old is one copy.
		n := bytes.Count(s, old)
		size := len(s) + n*(len(repl)-len(old))
		dst := w.reserve(size)
		j := 0
		for range n {
			k := bytes.Index(s, old)
			j += copy(dst[j:], s[:k])
			j += copy(dst[j:], repl)
			s = s[k+len(old):]
		}
		copy(dst[j:], s)
		w.commit(size)
	}
}

// strLen is StrLen: code points of each valid value.
func strLen[O int32 | int64, L int32 | int64](t arrow.DataType) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		n := d.Len()
		r := readBinary[O](d)
		validity, nulls := copyValidity(mem, d)
		buf, out := newFixed[L](mem, n)
		for i := range n {
			s := r.value(i)
			if isASCII(s) {
				out[i] = L(len(s))
			} else {
				out[i] = L(utf8.RuneCount(s))
			}
		}
		return arrayDatum(t, n, nulls, []*memory.Buffer{validity, buf}, nil), nil
	}
}

// strSplit is Split: a list of the parts of each valid value, as strings.Split cuts them.
func strSplit[O int32 | int64](lt *arrow.ListType, sep []byte) kernel {
	return func(ctx context.Context, args []compute.Datum) (compute.Datum, error) {
		d, err := unaryData(args)
		if err != nil {
			return nil, err
		}
		mem := compute.GetAllocator(ctx)
		n := d.Len()
		r := readBinary[O](d)
		validity, nulls := copyValidity(mem, d)
		listOffsets, lo := newFixed[int32](mem, n+1)
		lo[0] = 0
		parts := newBinaryWriter[O](mem, n, int(r.offs[n]-r.offs[0]))
		for i := range n {
			if validity == nil || bitutil.BitIsSet(validity.Bytes(), i) {
				s := r.value(i)
				if len(sep) == 0 {
					for _, p := range bytes.Split(s, sep) {
						parts.append(p)
					}
				} else {
					for {
						k := bytes.Index(s, sep)
						if k < 0 {
							parts.append(s)
							break
						}
						parts.append(s[:k])
						s = s[k+len(sep):]
					}
				}
			}
			if parts.row > math.MaxInt32 {
				parts.release()
				listOffsets.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, fmt.Errorf("more than 2^31 parts in one batch")
			}
			lo[i+1] = int32(parts.row)
		}
		child, err := parts.finish(lt.Elem(), nil, 0)
		if err != nil {
			listOffsets.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, err
		}
		defer child.Release()
		cd := child.(*compute.ArrayDatum).Value
		return arrayDatum(lt, n, nulls, []*memory.Buffer{validity, listOffsets}, []arrow.ArrayData{cd}), nil
	}
}
