package read

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// columnPlan is how ReadParquet reads the projected columns of one file: which the page
// reader decodes, which pqarrow reads and in which of its record readers, and the batches'
// schema (pyarrow's types, see parquet_schema.go).
type columnPlan struct {
	fields []arrow.Field
	meta   *arrow.Metadata // the file's, as pqarrow puts on its batches
	fast   []*pageColumn   // by output position; nil where pqarrow reads the column
	slow   []slowColumn    // by output position; unused where fast
	// readers holds the leaves of each pqarrow record reader: one for all slow columns, or
	// with parallel one per slow column so each decodes on its own goroutine.
	readers [][]int
}

// slowColumn is a column pqarrow reads: column index of reader's batches, and how its
// arrays become pyarrow's.
type slowColumn struct {
	reader, index int
	conform       conformPlan
}

// planOptions are the ParquetOptions a plan depends on.
type planOptions struct {
	columns  []string
	unit     Int96Unit
	fast     bool // the page reader's speed paths (not NoPageReader)
	parallel bool
	// slow holds the top-level fields (manifest indices) pqarrow reads even where the page
	// reader could: those it gave back in this row group (a null or ragged fixed-size list, a
	// page encoding it does not read). An INT96 one is read at nanoseconds, then converted.
	slow map[int]bool
}

// parquetFile is an open file as the planner sees it.
type parquetFile struct {
	pf   *file.Reader
	fr   *pqarrow.FileReader
	orig []manifestField // fr's top-level fields before hideDurations
}

// newParquetFile wraps pf and fr (a FileReader of pf), adjusting fr's manifest where
// pqarrow cannot read the types it holds (hideDurations).
func newParquetFile(pf *file.Reader, fr *pqarrow.FileReader) *parquetFile {
	orig := make([]manifestField, len(fr.Manifest.Fields))
	for i := range fr.Manifest.Fields {
		orig[i].field = *fr.Manifest.Fields[i].Field
		orig[i].hidden = hideDurations(&fr.Manifest.Fields[i])
	}
	return &parquetFile{pf: pf, fr: fr, orig: orig}
}

// planColumns plans the read of f.
func planColumns(f *parquetFile, o planOptions) (*columnPlan, error) {
	fr, pf, orig := f.fr, f.pf, f.orig
	fields := fr.Manifest.Fields
	picked, err := pickFields(fields, o.columns)
	if err != nil {
		return nil, err
	}
	root := pf.MetaData().Schema.Root()
	p := &columnPlan{
		fields: make([]arrow.Field, len(picked)),
		meta:   fr.Manifest.SchemaMeta,
		fast:   make([]*pageColumn, len(picked)),
		slow:   make([]slowColumn, len(picked)),
	}
	isFast := make(map[int]bool)
	for pos, i := range picked {
		if pc := pageColumnOf(&fields[i], pf, o.unit, o.fast); pc != nil && !o.slow[i] {
			pc.index = i
			if orig[i].hidden && pc.kind == pageFlat {
				// A duration read as its int64 storage: the arrays get the duration type.
				pc.field, pc.elem = orig[i].field, orig[i].field.Type
			}
			p.fast[pos] = pc
			p.fields[pos] = pc.field
			isFast[i] = true
			continue
		}
		c := pyarrowField(root.Field(i), orig[i].field, o.unit)
		if orig[i].hidden {
			c.durations, c.changed = true, true
		}
		p.slow[pos].conform = c
		p.fields[pos] = c.field
	}
	// pqarrow returns its fields in file order: rank the slow ones within it.
	rank := make(map[int]int)
	var all []int
	for i := range fields {
		if !isFast[i] && contains(picked, i) {
			rank[i] = len(rank)
			leaves := appendLeaves(nil, &fields[i])
			if o.parallel {
				p.readers = append(p.readers, leaves)
			}
			all = append(all, leaves...)
		}
	}
	if !o.parallel && len(rank) > 0 {
		p.readers = [][]int{all}
	}
	for pos, i := range picked {
		if isFast[i] {
			continue
		}
		if o.parallel {
			p.slow[pos].reader, p.slow[pos].index = rank[i], 0
		} else {
			p.slow[pos].reader, p.slow[pos].index = 0, rank[i]
		}
	}
	return p, nil
}

// manifestField is a top-level field of a file as pqarrow typed it, before hideDurations.
type manifestField struct {
	field  arrow.Field
	hidden bool // hideDurations changed it
}

// schema is the schema of the plan's batches.
func (p *columnPlan) schema() *arrow.Schema { return arrow.NewSchema(p.fields, p.meta) }

// hasLists reports whether the page reader decodes a fixed-size-list column under p, the
// only kind that can send a row group back to pqarrow.
func (p *columnPlan) hasLists() bool {
	for _, c := range p.fast {
		if c != nil && c.kind == pageList {
			return true
		}
	}
	return false
}

// pickFields maps top-level field names to manifest indices in the requested order (every
// field when columns is empty).
func pickFields(fields []pqarrow.SchemaField, columns []string) ([]int, error) {
	if len(columns) == 0 {
		picked := make([]int, len(fields))
		for i := range picked {
			picked[i] = i
		}
		return picked, nil
	}
	byName := make(map[string]int, len(fields))
	names := make([]string, len(fields))
	for i, fl := range fields {
		byName[fl.Field.Name] = i
		names[i] = fl.Field.Name
	}
	picked := make([]int, 0, len(columns))
	seen := make(map[int]bool, len(columns))
	for _, c := range columns {
		i, ok := byName[c]
		if !ok {
			return nil, fmt.Errorf("column %q not found (columns: %s)", c, strings.Join(names, ", "))
		}
		if seen[i] {
			return nil, fmt.Errorf("column %q requested twice", c)
		}
		seen[i] = true
		picked = append(picked, i)
	}
	return picked, nil
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for i := range f.Children {
		dst = appendLeaves(dst, &f.Children[i])
	}
	return dst
}
