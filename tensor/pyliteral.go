package tensor

import (
	"errors"
	"fmt"
	"strconv"
)

// pyParser reads the small subset of Python literals found in .npy headers: a dict with
// string keys whose values are strings, True/False, integers, tuples and lists of those.
type pyParser struct {
	s     string
	i     int
	depth int
}

const maxPyDepth = 16

func (p *pyParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) peek() byte {
	p.skip()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) expect(c byte) error {
	if p.peek() != c {
		return fmt.Errorf("expected %q at offset %d", c, p.i)
	}
	p.i++
	return nil
}

func (p *pyParser) dict() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for {
		if p.peek() == '}' {
			p.i++
			return out, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", k)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		if out[key], err = p.value(); err != nil {
			return nil, err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
		}
	}
}

func (p *pyParser) value() (any, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str(c)
	case c == '(' || c == '[':
		return p.seq(c)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.int()
	case c == 'T' || c == 'F':
		for _, w := range []string{"True", "False"} {
			if len(p.s)-p.i >= len(w) && p.s[p.i:p.i+len(w)] == w {
				p.i += len(w)
				return w == "True", nil
			}
		}
	case c == 0:
		return nil, errors.New("unexpected end of header")
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
}

func (p *pyParser) str(q byte) (string, error) {
	p.i++
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != q {
		if p.s[p.i] == '\\' {
			return "", fmt.Errorf("escapes in strings are not supported (offset %d)", p.i)
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return "", errors.New("unterminated string")
	}
	s := p.s[start:p.i]
	p.i++
	return s, nil
}

func (p *pyParser) int() (int, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long suffix, written by old NumPy
		defer func() { p.i++ }()
	}
	v, err := strconv.Atoi(p.s[start:p.i])
	if err != nil {
		return 0, fmt.Errorf("bad integer %q", p.s[start:p.i])
	}
	return v, nil
}

func (p *pyParser) seq(open byte) ([]any, error) {
	if p.depth++; p.depth > maxPyDepth {
		return nil, errors.New("nesting too deep")
	}
	defer func() { p.depth-- }()
	closing := byte(')')
	if open == '[' {
		closing = ']'
	}
	p.i++
	out := []any{}
	for {
		if p.peek() == closing {
			p.i++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		switch p.peek() {
		case ',':
			p.i++
		case closing:
		default:
			return nil, fmt.Errorf("expected ',' or %q at offset %d", closing, p.i)
		}
	}
}
