package read

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// JSONOptions configures ReadJSON. The zero value infers the schema from the first BatchRows
// rows and emits batches of DefaultBatchRows rows.
type JSONOptions struct {
	// Columns, if not empty, is the projection: only these top-level fields are materialised,
	// in this order. Naming a field absent from the schema is an error.
	Columns []string
	// Schema, if not nil, is used instead of inference. Keys it does not name are ignored and
	// missing keys are null.
	Schema *arrow.Schema
	// BatchRows is the number of rows per emitted batch; zero means DefaultBatchRows.
	BatchRows int
	// InferRows is how many leading rows schema inference looks at; zero means BatchRows.
	// Keys first seen after them are ignored; a later value of another type is an error
	// naming the row.
	InferRows int
	// Compression is the codec the file is compressed with: "" (the default) detects it by
	// extension (.gz, .zst, .bz2, .lz4, .xz; see OpenStream), "none" reads the file as it is.
	Compression string
}

// ReadJSON reads the JSON file f from st and calls emit with each batch of at most
// opts.BatchRows rows; emit owns (and releases) each batch. The file is either JSON Lines (one
// object per line, blank lines skipped) or one top-level array of objects; the first
// non-blank byte decides. Inferred types: bool, int64 (numbers without fraction or exponent),
// float64, string, list<T> for arrays and struct for nested objects; integers and floats in one
// column become float64, a column that is null in every inferred row has type null. Two other
// types in one column are an error naming the column.
//
// Errors start with "sluice: read_json: <path>: " and name the line (JSON Lines) or element
// (array) of a malformed row. An error from emit is returned unchanged. Unfinished batches are
// released before ReadJSON returns.
func ReadJSON(ctx context.Context, mem memory.Allocator, st Storage, f File, opts JSONOptions, emit Emit) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if opts.BatchRows < 0 || opts.InferRows < 0 {
		return readErrorf("json", f.Path, "BatchRows and InferRows must not be negative")
	}
	if opts.BatchRows == 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.InferRows == 0 {
		opts.InferRows = opts.BatchRows
	}
	rc, err := OpenStream(ctx, st, f, opts.Compression)
	if err != nil {
		return readError("json", f.Path, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	first, err := firstNonSpace(br)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return readError("json", f.Path, err)
	}
	j := &jsonReader{path: f.Path, opts: opts, mem: mem, emit: emit, ctx: ctx}
	defer j.release()
	switch first {
	case '{':
		err = j.readLines(br)
	case '[':
		err = j.readArray(br)
	default:
		return readErrorf("json", f.Path, "expected a JSON object per line or an array of objects, found %q", first)
	}
	if err != nil {
		return err
	}
	return j.finish()
}

func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			if b, err := br.Peek(2); err == nil && b[0] == 0xBB && b[1] == 0xBF {
				br.Discard(2)
				continue
			}
		}
		return c, br.UnreadByte()
	}
}

// jsonReader buffers the first rows for inference, then appends rows to a record builder.
type jsonReader struct {
	ctx  context.Context
	path string
	opts JSONOptions
	mem  memory.Allocator
	emit Emit

	sample  [][]byte
	where   []string // "line 3" or "element 2", per sampled row
	root    *jtype
	b       *array.RecordBuilder
	rows    int
	batches int
}

func (j *jsonReader) release() {
	if j.b != nil {
		j.b.Release()
		j.b = nil
	}
}

func (j *jsonReader) readLines(br *bufio.Reader) error {
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := j.row(raw, fmt.Sprintf("line %d", line)); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readError("json", j.path, err)
		}
	}
}

func (j *jsonReader) readArray(br *bufio.Reader) error {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // the '['
		return readErrorf("json", j.path, "%w", err)
	}
	for k := 0; dec.More(); k++ {
		var raw json.RawMessage
		where := fmt.Sprintf("element %d", k)
		if err := dec.Decode(&raw); err != nil {
			return readErrorf("json", j.path, "%s: %w", where, err)
		}
		if err := j.row(raw, where); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return readErrorf("json", j.path, "unterminated array: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return readErrorf("json", j.path, "unexpected data after the top-level array")
	}
	return nil
}

// row takes one raw object: into the sample while inferring, else into the builder.
func (j *jsonReader) row(raw []byte, where string) error {
	// encoding/json would put U+FFFD in place of invalid bytes: refuse them instead, as
	// ReadText does, rather than change the data silently.
	if !utf8.Valid(raw) {
		return readErrorf("json", j.path, "%s: not valid UTF-8 (at byte %d of the line)", where, invalidUTF8At(raw))
	}
	if j.b == nil {
		if j.opts.Schema == nil {
			t, err := inferJSON(raw)
			if err != nil {
				return readErrorf("json", j.path, "%s: %w", where, syntaxError(raw, err))
			}
			if t.kind != jObject {
				return readErrorf("json", j.path, "%s: expected an object, found %s", where, t.kind)
			}
			if j.root == nil {
				j.root = t
			} else if j.root, err = mergeJSON(j.root, t); err != nil {
				return readErrorf("json", j.path, "%s: %w", where, err)
			}
			j.sample = append(j.sample, bytes.Clone(raw))
			j.where = append(j.where, where)
			if len(j.sample) < j.opts.InferRows {
				return nil
			}
		}
		if err := j.start(); err != nil {
			return err
		}
		if j.opts.Schema == nil {
			return nil // the sample, including this row, was appended by start
		}
	}
	return j.append(raw, where)
}

// start fixes the schema, creates the builder and appends the sampled rows.
func (j *jsonReader) start() error {
	schema := j.opts.Schema
	if schema == nil {
		schema = arrow.NewSchema(j.root.fields(), nil)
	}
	if len(j.opts.Columns) > 0 {
		fields := make([]arrow.Field, 0, len(j.opts.Columns))
		for _, c := range j.opts.Columns {
			i := schema.FieldIndices(c)
			if len(i) == 0 {
				names := make([]string, schema.NumFields())
				for k, fl := range schema.Fields() {
					names[k] = fl.Name
				}
				return readErrorf("json", j.path, "column %q not found (columns: %s)", c, strings.Join(names, ", "))
			}
			fields = append(fields, schema.Field(i[0]))
		}
		schema = arrow.NewSchema(fields, nil)
	}
	j.b = array.NewRecordBuilder(j.mem, schema)
	sample, where := j.sample, j.where
	j.sample, j.where = nil, nil
	for k, raw := range sample {
		if err := j.append(raw, where[k]); err != nil {
			return err
		}
	}
	return nil
}

func (j *jsonReader) append(raw []byte, where string) error {
	if err := j.b.UnmarshalJSON(raw); err != nil {
		return readErrorf("json", j.path, "%s: %w", where, syntaxError(raw, err))
	}
	j.rows++
	if j.rows == j.opts.BatchRows {
		return j.flush()
	}
	return nil
}

func (j *jsonReader) flush() error {
	rec := j.b.NewRecordBatch()
	j.rows = 0
	j.batches++
	if err := j.ctx.Err(); err != nil {
		rec.Release()
		return err
	}
	return j.emit(rec)
}

func (j *jsonReader) finish() error {
	if j.b == nil {
		if j.root == nil && j.opts.Schema == nil {
			return nil // no rows at all
		}
		if err := j.start(); err != nil {
			return err
		}
	}
	if j.rows > 0 || j.batches == 0 {
		return j.flush()
	}
	return nil
}

// syntaxError prefers encoding/json's description of malformed input ("unexpected end of JSON
// input", "invalid character ...") to the token-level error a streaming decoder gives (a bare
// EOF). It runs only on the error path.
func syntaxError(raw []byte, err error) error {
	var v any
	if serr := json.Unmarshal(raw, &v); serr != nil {
		return fmt.Errorf("malformed JSON: %w", serr)
	}
	return err
}

// jtype is an inferred JSON type. Object fields keep their order of first appearance.
type jtype struct {
	kind  jkind
	elem  *jtype            // jList
	names []string          // jObject
	sub   map[string]*jtype // jObject
}

type jkind int

const (
	jNull jkind = iota
	jBool
	jInt
	jFloat
	jString
	jList
	jObject
)

func (k jkind) String() string {
	return [...]string{"null", "bool", "int64", "float64", "string", "list", "object"}[k]
}

var errMixed = errors.New("mixed types")

// invalidUTF8At is the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// inferJSON infers the type of one JSON value.
func inferJSON(raw []byte) (*jtype, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	t, err := inferValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the object")
	}
	return t, nil
}

// maxJSONDepth bounds the nesting of an inferred value: a hostile line of 100,000 "[" took
// minutes to type as nested Arrow lists (the hostile-input catalogue, data/hostile_test.go).
const maxJSONDepth = 1000

func inferValue(dec *json.Decoder, depth int) (*jtype, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("values nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch v := tok.(type) {
	case nil:
		return &jtype{kind: jNull}, nil
	case bool:
		return &jtype{kind: jBool}, nil
	case string:
		return &jtype{kind: jString}, nil
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return &jtype{kind: jInt}, nil
		}
		return &jtype{kind: jFloat}, nil
	case json.Delim:
		switch v {
		case '[':
			t := &jtype{kind: jList, elem: &jtype{kind: jNull}}
			for dec.More() {
				e, err := inferValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if t.elem, err = mergeJSON(t.elem, e); err != nil {
					return nil, err
				}
			}
			_, err := dec.Token()
			return t, err
		case '{':
			t := &jtype{kind: jObject, sub: map[string]*jtype{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key := kt.(string)
				e, err := inferValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if old, ok := t.sub[key]; ok {
					if t.sub[key], err = mergeJSON(old, e); err != nil {
						return nil, err
					}
					continue
				}
				t.names = append(t.names, key)
				t.sub[key] = e
			}
			_, err := dec.Token()
			return t, err
		}
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// mergeJSON returns the type that holds values of both a and b: null gives way to anything,
// int64 widens to float64, lists and objects merge element- and field-wise.
func mergeJSON(a, b *jtype) (*jtype, error) {
	switch {
	case a.kind == jNull:
		return b, nil
	case b.kind == jNull:
		return a, nil
	case a.kind == b.kind && a.kind == jList:
		e, err := mergeJSON(a.elem, b.elem)
		if err != nil {
			return nil, err
		}
		return &jtype{kind: jList, elem: e}, nil
	case a.kind == b.kind && a.kind == jObject:
		out := &jtype{kind: jObject, names: append([]string(nil), a.names...), sub: make(map[string]*jtype, len(a.sub))}
		for k, v := range a.sub {
			out.sub[k] = v
		}
		for _, k := range b.names {
			old, ok := out.sub[k]
			if !ok {
				out.names = append(out.names, k)
				out.sub[k] = b.sub[k]
				continue
			}
			m, err := mergeJSON(old, b.sub[k])
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", k, err)
			}
			out.sub[k] = m
		}
		return out, nil
	case a.kind == b.kind:
		return a, nil
	case (a.kind == jInt && b.kind == jFloat) || (a.kind == jFloat && b.kind == jInt):
		return &jtype{kind: jFloat}, nil
	}
	return nil, fmt.Errorf("%w %s and %s", errMixed, a.kind, b.kind)
}

func (t *jtype) arrow() arrow.DataType {
	switch t.kind {
	case jBool:
		return arrow.FixedWidthTypes.Boolean
	case jInt:
		return arrow.PrimitiveTypes.Int64
	case jFloat:
		return arrow.PrimitiveTypes.Float64
	case jString:
		return arrow.BinaryTypes.String
	case jList:
		return arrow.ListOf(t.elem.arrow())
	case jObject:
		return arrow.StructOf(t.fields()...)
	}
	return arrow.Null
}

func (t *jtype) fields() []arrow.Field {
	fs := make([]arrow.Field, len(t.names))
	for i, n := range t.names {
		fs[i] = arrow.Field{Name: n, Type: t.sub[n].arrow(), Nullable: true}
	}
	return fs
}
