package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/tensor"
)

// readerUnderTest is one file reader of TestReaderOptions: how to write a file of its
// format whose values depend on a partition year, and the rows that file reads back as.
type readerUnderTest struct {
	name string
	read func(paths []string, opts ...Option) *Dataset
	ext  string
	// write writes the file of year at path.
	write func(t *testing.T, path string, year int)
	// rows is what the file of year reads as (compared as fmt prints them).
	rows func(year int) []Row
	// project is a column that Columns selects; projected, the rows of the file of year.
	project   string
	projected func(year int) []Row
	// metadataCount: Count comes from metadata, without decoding rows (a file whose rows
	// cannot be decoded is still counted).
	metadataCount bool
	// undecodable, for metadata counters, writes a file of year's row count whose rows
	// cannot be decoded.
	undecodable func(t *testing.T, path string, year int)
}

func writeTestFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// yearValues are the a values of year's file: 2024 holds 1, 2; 2025 holds 3, 4.
func yearValues(year int) (int64, int64) {
	a := int64(2*(year-2024) + 1)
	return a, a + 1
}

func writeTestTar(t *testing.T, path string, members [][2]string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, path, buf.Bytes())
}

func readersUnderTest() []readerUnderTest {
	ab := func(year int) []Row {
		x, y := yearValues(year)
		return []Row{{"a": x, "b": fmt.Sprint("x", x)}, {"a": y, "b": fmt.Sprint("y", y)}}
	}
	projB := func(year int) []Row {
		x, y := yearValues(year)
		return []Row{{"b": fmt.Sprint("x", x)}, {"b": fmt.Sprint("y", y)}}
	}
	return []readerUnderTest{
		{
			name: "ReadCSV", read: func(p []string, o ...Option) *Dataset { return ReadCSV(p, o...) }, ext: "csv",
			write: func(t *testing.T, path string, year int) {
				x, y := yearValues(year)
				writeTestFile(t, path, fmt.Appendf(nil, "a,b\n%d,x%d\n%d,y%d\n", x, x, y, y))
			},
			rows: ab, project: "b", projected: projB,
		},
		{
			name: "ReadJSON", read: func(p []string, o ...Option) *Dataset { return ReadJSON(p, o...) }, ext: "jsonl",
			write: func(t *testing.T, path string, year int) {
				x, y := yearValues(year)
				writeTestFile(t, path, fmt.Appendf(nil, "{\"a\": %d, \"b\": \"x%d\"}\n{\"a\": %d, \"b\": \"y%d\"}\n", x, x, y, y))
			},
			rows: ab, project: "b", projected: projB,
		},
		{
			name: "ReadText", read: func(p []string, o ...Option) *Dataset { return ReadText(p, o...) }, ext: "txt",
			write: func(t *testing.T, path string, year int) {
				x, y := yearValues(year)
				writeTestFile(t, path, fmt.Appendf(nil, "x%d\n\ny%d\n", x, y))
			},
			rows: func(year int) []Row {
				x, y := yearValues(year)
				return []Row{{"text": fmt.Sprint("x", x)}, {"text": fmt.Sprint("y", y)}}
			},
			project: "text", projected: func(year int) []Row {
				x, y := yearValues(year)
				return []Row{{"text": fmt.Sprint("x", x)}, {"text": fmt.Sprint("y", y)}}
			},
		},
		{
			name: "ReadBinaryFiles", read: func(p []string, o ...Option) *Dataset { return ReadBinaryFiles(p, o...) }, ext: "bin",
			write: func(t *testing.T, path string, year int) {
				x, _ := yearValues(year)
				writeTestFile(t, path, []byte{byte(x), 0, 0xff})
			},
			rows: func(year int) []Row {
				x, _ := yearValues(year)
				return []Row{{"bytes": []byte{byte(x), 0, 0xff}}}
			},
			// Columns without "bytes": the files' contents are not read (a column of
			// nothing but the partition or the path).
			project: "year", projected: func(year int) []Row { return []Row{{"year": fmt.Sprint(year)}} },
			metadataCount: true,
			undecodable: func(t *testing.T, path string, year int) {
				writeTestFile(t, path+".gz", []byte("not gzip")) // a corrupt stream, counted as a file
			},
		},
		{
			name: "ReadNumpy", read: func(p []string, o ...Option) *Dataset { return ReadNumpy(p, o...) }, ext: "npy",
			write: func(t *testing.T, path string, year int) {
				x, y := yearValues(year)
				var buf bytes.Buffer
				if err := tensor.WriteNpy(&buf, arrow.PrimitiveTypes.Int64, []int{2, 2}, int64Bytes(x, 10*x, y, 10*y)); err != nil {
					t.Fatal(err)
				}
				writeTestFile(t, path, buf.Bytes())
			},
			rows: func(year int) []Row {
				x, y := yearValues(year)
				return []Row{{"data": []int64{x, 10 * x}}, {"data": []int64{y, 10 * y}}}
			},
			project: "data", projected: func(year int) []Row {
				x, y := yearValues(year)
				return []Row{{"data": []int64{x, 10 * x}}, {"data": []int64{y, 10 * y}}}
			},
			metadataCount: true, // from the headers: TestReadNumpyCountFromHeaders
		},
		{
			name: "ReadArrow", read: func(p []string, o ...Option) *Dataset { return ReadArrow(p, o...) }, ext: "arrow",
			write: func(t *testing.T, path string, year int) { writeTestIPC(t, path, year) },
			rows:  ab, project: "b", projected: projB,
			metadataCount: true,
		},
		{
			name: "ReadWebDataset", read: func(p []string, o ...Option) *Dataset { return ReadWebDataset(p, o...) }, ext: "tar",
			write: func(t *testing.T, path string, year int) {
				x, y := yearValues(year)
				writeTestTar(t, path, [][2]string{
					{fmt.Sprintf("s%d.cls", x), fmt.Sprint(x)}, {fmt.Sprintf("s%d.txt", x), fmt.Sprintf("x%d", x)},
					{fmt.Sprintf("s%d.cls", y), fmt.Sprint(y)}, {fmt.Sprintf("s%d.txt", y), fmt.Sprintf("y%d", y)},
				})
			},
			rows: func(year int) []Row {
				x, y := yearValues(year)
				return []Row{{"__key__": fmt.Sprint("s", x), "cls": x, "txt": fmt.Sprint("x", x)}, {"__key__": fmt.Sprint("s", y), "cls": y, "txt": fmt.Sprint("y", y)}}
			},
			project: "txt", projected: func(year int) []Row {
				x, y := yearValues(year)
				return []Row{{"txt": fmt.Sprint("x", x)}, {"txt": fmt.Sprint("y", y)}}
			},
			metadataCount: true,
			undecodable: func(t *testing.T, path string, year int) {
				x, y := yearValues(year)
				writeTestTar(t, path, [][2]string{
					{fmt.Sprintf("s%d.jpg", x), "not a jpeg"}, {fmt.Sprintf("s%d.jpg", y), "not a jpeg either"},
				})
			},
		},
	}
}

func int64Bytes(v ...int64) []byte {
	out := make([]byte, 0, 8*len(v))
	for _, x := range v {
		for i := range 8 {
			out = append(out, byte(uint64(x)>>(8*i)))
		}
	}
	return out
}

// writeTestIPC writes the rows of year as an Arrow IPC file of two batches of one row.
func writeTestIPC(t *testing.T, path string, year int) {
	t.Helper()
	x, y := yearValues(year)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.BinaryTypes.String}}, nil)
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		a int64
		b string
	}{{x, fmt.Sprintf("x%d", x)}, {y, fmt.Sprintf("y%d", y)}} {
		bld := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
		bld.Field(0).(*array.Int64Builder).Append(v.a)
		bld.Field(1).(*array.StringBuilder).Append(v.b)
		rec := bld.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		bld.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, path, buf.Bytes())
}

// printedRows prints rows by fmt and sorts them (files are read in parallel).
func printedRows(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		if img, ok := r["data"].(tensor.Tensor); ok {
			if v, err := tensor.ViewOf[int64](img); err == nil {
				r["data"] = slices.Clone(v.Data)
			}
		}
		out[i] = fmt.Sprint(map[string]any(r))
	}
	sort.Strings(out)
	return out
}

// withExtra prints rows, each with the extra columns added, sorted.
func withExtra(rows []Row, extra map[string]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		m := map[string]any{}
		for k, v := range r {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		out[i] = fmt.Sprint(m)
	}
	sort.Strings(out)
	return out
}

// TestReaderOptions checks, for every file reader, the options every file reader has:
// IncludePaths, HivePartitioning, Partitioning, IgnoreMissingPaths, Columns and Count (from
// metadata, without decoding rows, where the format allows), by the values read back.
func TestReaderOptions(t *testing.T) {
	ctx := context.Background()
	for _, rt := range readersUnderTest() {
		t.Run(rt.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[int]string{}
			for _, year := range []int{2024, 2025} {
				files[year] = filepath.Join(root, fmt.Sprintf("year=%d", year), "part."+rt.ext)
				rt.write(t, files[year], year)
			}
			all := func(extra func(year int) map[string]any, rows func(int) []Row) []string {
				var out []string
				for _, year := range []int{2024, 2025} {
					out = append(out, withExtra(rows(year), extra(year))...)
				}
				sort.Strings(out)
				return out
			}
			none := func(int) map[string]any { return nil }
			check := func(t *testing.T, ds *Dataset, want []string) {
				t.Helper()
				got, err := ds.WithContext(testContext(t)).TakeAll(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				if g := printedRows(got); !slices.Equal(g, want) {
					t.Errorf("rows\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
				}
			}
			t.Run("plain", func(t *testing.T) { check(t, rt.read([]string{root}), all(none, rt.rows)) })
			t.Run("IncludePaths", func(t *testing.T) {
				check(t, rt.read([]string{root}, IncludePaths()), all(func(y int) map[string]any { return map[string]any{"path": files[y]} }, rt.rows))
			})
			t.Run("HivePartitioning", func(t *testing.T) {
				check(t, rt.read([]string{root}, HivePartitioning()), all(func(y int) map[string]any { return map[string]any{"year": fmt.Sprint(y)} }, rt.rows))
			})
			t.Run("Partitioning", func(t *testing.T) {
				check(t, rt.read([]string{root}, Partitioning("dir")), all(func(y int) map[string]any { return map[string]any{"dir": fmt.Sprintf("year=%d", y)} }, rt.rows))
			})
			t.Run("IgnoreMissingPaths", func(t *testing.T) {
				missing := filepath.Join(root, "missing."+rt.ext)
				check(t, rt.read([]string{files[2024], missing}, IgnoreMissingPaths()), all(none, func(y int) []Row {
					if y == 2024 {
						return rt.rows(y)
					}
					return nil
				}))
				_, err := rt.read([]string{files[2024], missing}).WithContext(testContext(t)).TakeAll(ctx, 0)
				if err == nil || !strings.Contains(err.Error(), missing) {
					t.Errorf("a missing path without IgnoreMissingPaths: %v, want an error naming %s", err, missing)
				}
			})
			t.Run("Columns", func(t *testing.T) {
				opts := []Option{Columns(rt.project)}
				if rt.project == "year" {
					opts = append(opts, HivePartitioning())
				}
				check(t, rt.read([]string{root}, opts...), all(none, rt.projected))
				// With the path: Columns does not drop the column IncludePaths asks for.
				check(t, rt.read([]string{root}, append(opts, IncludePaths())...),
					all(func(y int) map[string]any { return map[string]any{"path": files[y]} }, rt.projected))
			})
			t.Run("Count", func(t *testing.T) {
				ds := rt.read([]string{root}, HivePartitioning(), IncludePaths()).WithContext(testContext(t))
				n, err := ds.Count(ctx)
				if want := int64(len(rt.rows(2024)) + len(rt.rows(2025))); err != nil || n != want {
					t.Errorf("Count = %d, %v; want %d", n, err, want)
				}
				_, fromMetadata, err := ds.countFromMetadata(ctx)
				if err != nil || fromMetadata != rt.metadataCount {
					t.Errorf("Count from metadata: %v, %v; want %v", fromMetadata, err, rt.metadataCount)
				}
				if rt.undecodable == nil {
					return
				}
				// A file whose rows cannot be decoded is still counted: Count reads no rows.
				bad := t.TempDir()
				rt.undecodable(t, filepath.Join(bad, "part."+rt.ext), 2024)
				ds = rt.read([]string{bad}).WithContext(testContext(t))
				if n, err := ds.Count(ctx); err != nil || n != int64(len(rt.rows(2024))) {
					t.Errorf("Count of an undecodable file = %d, %v; want %d", n, err, len(rt.rows(2024)))
				}
				if _, err := ds.TakeAll(ctx, 0); err == nil {
					t.Errorf("reading the undecodable file: no error")
				}
				// A projection onto the path alone decodes nothing either.
				paths, err := rt.read([]string{bad}, IncludePaths(), Columns("path")).WithContext(testContext(t)).TakeAll(ctx, 0)
				if err != nil || len(paths) != len(rt.rows(2024)) || len(paths[0]) != 1 || !strings.HasPrefix(paths[0]["path"].(string), bad) {
					t.Errorf("the undecodable file's paths: %v, %v", paths, err)
				}
			})
		})
	}
}

// TestReadNumpyCountFromHeaders: ReadNumpy's Count reads headers only, of compressed files
// too, and still tells a truncated uncompressed file (its size is known from the listing).
func TestReadNumpyCountFromHeaders(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := tensor.WriteNpy(&buf, arrow.PrimitiveTypes.Float32, []int{5, 3}, make([]byte, 5*3*4)); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "a.npy"), buf.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	// Only the header and one row: a full read fails, the count (of a stream whose size is
	// not known) does not look past the header.
	zw.Write(buf.Bytes()[:buf.Len()-4*3*4])
	zw.Close()
	writeTestFile(t, filepath.Join(dir, "b.npy.gz"), gz.Bytes())
	ds := ReadNumpy(dir).WithContext(testContext(t))
	if n, err := ds.Count(ctx); err != nil || n != 10 {
		t.Fatalf("Count = %d, %v; want 10", n, err)
	}
	if _, err := ds.TakeAll(ctx, 0); err == nil || !strings.Contains(err.Error(), "b.npy.gz") {
		t.Fatalf("reading the cut stream: %v, want an error naming b.npy.gz", err)
	}
	cut := filepath.Join(dir, "c.npy")
	writeTestFile(t, cut, buf.Bytes()[:buf.Len()-1])
	_, err := ReadNumpy(cut).WithContext(testContext(t)).Count(ctx)
	if err == nil || !strings.Contains(err.Error(), cut) || !strings.Contains(err.Error(), "the header declares 60 bytes of data, the file holds 59") {
		t.Fatalf("Count of a truncated file: %v", err)
	}
}
