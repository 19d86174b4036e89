package write

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/tensor"
)

// KeyColumn is the column WebDataset keys are taken from (webdataset's "__key__").
const KeyColumn = "__key__"

// WebDataset returns the WebDataset format: each file a tar shard, each row a sample whose
// members are named <key>.<column>, as the webdataset package writes them. The key is the
// row's __key__ column, or else a running number (000000042) unique within the format. A
// column's name is its members' extension, and its type and extension decide the bytes:
// an HWC uint8 tensor column named jpg/jpeg or png (or ending in .jpg, .png) is encoded as
// that image; other tensors are .npy; strings are their UTF-8 bytes, binary as it is,
// integers, floats and booleans their decimal text (webdataset's .cls convention), structs,
// lists and maps JSON. A null cell writes no member.
func WebDataset() Format { return &wdsFormat{} }

type wdsFormat struct{ next atomic.Int64 }

func (*wdsFormat) Ext() string { return "tar" }

func (f *wdsFormat) NewWriter(w io.Writer, schema *arrow.Schema) (RecordWriter, error) {
	if schema == nil {
		return nil, fmt.Errorf("sluice: write webdataset: nil schema")
	}
	for _, fl := range schema.Fields() {
		if fl.Name == KeyColumn {
			if !arrow.IsBaseBinary(fl.Type.ID()) {
				return nil, fmt.Errorf("sluice: write webdataset: column %q: type %s, want a string key", KeyColumn, fl.Type)
			}
			continue
		}
		if fl.Name == "" || strings.ContainsAny(fl.Name, "/\x00") || strings.HasPrefix(fl.Name, ".") {
			return nil, fmt.Errorf("sluice: write webdataset: column %q cannot be a member extension", fl.Name)
		}
	}
	return &wdsWriter{f: f, tw: tar.NewWriter(w), schema: schema}, nil
}

type wdsWriter struct {
	f      *wdsFormat
	tw     *tar.Writer
	schema *arrow.Schema
	buf    bytes.Buffer
	closed bool
}

func (ww *wdsWriter) Write(rec arrow.RecordBatch) error {
	if ww.closed {
		return fmt.Errorf("sluice: write webdataset: write after close")
	}
	if !rec.Schema().Equal(ww.schema) {
		return fmt.Errorf("sluice: write webdataset: batch schema %s does not match the shard's schema %s", rec.Schema(), ww.schema)
	}
	keyCol := -1
	if idx := ww.schema.FieldIndices(KeyColumn); len(idx) > 0 {
		keyCol = idx[0]
	}
	for i := range int(rec.NumRows()) {
		var key string
		if keyCol >= 0 && rec.Column(keyCol).IsValid(i) {
			key = rec.Column(keyCol).ValueStr(i)
		} else {
			key = fmt.Sprintf("%09d", ww.f.next.Add(1)-1)
		}
		for c, col := range rec.Columns() {
			if c == keyCol || col.IsNull(i) {
				continue
			}
			name := ww.schema.Field(c).Name
			ww.buf.Reset()
			if err := encodeMember(&ww.buf, name, col, i); err != nil {
				return fmt.Errorf("sluice: write webdataset: sample %q, column %q: %w", key, name, err)
			}
			h := &tar.Header{Name: key + "." + name, Mode: 0o644, Size: int64(ww.buf.Len()), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
			if len(h.Name) <= 100 {
				h.Format = tar.FormatUSTAR
			}
			if err := ww.tw.WriteHeader(h); err != nil {
				return fmt.Errorf("sluice: write webdataset: %s: %w", h.Name, err)
			}
			if _, err := ww.tw.Write(ww.buf.Bytes()); err != nil {
				return fmt.Errorf("sluice: write webdataset: %s: %w", h.Name, err)
			}
		}
	}
	return nil
}

// encodeMember writes the bytes of row i of col, a column named name.
func encodeMember(w *bytes.Buffer, name string, col arrow.Array, i int) error {
	last := name
	if k := strings.LastIndexByte(name, '.'); k >= 0 {
		last = name[k+1:]
	}
	if t, err := tensor.RowTensor(col, i); err == nil {
		switch last {
		case "jpg", "jpeg", "png":
			img, err := toImage(t)
			if err != nil {
				return err
			}
			if last == "png" {
				return png.Encode(w, img)
			}
			return jpeg.Encode(w, img, &jpeg.Options{Quality: 95})
		}
		data := t.Data
		if !t.Contiguous() {
			return fmt.Errorf("a non-contiguous tensor")
		}
		return tensor.WriteNpy(w, t.DType, t.Shape, data)
	}
	switch a := col.(type) {
	case *array.String:
		w.WriteString(a.Value(i))
	case *array.LargeString:
		w.WriteString(a.Value(i))
	case *array.Binary:
		w.Write(a.Value(i))
	case *array.LargeBinary:
		w.Write(a.Value(i))
	case *array.Boolean:
		w.WriteString(strconv.FormatBool(a.Value(i)))
	case *array.Float32:
		w.WriteString(strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32))
	case *array.Float64:
		w.WriteString(strconv.FormatFloat(a.Value(i), 'g', -1, 64))
	case *array.Struct, *array.List, *array.LargeList, *array.FixedSizeList, *array.Map:
		b, err := json.Marshal(col.GetOneForMarshal(i))
		if err != nil {
			return err
		}
		w.Write(b)
	default:
		if arrow.IsInteger(col.DataType().ID()) {
			w.WriteString(col.ValueStr(i))
			return nil
		}
		return fmt.Errorf("type %s has no WebDataset encoding", col.DataType())
	}
	return nil
}

func (ww *wdsWriter) Close() error {
	if ww.closed {
		return fmt.Errorf("sluice: write webdataset: close after close")
	}
	ww.closed = true
	if err := ww.tw.Close(); err != nil { // the two zero blocks; w itself stays open
		return fmt.Errorf("sluice: write webdataset: %w", err)
	}
	return nil
}
