package read

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Where pqarrow v18.8.0 types a Parquet column otherwise than pyarrow (Arrow C++) does,
// sluice follows pyarrow: users compare against it, and the format spec's
// backward-compatibility rules for lists (LogicalTypes.md, "Lists") side with it.
// pyarrowField computes a top-level field as pyarrow types it from the Parquet node and
// pqarrow's field, and conformArray converts pqarrow's data to it. The data never changes
// layout, only types, except for legacy lists, where a single-child struct level that pqarrow
// inserts is removed (zero-copy):
//
//   - INT96 timestamps are naive timestamp[ns] in pyarrow, not UTC-adjusted (pyarrow never
//     restores a stored time zone on INT96 either).
//   - A LIST whose repeated group is itself LIST- or MAP-annotated, with one field and named
//     "array" or "<list>_tuple" (parquet-avro's and parquet-thrift's two-level lists, parquet-
//     testing's old_list_structure.parquet): the repeated group is the element, so the column
//     is a list of lists. pqarrow makes the element a struct of one list.
//   - Elements of a list made from a repeated field (a repeated primitive or an unannotated
//     repeated group, and the repeated group of a legacy LIST) are required: pqarrow marks
//     them nullable.

// conformPlan says how one top-level column differs from pqarrow's reading of it.
type conformPlan struct {
	field   arrow.Field // the field as pyarrow types it
	changed bool        // false: pqarrow's field and arrays are already right
	node    schema.Node
	unit    Int96Unit
	// durations says pqarrow reads the column with int64 in place of durations
	// (hideDurations); its arrays are retyped to field.
	durations bool
}

// pyarrowField returns the plan for the top-level field f (pqarrow's) stored under node.
// INT96 values are converted to unit only where pqarrow reads them (nested INT96 columns;
// flat ones are read by the page reader).
func pyarrowField(node schema.Node, f arrow.Field, unit Int96Unit) conformPlan {
	out, changed := conformField(nil, node, f, unit, nil)
	return conformPlan{field: out.field, changed: changed, node: node, unit: unit}
}

// conformArray converts a, pqarrow's array of the column, to p's field type; new buffers
// (INT96 values in another unit) come from mem. The caller releases both a and the result
// (which may be a, retained).
func (p *conformPlan) conformArray(mem memory.Allocator, a arrow.Array) arrow.Array {
	if !p.changed {
		a.Retain()
		return a
	}
	out, _ := conformField(mem, p.node, arrow.Field{Name: p.field.Name, Type: a.DataType(), Nullable: p.field.Nullable}, p.unit, a.Data())
	defer out.data.Release()
	if p.durations {
		d := retype(out.data, p.field.Type)
		defer d.Release()
		return array.MakeFromData(d)
	}
	return array.MakeFromData(out.data)
}

type conformed struct {
	field arrow.Field
	data  arrow.ArrayData // nil when called for the type only
}

// conformField walks the Parquet node n and the Arrow field f that pqarrow made of it
// together, as pqarrow's nodeToSchemaField does, and returns the field pyarrow makes, with
// d (pqarrow's data, when not nil) converted to it, and whether anything changed. Shapes it
// does not expect (a stored Arrow schema can change types) are returned unchanged.
func conformField(mem memory.Allocator, n schema.Node, f arrow.Field, unit Int96Unit, d arrow.ArrayData) (conformed, bool) {
	same := func() (conformed, bool) {
		if d != nil {
			d.Retain()
		}
		return conformed{f, d}, false
	}
	if p, ok := n.(*schema.PrimitiveNode); ok {
		if p.RepetitionType() == parquet.Repetitions.Repeated {
			// One-level list: pqarrow's list<T> of the values; elements are required.
			lt, ok := f.Type.(*arrow.ListType)
			if !ok {
				return same()
			}
			return conformList(f, lt, d, func(elem arrow.Field, cd arrow.ArrayData) (conformed, bool) {
				return conformLeaf(mem, p, elem, unit, cd)
			}, true)
		}
		return conformLeaf(mem, p, f, unit, d)
	}
	g := n.(*schema.GroupNode)
	switch {
	case g.LogicalType().Equals(schema.NewListLogicalType()):
		lt, ok := f.Type.(*arrow.ListType)
		if !ok || g.NumFields() != 1 {
			return same()
		}
		rep := g.Field(0)
		rg, isGroup := rep.(*schema.GroupNode)
		if !isGroup {
			// Two-level list of a repeated primitive: the primitive is the element.
			return conformList(f, lt, d, func(elem arrow.Field, cd arrow.ArrayData) (conformed, bool) {
				return conformLeaf(mem, rep.(*schema.PrimitiveNode), elem, unit, cd)
			}, false)
		}
		if rg.NumFields() == 1 && rg.Name() != "array" && rg.Name() != g.Name()+"_tuple" {
			// Three-level list: the repeated group's only field is the element.
			return conformList(f, lt, d, func(elem arrow.Field, cd arrow.ArrayData) (conformed, bool) {
				return conformField(mem, rg.Field(0), elem, unit, cd)
			}, false)
		}
		st, ok := lt.Elem().(*arrow.StructType)
		if !ok || st.NumFields() != rg.NumFields() {
			return same()
		}
		annotated := rg.LogicalType().Equals(schema.NewListLogicalType()) || rg.LogicalType().Equals(schema.MapLogicalType{})
		if annotated && rg.NumFields() == 1 {
			// Legacy list of lists: drop the struct level; its only child (pqarrow's reading of
			// the repeated group's repeated field) is the element, and it is required.
			return conformList(f, lt, d, func(elem arrow.Field, cd arrow.ArrayData) (conformed, bool) {
				inner := st.Field(0)
				var child arrow.ArrayData
				if cd != nil {
					child = array.NewSliceData(cd.Children()[0], int64(cd.Offset()), int64(cd.Offset()+cd.Len()))
					defer child.Release()
				}
				c, _ := conformField(mem, rg.Field(0), inner, unit, child)
				c.field.Name = elem.Name
				return c, true
			}, true)
		}
		// The repeated group is the element, a struct; elements are required.
		return conformList(f, lt, d, func(elem arrow.Field, cd arrow.ArrayData) (conformed, bool) {
			return conformStruct(mem, rg, elem, unit, cd)
		}, true)
	case g.LogicalType().Equals(schema.MapLogicalType{}):
		mt, ok := f.Type.(*arrow.MapType)
		if !ok || g.NumFields() != 1 {
			return same()
		}
		kv, ok := g.Field(0).(*schema.GroupNode)
		if !ok || kv.NumFields() != 2 {
			return same()
		}
		// A map is a list of struct<key, value>: conform the entries' struct.
		key, item := mt.KeyField(), mt.ItemField()
		var entries arrow.ArrayData
		if d != nil {
			entries = d.Children()[0]
		}
		kc, kchanged := conformField(mem, kv.Field(0), key, unit, childOf(entries, 0))
		ic, ichanged := conformField(mem, kv.Field(1), item, unit, childOf(entries, 1))
		defer release(kc.data, ic.data)
		if !kchanged && !ichanged {
			return same()
		}
		nt := arrow.MapOfFields(kc.field, ic.field)
		nt.KeysSorted = mt.KeysSorted
		out := conformed{field: withType(f, nt)}
		if d != nil {
			ed := array.NewData(nt.Elem(), entries.Len(), entries.Buffers(), []arrow.ArrayData{kc.data, ic.data}, entries.NullN(), entries.Offset())
			defer ed.Release()
			out.data = array.NewData(nt, d.Len(), d.Buffers(), []arrow.ArrayData{ed}, d.NullN(), d.Offset())
		}
		return out, true
	case g.RepetitionType() == parquet.Repetitions.Repeated:
		// An unannotated repeated group: pqarrow's list<struct>; elements are required.
		lt, ok := f.Type.(*arrow.ListType)
		if !ok {
			return same()
		}
		return conformList(f, lt, d, func(elem arrow.Field, cd arrow.ArrayData) (conformed, bool) {
			return conformStruct(mem, g, elem, unit, cd)
		}, true)
	}
	if _, ok := f.Type.(*arrow.StructType); !ok {
		return same()
	}
	return conformStruct(mem, g, f, unit, d)
}

// conformList conforms a list field f of type lt, its element by elem; required makes the
// element field not nullable (its data has no nulls: a repeated field's entries exist).
func conformList(f arrow.Field, lt *arrow.ListType, d arrow.ArrayData,
	elem func(arrow.Field, arrow.ArrayData) (conformed, bool), required bool) (conformed, bool) {
	var cd arrow.ArrayData
	if d != nil {
		cd = d.Children()[0]
	}
	ec, changed := elem(lt.ElemField(), cd)
	defer release(ec.data)
	if required && ec.field.Nullable {
		ec.field.Nullable = false
		changed = true
	}
	if !changed {
		return conformed{f, retained(d)}, false
	}
	nt := arrow.ListOfField(ec.field)
	out := conformed{field: withType(f, nt)}
	if d != nil {
		out.data = array.NewData(nt, d.Len(), d.Buffers(), []arrow.ArrayData{ec.data}, d.NullN(), d.Offset())
	}
	return out, true
}

// conformStruct conforms the struct field f made of group g.
func conformStruct(mem memory.Allocator, g *schema.GroupNode, f arrow.Field, unit Int96Unit, d arrow.ArrayData) (conformed, bool) {
	st, ok := f.Type.(*arrow.StructType)
	if !ok || st.NumFields() != g.NumFields() {
		return conformed{f, retained(d)}, false
	}
	fields := make([]arrow.Field, st.NumFields())
	kids := make([]arrow.ArrayData, st.NumFields())
	defer release(kids...)
	changed := false
	for i := range fields {
		c, ch := conformField(mem, g.Field(i), st.Field(i), unit, childOf(d, i))
		fields[i], kids[i] = c.field, c.data
		changed = changed || ch
	}
	if !changed {
		return conformed{f, retained(d)}, false
	}
	nt := arrow.StructOf(fields...)
	out := conformed{field: withType(f, nt)}
	if d != nil {
		out.data = array.NewData(nt, d.Len(), d.Buffers(), kids, d.NullN(), d.Offset())
	}
	return out, true
}

// conformLeaf conforms a leaf column: only INT96 differs.
func conformLeaf(mem memory.Allocator, p *schema.PrimitiveNode, f arrow.Field, unit Int96Unit, d arrow.ArrayData) (conformed, bool) {
	if p.PhysicalType() != parquet.Types.Int96 {
		return conformed{f, retained(d)}, false
	}
	return conformInt96(mem, f, unit, d)
}

// conformInt96 retypes pqarrow's INT96 column (timestamp[ns, tz=UTC], values in ns) as
// pyarrow's naive timestamp in unit. Converting ns values to a coarser unit truncates toward
// zero; nested INT96 columns only, see pyarrowField.
func conformInt96(mem memory.Allocator, f arrow.Field, unit Int96Unit, d arrow.ArrayData) (conformed, bool) {
	ts, ok := f.Type.(*arrow.TimestampType)
	if !ok {
		return conformed{f, retained(d)}, false
	}
	nt := &arrow.TimestampType{Unit: unit.TimeUnit()}
	if ts.Unit == nt.Unit && ts.TimeZone == "" {
		return conformed{f, retained(d)}, false
	}
	out := conformed{field: withType(f, nt)}
	if d == nil {
		return out, true
	}
	div := unit.nanosPer()
	if div == 1 {
		out.data = array.NewData(nt, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
		return out, true
	}
	bufs := d.Buffers()
	vals := arrow.Int64Traits.CastFromBytes(bufs[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
	scaled := memory.NewResizableBuffer(mem)
	defer scaled.Release()
	scaled.Resize(arrow.Int64Traits.BytesRequired(d.Len()))
	dst := arrow.Int64Traits.CastFromBytes(scaled.Bytes())
	for i, v := range vals {
		dst[i] = v / div
	}
	var valid *memory.Buffer
	if d.NullN() > 0 {
		valid = copyBitmap(mem, bufs[0], d.Offset(), d.Len())
		defer valid.Release()
	}
	out.data = array.NewData(nt, d.Len(), []*memory.Buffer{valid, scaled}, nil, d.NullN(), 0)
	return out, true
}

// copyBitmap copies n bits of b from bit off into a new buffer from mem, starting at bit 0.
func copyBitmap(mem memory.Allocator, b *memory.Buffer, off, n int) *memory.Buffer {
	out := memory.NewResizableBuffer(mem)
	out.Resize(int(arrow.BooleanTraits.BytesRequired(n)))
	src, dst := b.Bytes(), out.Bytes()
	clear(dst)
	for i := range n {
		if src[(off+i)/8]&(1<<((off+i)%8)) != 0 {
			dst[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

func withType(f arrow.Field, t arrow.DataType) arrow.Field {
	f.Type = t
	return f
}

func childOf(d arrow.ArrayData, i int) arrow.ArrayData {
	if d == nil {
		return nil
	}
	return d.Children()[i]
}

func retained(d arrow.ArrayData) arrow.ArrayData {
	if d != nil {
		d.Retain()
	}
	return d
}

func release(ds ...arrow.ArrayData) {
	for _, d := range ds {
		if d != nil {
			d.Release()
		}
	}
}

// pqarrow v18.8.0 cannot read a duration column ("no support for reading columns of type:
// duration"), which pyarrow and Polars write as INT64 with the Arrow type in the stored
// schema. hideDurations retypes such leaves of the manifest field sf (and the types above
// them) as int64, which pqarrow reads, and reports whether it changed anything;
// conformPlan.conformArray then gives the arrays the duration type back (same layout).
func hideDurations(sf *pqarrow.SchemaField) bool {
	if sf.IsLeaf() {
		if sf.Field.Type.ID() != arrow.DURATION {
			return false
		}
		f := *sf.Field
		f.Type = arrow.PrimitiveTypes.Int64
		sf.Field = &f
		return true
	}
	changed := false
	for i := range sf.Children {
		changed = hideDurations(&sf.Children[i]) || changed
	}
	if !changed {
		return false
	}
	kids := make([]arrow.Field, len(sf.Children))
	for i, c := range sf.Children {
		kids[i] = *c.Field
	}
	var t arrow.DataType
	switch old := sf.Field.Type.(type) {
	case *arrow.ListType:
		t = arrow.ListOfField(kids[0])
	case *arrow.LargeListType:
		t = arrow.LargeListOfField(kids[0])
	case *arrow.FixedSizeListType:
		t = arrow.FixedSizeListOfField(old.Len(), kids[0])
	case *arrow.StructType:
		t = arrow.StructOf(kids...)
	case *arrow.MapType:
		entries, ok := kids[0].Type.(*arrow.StructType)
		if !ok || entries.NumFields() != 2 {
			return false
		}
		mt := arrow.MapOfFields(entries.Field(0), entries.Field(1))
		mt.KeysSorted = old.KeysSorted
		t = mt
	default:
		return false // left as it is: pqarrow reports the duration
	}
	f := *sf.Field
	f.Type = t
	sf.Field = &f
	return true
}

// retype returns d with type t, which has d's layout at every level (int64 where t has a
// duration), sharing d's buffers. The caller releases the result.
func retype(d arrow.ArrayData, t arrow.DataType) arrow.ArrayData {
	var kids []arrow.DataType
	switch t := t.(type) {
	case *arrow.ListType:
		kids = []arrow.DataType{t.Elem()}
	case *arrow.LargeListType:
		kids = []arrow.DataType{t.Elem()}
	case *arrow.FixedSizeListType:
		kids = []arrow.DataType{t.Elem()}
	case *arrow.MapType:
		kids = []arrow.DataType{t.Elem()}
	case *arrow.StructType:
		for _, f := range t.Fields() {
			kids = append(kids, f.Type)
		}
	}
	children := make([]arrow.ArrayData, len(d.Children()))
	defer release(children...)
	for i, c := range d.Children() {
		if i < len(kids) {
			children[i] = retype(c, kids[i])
		} else {
			children[i] = retained(c)
		}
	}
	return array.NewData(t, d.Len(), d.Buffers(), children, d.NullN(), d.Offset())
}
