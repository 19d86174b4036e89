package write

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

// pyarrowCheck reads a Parquet file with pyarrow and prints what the test asserts on.
const pyarrowCheck = `
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
f = t.schema.field("v")
md = f.metadata or {}
print("rows", t.num_rows)
print("v_type", f.type)
print("ext_name", md.get(b"ARROW:extension:name", b"").decode())
print("ext_meta", md.get(b"ARROW:extension:metadata", b"").decode())
print("v_row2", t.column("v")[2].as_py())
print("vs_row3", t.column("vs")[3].as_py())
`

// TestPyarrowReadsOurParquet checks that pyarrow, the reader Ray and most of the Python world
// use, reads our Parquet including the extension column's type and metadata.
func TestPyarrowReadsOurParquet(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found; install python3 and pyarrow (pip install pyarrow) to run this check")
	}
	if err := exec.Command("python3", "-c", "import pyarrow.parquet").Run(); err != nil {
		t.Skip("pyarrow not importable; pip install pyarrow to run this check")
	}
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	fw, err := NewFiles(context.Background(), Local(), Parquet(ParquetAllocator(mem)), FilesOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := makeVecBatch(t, mem, 9)
	defer rec.Release()
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	paths, err := fw.Close()
	if err != nil || len(paths) != 1 {
		t.Fatalf("paths %v, err %v", paths, err)
	}
	out, err := exec.Command("python3", "-c", pyarrowCheck, filepath.Clean(paths[0])).CombinedOutput()
	if err != nil {
		t.Fatalf("pyarrow failed: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"rows 9\n",
		"v_type fixed_size_list<element: float>[3]\n",
		"ext_name sluice.test.vec3\n",
		`ext_meta {"unit":"m"}` + "\n",
		"v_row2 [2.0, 2.5, -2.0]\n",
		"vs_row3 None\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("pyarrow output lacks %q:\n%s", want, got)
		}
	}
}
