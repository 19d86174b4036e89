package gifdec

// decodeLZW decodes GIF's variable-width LZW (codes of litWidth+1 bits growing to 12, LSB
// first) into dst, at most n values, and stops without error at the end code, an invalid
// code or the end of the data, keeping what it decoded as PIL does. Values of code sizes
// over 8 bits keep their low byte, as PIL's 8-bit image does.
func decodeLZW(dst []uint8, data []byte, litWidth, n int) []uint8 {
	if litWidth < 1 {
		litWidth = 1
	}
	if litWidth > 11 {
		return dst // every code of a 12-bit alphabet would be past the 12-bit code space
	}
	if cap(dst)-len(dst) < n {
		dst = append(make([]uint8, 0, len(dst)+n), dst...)
	}
	n += len(dst)
	clear := 1 << litWidth
	end := clear + 1
	var prefix [4096]uint16
	var suffix [4096]uint8
	var first [4096]uint8 // first value of each code's string
	var length [4096]uint16
	for i := range clear {
		suffix[i], first[i], length[i] = uint8(i), uint8(i), 1
	}
	width := litWidth + 1
	next := clear + 2
	prev := -1
	var bits uint32
	var nbits uint
	pos := 0
	for len(dst) < n {
		for nbits < uint(width) {
			if pos >= len(data) {
				return dst
			}
			bits |= uint32(data[pos]) << nbits
			nbits += 8
			pos++
		}
		code := int(bits & (1<<width - 1))
		bits >>= uint(width)
		nbits -= uint(width)
		switch {
		case code == clear:
			width, next, prev = litWidth+1, clear+2, -1
			continue
		case code == end:
			return dst
		case prev < 0:
			if code > clear {
				return dst
			}
			dst = append(dst, uint8(code))
			prev = code
			continue
		}
		var emitted int
		switch {
		case code < next:
			emitted = code
		case code == next:
			emitted = -1 // the KwKwK case: prev's string plus its own first value
		default:
			return dst
		}
		if next < 4096 {
			prefix[next] = uint16(prev)
			if emitted >= 0 {
				suffix[next] = first[code]
			} else {
				suffix[next] = first[prev]
			}
			first[next] = first[prev]
			length[next] = length[prev] + 1
			next++
			if next == 1<<width && width < 12 {
				width++
			}
		}
		c := code
		if emitted < 0 {
			c = next - 1
		}
		// Write the code's string back to front straight into dst: its length is known,
		// so no stack is needed.
		l := int(length[c])
		start := len(dst)
		if room := n - start; l > room {
			// The string runs past the image: keep its first room values.
			for l > room {
				c = int(prefix[c])
				l--
			}
		}
		dst = dst[:start+l]
		for i := start + l - 1; i >= start; i-- {
			dst[i] = suffix[c]
			c = int(prefix[c])
		}
		prev = code
	}
	return dst
}
