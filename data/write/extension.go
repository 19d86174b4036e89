package write

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
)

// Field metadata keys that carry an extension type through a format that only knows its
// storage type. Arrow IPC uses the same keys, so the Arrow schema pqarrow stores in a Parquet
// file (WithStoreSchema) restores the extension type on read when the reader has it
// registered, in Go and in pyarrow alike.
const (
	extensionNameKey     = "ARROW:extension:name"
	extensionMetadataKey = "ARROW:extension:metadata"
)

// writableExtension reports whether pqarrow v18.8.0 writes the extension type as it is: it
// maps an extension with primitive storage to a primitive column and handles the Parquet
// variant itself, but refuses one whose storage is nested (list, fixed-size list, struct,
// map), which is what tensor types use.
func writableExtension(t arrow.ExtensionType) bool {
	return extensions.IsVariantExtensionName(t.ExtensionName()) || !arrow.IsNested(t.StorageType().ID())
}

// storageField returns f with every extension type that pqarrow cannot write, at any depth,
// replaced by its storage type, the extension's name and serialized metadata moved into the
// field metadata. It reports whether anything changed.
func storageField(f arrow.Field) (arrow.Field, bool) {
	switch dt := f.Type.(type) {
	case arrow.ExtensionType:
		if writableExtension(dt) {
			return f, false
		}
		inner, _ := storageField(arrow.Field{Name: f.Name, Type: dt.StorageType()})
		keys := []string{extensionNameKey, extensionMetadataKey}
		vals := []string{dt.ExtensionName(), dt.Serialize()}
		for i, k := range f.Metadata.Keys() {
			if k != extensionNameKey && k != extensionMetadataKey {
				keys = append(keys, k)
				vals = append(vals, f.Metadata.Values()[i])
			}
		}
		return arrow.Field{Name: f.Name, Type: inner.Type, Nullable: f.Nullable, Metadata: arrow.NewMetadata(keys, vals)}, true
	case *arrow.ListType:
		if elem, ok := storageField(dt.ElemField()); ok {
			return withType(f, arrow.ListOfField(elem)), true
		}
	case *arrow.LargeListType:
		if elem, ok := storageField(dt.ElemField()); ok {
			return withType(f, arrow.LargeListOfField(elem)), true
		}
	case *arrow.FixedSizeListType:
		if elem, ok := storageField(dt.ElemField()); ok {
			return withType(f, arrow.FixedSizeListOfField(dt.Len(), elem)), true
		}
	case *arrow.MapType:
		key, kok := storageField(dt.KeyField())
		item, iok := storageField(dt.ItemField())
		if kok || iok {
			return withType(f, arrow.MapOfFields(key, item)), true
		}
	case *arrow.StructType:
		fields := make([]arrow.Field, dt.NumFields())
		changed := false
		for i := range fields {
			var ok bool
			fields[i], ok = storageField(dt.Field(i))
			changed = changed || ok
		}
		if changed {
			return withType(f, arrow.StructOf(fields...)), true
		}
	}
	return f, false
}

func withType(f arrow.Field, t arrow.DataType) arrow.Field {
	f.Type = t
	return f
}

// storageSchema applies storageField to every column. It returns schema itself, and false,
// when no column needs converting.
func storageSchema(schema *arrow.Schema) (*arrow.Schema, bool) {
	fields := make([]arrow.Field, schema.NumFields())
	changed := false
	for i, f := range schema.Fields() {
		var ok bool
		fields[i], ok = storageField(f)
		changed = changed || ok
	}
	if !changed {
		return schema, false
	}
	meta := schema.Metadata()
	return arrow.NewSchema(fields, &meta), true
}

// storageData returns data retyped to target, a type storageField derived from data's type.
// It copies no buffers: an extension array's data already has its storage layout, so only
// the type (and the types of the children) change. The caller releases the result.
func storageData(data arrow.ArrayData, target arrow.DataType) arrow.ArrayData {
	if arrow.TypeEqual(data.DataType(), target, arrow.CheckMetadata()) {
		data.Retain()
		return data
	}
	kids := childTypes(target)
	children := make([]arrow.ArrayData, len(data.Children()))
	for i, c := range data.Children() {
		children[i] = storageData(c, kids[i])
	}
	out := array.NewData(target, data.Len(), data.Buffers(), children, data.NullN(), data.Offset())
	for _, c := range children {
		c.Release()
	}
	return out
}

// childTypes lists the types of the child arrays of a nested type, in ArrayData order.
func childTypes(t arrow.DataType) []arrow.DataType {
	switch dt := t.(type) {
	case *arrow.StructType:
		out := make([]arrow.DataType, dt.NumFields())
		for i := range out {
			out[i] = dt.Field(i).Type
		}
		return out
	case *arrow.MapType:
		return []arrow.DataType{dt.Elem()}
	case arrow.ListLikeType:
		return []arrow.DataType{dt.Elem()}
	}
	return nil
}

// storageRecord returns rec with its columns retyped to schema (from storageSchema),
// sharing rec's buffers. The caller releases the result; rec is untouched.
func storageRecord(rec arrow.RecordBatch, schema *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		d := storageData(c.Data(), schema.Field(i).Type)
		cols[i] = array.MakeFromData(d)
		d.Release()
	}
	out := array.NewRecordBatch(schema, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}
