package expr

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Dictionary-encoded columns (what pyarrow and Spark write for strings) are evaluated on
// their dictionary: a sub-expression of one such column, Col("region").Eq("eu") or
// Col("name").Lower().Contains("x"), is computed once per distinct value and then taken
// by the indices, instead of decoding every row and computing per row. A batch whose
// dictionary is longer than the batch decodes as usual.

// dictPaths marks the largest sub-expressions of n that read a single dictionary column.
func dictPaths(n *bnode, schema *arrow.Schema) *bnode {
	if n.kind == kCol || n.kind == kLit {
		return n
	}
	if cols := n.columns(); len(cols) == 1 && !isDecode(n) {
		if dt, ok := schema.Field(cols[0]).Type.(*arrow.DictionaryType); ok {
			return &bnode{src: n.src, kind: kDict, typ: n.typ, col: cols[0], args: []*bnode{n}, sub: onValues(n, dt.ValueType)}
		}
	}
	c := *n
	c.args = make([]*bnode, len(n.args))
	for i, a := range n.args {
		c.args[i] = dictPaths(a, schema)
	}
	return &c
}

// isDecode says whether n is the decode of a dictionary column Bind puts on its read.
func isDecode(n *bnode) bool {
	return n.kind == kCast && n.args[0].kind == kCol && n.args[0].typ.ID() == arrow.DICTIONARY
}

// onValues is n reading column 0 of a batch of the dictionary's values instead of the
// dictionary column.
func onValues(n *bnode, valueType arrow.DataType) *bnode {
	if isDecode(n) {
		return &bnode{src: n.src, kind: kCol, typ: valueType, col: 0}
	}
	c := *n
	c.args = make([]*bnode, len(n.args))
	for i, a := range n.args {
		c.args[i] = onValues(a, valueType)
	}
	return &c
}

// evalDict computes a kDict node: its sub-expression on the dictionary (with a null
// appended when a row is null, so IsNull and FillNull see one), taken by the indices.
func (n *bnode) evalDict(ctx context.Context, rec arrow.RecordBatch) (compute.Datum, error) {
	col, ok := rec.Column(n.col).(*array.Dictionary)
	if !ok || col.Dictionary().Len() > col.Len() {
		return n.args[0].eval(ctx, rec) // decoding is cheaper
	}
	mem := compute.GetAllocator(ctx)
	dict, indices := col.Dictionary(), col.Indices()
	values := dict
	if col.NullN() > 0 {
		null := array.MakeArrayOfNull(mem, dict.DataType(), 1)
		defer null.Release()
		v, err := array.Concatenate([]arrow.Array{dict, null}, mem)
		if err != nil {
			return nil, err
		}
		defer v.Release()
		values = v
		remapped := nullsTo(mem, col, int32(dict.Len()))
		defer remapped.Release()
		indices = remapped
	}
	vrec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "values", Type: values.DataType(), Nullable: true}}, nil), []arrow.Array{values}, int64(values.Len()))
	defer vrec.Release()
	r, err := n.sub.eval(ctx, vrec)
	if err != nil {
		// A dictionary may hold values no row uses, and one of them may be what failed:
		// only the rows decide.
		return n.args[0].eval(ctx, rec)
	}
	defer r.Release()
	if _, isScalar := r.(*compute.ScalarDatum); isScalar {
		return compute.NewDatum(r), nil
	}
	if ad, ok := r.(*compute.ArrayDatum); ok && ad.Value.DataType().ID() == arrow.BOOL {
		if d, ok := gatherBool(mem, ad.Value, indices); ok {
			return d, nil
		}
	}
	idx := compute.NewDatum(indices)
	defer idx.Release()
	return compute.Take(ctx, *compute.DefaultTakeOptions(), r, idx)
}

// gatherBool is take for a boolean result (a predicate over the dictionary), the common
// case, in one loop: row i is values[indices[i]]. Indices of a type other than int32 or
// int64, or with nulls (remapped by the caller), go to Arrow's take (ok false).
func gatherBool(mem memory.Allocator, values arrow.ArrayData, indices arrow.Array) (compute.Datum, bool) {
	if indices.NullN() > 0 {
		return nil, false
	}
	var idx []int64
	var idx32 []int32
	switch a := indices.(type) {
	case *array.Int32:
		idx32 = a.Int32Values()
	case *array.Int64:
		idx = a.Int64Values()
	default:
		return nil, false
	}
	n := indices.Len()
	vbits, voff := values.Buffers()[1].Bytes(), values.Offset()
	vvalid := values.Buffers()[0]
	bits := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	out := bits.Bytes()
	var validity *memory.Buffer
	var valid []byte
	if hasNulls(values) {
		validity = newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
		valid = validity.Bytes()
	}
	nulls := 0
	at := func(i int, j int) {
		if bitutil.BitIsSet(vbits, voff+j) {
			out[i>>3] |= 1 << (i & 7)
		}
		if valid != nil {
			if bitutil.BitIsSet(vvalid.Bytes(), voff+j) {
				valid[i>>3] |= 1 << (i & 7)
			} else {
				nulls++
			}
		}
	}
	if idx32 != nil {
		for i, j := range idx32 {
			at(i, int(j))
		}
	} else {
		for i, j := range idx {
			at(i, int(j))
		}
	}
	return arrayDatum(arrow.FixedWidthTypes.Boolean, n, nulls, []*memory.Buffer{validity, bits}, nil), true
}

// nullsTo is col's indices as int32 with every null row pointing at index null instead.
func nullsTo(mem memory.Allocator, col *array.Dictionary, null int32) arrow.Array {
	n := col.Len()
	buf, out := newFixed[int32](mem, n)
	for i := range n {
		if col.IsNull(i) {
			out[i] = null
		} else {
			out[i] = int32(col.GetValueIndex(i))
		}
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	defer data.Release()
	return array.MakeFromData(data)
}
