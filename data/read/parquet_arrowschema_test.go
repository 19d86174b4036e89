package read

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestVerifySchemaMessage(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, Nullable: true},
		{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String)}),
			Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
		{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
	}, nil)
	good := flight.SerializeSchema(schema, memory.NewGoAllocator())
	// The Schema's fields vector: find its length (4, the number of fields) and make it huge,
	// as the corrupt files that made arrow-go allocate hundreds of gigabytes do.
	corrupt := append([]byte(nil), good...)
	for i := 8; i+4 <= len(corrupt); i += 4 {
		if binary.LittleEndian.Uint32(corrupt[i:]) == 4 {
			binary.LittleEndian.PutUint32(corrupt[i:], 0x2c000000)
			break
		}
	}
	tests := []struct {
		name string
		msg  []byte
		err  string
	}{
		{name: "arrow-go's own", msg: good},
		{name: "a vector longer than the buffer", msg: corrupt, err: "corrupt flatbuffer"},
		{name: "truncated", msg: good[:20], err: "message of"},
		{name: "empty", msg: nil, err: "corrupt flatbuffer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := verifySchemaMessage(tc.msg)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}
