package read

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// The fixtures testdata/pyarrow.* were written by pyarrow 26.0.1 with
// testdata/make_fixtures.py; these tests check that files from the Python ecosystem read back
// with the same types and values.
func TestReadPyarrowFixtures(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		read    readFunc
		schema  string
		rows    []string
		batches []int64
	}{
		{
			name:   "parquet, two row groups",
			path:   "testdata/pyarrow.parquet",
			read:   parquetWith(ParquetOptions{}),
			schema: "id:int64, score:float64, ok:bool, name:utf8, vec:list<element: float32, nullable>, small:int32",
			rows: []string{
				"1|0.5|true|ann|[1,2]|1",
				"2|(null)|false|bob, jr|[3]|2",
				"3|2.25|(null)|(null)|(null)|3",
				"4|-1|true|dé|[]|4",
				"5|3|false|eve|[4,5,6]|5",
			},
			batches: []int64{3, 2},
		},
		{
			name:    "parquet projection and limit",
			path:    "testdata/pyarrow.parquet",
			read:    parquetWith(ParquetOptions{Columns: []string{"small", "vec"}, Limit: 4}),
			schema:  "small:int32, vec:list<element: float32, nullable>",
			rows:    []string{"1|[1,2]", "2|[3]", "3|(null)", "4|[]"},
			batches: []int64{3, 1},
		},
		{
			name:   "csv with quoted strings and empty cells",
			path:   "testdata/pyarrow.csv",
			read:   csvWith(CSVOptions{StringsCanBeNull: true}),
			schema: "id:int64, score:float64, ok:bool, name:utf8, small:int64",
			rows: []string{
				"1|0.5|true|ann|1",
				"2|(null)|false|bob, jr|2",
				"3|2.25|(null)|(null)|3",
				"4|-1|true|dé|4",
				"5|3|false|eve|5",
			},
			batches: []int64{5},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memcheck.New(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := collect(t, mem, tc.path, tc.read)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, tc.schema, tc.rows, tc.batches)
		})
	}
}
