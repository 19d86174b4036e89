package read

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// compact builds Thrift compact-protocol bytes for the footer tests.
type compact struct{ b []byte }

func (c *compact) field(delta int, typ byte) *compact {
	c.b = append(c.b, byte(delta<<4)|typ)
	return c
}
func (c *compact) stop() *compact         { c.b = append(c.b, 0); return c }
func (c *compact) raw(b ...byte) *compact { c.b = append(c.b, b...); return c }

func TestStripUnknownLogicalTypes(t *testing.T) {
	// FileMetaData{1: version=1, 2: schema=[elem, elem], 3: num_rows=2}; the first element
	// has logicalType (field 10) with member 60, the second with STRING (1).
	build := func(member byte) []byte {
		c := &compact{}
		c.field(1, tI32).raw(2)         // 1: version 1 (zigzag 2)
		c.field(1, tList).raw(0x1c)     // 2: list of 1 struct
		c.field(4, tBinary).raw(1, 'x') //   4: name "x"
		c.field(6, tStruct)             //   10: logicalType
		c.raw(0x0c, member<<1, 0)       //     member (long form id), empty struct, its stop
		c.raw(0)                        //     union stop
		c.field(1, tI32).raw(2)         //   11: field_id 1 (delta from 10)
		c.stop()                        //   element stop
		c.field(1, tI64).raw(4)         // 3: num_rows 2
		return c.stop().b
	}
	tests := []struct {
		name    string
		in      []byte
		removed int
		want    []byte
		err     error
	}{
		{name: "unknown member is dropped", in: build(60), removed: 1, want: func() []byte {
			c := &compact{}
			c.field(1, tI32).raw(2).field(1, tList).raw(0x1c)
			c.field(4, tBinary).raw(1, 'x')
			c.field(7, tI32).raw(2) // 11: delta 7 from 4 now that 10 is gone
			c.stop().field(1, tI64).raw(4)
			return c.stop().b
		}()},
		{name: "known member is kept", in: build(1), removed: 0, want: build(1)},
		{name: "truncated", in: build(60)[:9], err: errThrift},
		{name: "empty", in: nil, err: errThrift},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, removed, err := stripUnknownLogicalTypes(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				return
			}
			if removed != tc.removed || !bytes.Equal(got, tc.want) {
				t.Fatalf("removed %d: % x\nwant %d: % x", removed, got, tc.removed, tc.want)
			}
		})
	}
}

// TestFooterPatchedOpens strips parquet-testing's unknown logical type and opens the file
// over the rewritten footer with arrow-go, which panics on the original.
func TestFooterPatchedOpens(t *testing.T) {
	path := filepath.Join(conformanceDir, "data", "unknown-logical-type.parquet")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(data)
	footer, at, err := readFooter(r, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	patched, removed, err := stripUnknownLogicalTypes(footer)
	if err != nil || removed != 1 {
		t.Fatalf("removed %d, %v", removed, err)
	}
	fp := newFooterPatched(r, at, patched)
	pf, err := newParquetReader(fp, fp.Size(), parquet.NewReaderProperties(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if got := pf.MetaData().Schema.Column(1).PhysicalType(); got != parquet.Types.ByteArray || pf.NumRows() != 3 {
		t.Fatalf("column 1 is %s, %d rows", got, pf.NumRows())
	}
	// The original panics inside arrow-go (schema.getLogicalType); newParquetReader contains
	// that and retries over the patched footer.
	err = func() (err error) {
		defer recoverPanic(&err)
		_, err = file.NewParquetReader(bytes.NewReader(data))
		return err
	}()
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Logf("arrow-go no longer panics on unknown logical types (%v): parquet_footer.go may go", err)
	}
}
