package read

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

var updateConformance = flag.Bool("update-conformance", false, "rewrite testdata/conformance/parquet/results.txt")

// conformanceDir holds apache/parquet-testing's data/ and bad_data/ (see its LICENSE.txt and
// testdata/README.md) and expected.json, which scripts/conformance/parquet_expected.py wrote
// with pyarrow.
var conformanceDir = filepath.Join("..", "..", "testdata", "conformance", "parquet")

// expectedFile is one entry of expected.json (see parquet_expected.py).
type expectedFile struct {
	Path    string            `json:"path"`
	Options map[string]string `json:"options"`
	Pyarrow string            `json:"pyarrow"` // "reads" or "refuses"
	Error   string            `json:"pyarrow_error"`
	Rows    int64             `json:"rows"`
	Columns []struct {
		Name     string `json:"name"`
		Nullable bool   `json:"nullable"`
		Type     string `json:"type"`
		SHA256   string `json:"sha256"`
	} `json:"columns"`
	Sluice      string   `json:"sluice"`       // "error": sluice refuses what pyarrow reads
	SluiceError []string `json:"sluice_error"` // what that error must say
}

func (e *expectedFile) name() string {
	if u := e.Options["int96_unit"]; u != "" {
		return e.Path + " int96_unit=" + u
	}
	return e.Path
}

func (e *expectedFile) opts() (ParquetOptions, error) {
	var o ParquetOptions
	switch u := e.Options["int96_unit"]; u {
	case "", "ns":
	case "us":
		o.Int96Unit = Int96Microsecond
	case "ms":
		o.Int96Unit = Int96Millisecond
	case "s":
		o.Int96Unit = Int96Second
	default:
		return o, fmt.Errorf("unknown int96_unit %q", u)
	}
	return o, nil
}

// expectedDoc is expected.json.
type expectedDoc struct {
	Pyarrow string         `json:"pyarrow"` // its version
	Files   []expectedFile `json:"files"`
}

func loadExpected(t *testing.T, path string) expectedDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc expectedDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// readCanonical reads path with opts and returns its schema (ParquetInfo's when no batch
// came) and the canonical hash of each column.
func readCanonical(t *testing.T, mem memory.Allocator, path string, opts ParquetOptions) (*arrow.Schema, []*canonHasher, error) {
	var (
		schema *arrow.Schema
		hashes []*canonHasher
	)
	err := ReadParquet(context.Background(), mem, Local(), File{Path: path}, opts, func(rec arrow.RecordBatch) error {
		defer rec.Release()
		if schema == nil {
			schema = rec.Schema()
			for range rec.NumCols() {
				hashes = append(hashes, newCanonHasher())
			}
		} else if !schema.Equal(rec.Schema()) {
			return fmt.Errorf("batch schema %s differs from the first batch's %s", rec.Schema(), schema)
		}
		for i, col := range rec.Columns() {
			if err := hashes[i].add(col); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	info, _, err := ParquetInfo(context.Background(), Local(), File{Path: path}, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("ParquetInfo: %w", err)
	}
	if schema == nil {
		schema = info
		for range info.NumFields() {
			hashes = append(hashes, newCanonHasher())
		}
	} else if !sameFields(schema, info) {
		return nil, nil, fmt.Errorf("ParquetInfo's schema %s differs from the batches' %s", info, schema)
	}
	return schema, hashes, nil
}

func sameFields(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		if !a.Field(i).Equal(b.Field(i)) {
			return false
		}
	}
	return true
}

// compareExpected checks one file read by sluice against pyarrow's entry and returns "" when
// they agree, else what differs.
func compareExpected(e *expectedFile, schema *arrow.Schema, hashes []*canonHasher) string {
	var diffs []string
	if len(e.Columns) != schema.NumFields() {
		return fmt.Sprintf("%d columns, pyarrow has %d", schema.NumFields(), len(e.Columns))
	}
	for i, want := range e.Columns {
		f := schema.Field(i)
		got := canonType(f.Type)
		switch {
		case f.Name != want.Name:
			diffs = append(diffs, fmt.Sprintf("column %d is %q, pyarrow's is %q", i, f.Name, want.Name))
		case got != want.Type:
			diffs = append(diffs, fmt.Sprintf("column %q is %s, pyarrow's is %s", f.Name, got, want.Type))
		case f.Nullable != want.Nullable:
			diffs = append(diffs, fmt.Sprintf("column %q nullable=%v, pyarrow's %v", f.Name, f.Nullable, want.Nullable))
		case hashes[i].rows != e.Rows:
			diffs = append(diffs, fmt.Sprintf("column %q has %d rows, pyarrow's %d", f.Name, hashes[i].rows, e.Rows))
		case hashes[i].sum() != want.SHA256:
			diffs = append(diffs, fmt.Sprintf("column %q values differ from pyarrow's", f.Name))
		}
	}
	return strings.Join(diffs, "; ")
}

// TestParquetConformance reads every file of apache/parquet-testing (vendored, with the
// encrypted ones) under the options pyarrow read it with, and checks sluice against what
// pyarrow read: the same types and values (by canonical hash) for every file pyarrow reads,
// an error naming the file for every file it refuses, and no panic anywhere. Each file is
// read twice, as configured by default and with small batches and the page reader off, so
// batch boundaries and both decoding paths are covered. The outcome per file is the golden
// file results.txt (-update-conformance rewrites it), the source of the README's table.
func TestParquetConformance(t *testing.T) {
	doc := loadExpected(t, filepath.Join(conformanceDir, "expected.json"))
	files := doc.Files
	var results []string
	// Counted over the default read of each file (the INT96 unit variants are extra entries).
	var files0, reads, identical, mustRefuse, refusedAtNs, refused, refusedToo, variants, variantsIdentical int
	for i := range files {
		e := &files[i]
		t.Run(e.name(), func(t *testing.T) {
			opts, err := e.opts()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(conformanceDir, filepath.FromSlash(e.Path))
			var outcome string
			for _, variant := range []ParquetOptions{opts,
				{BatchRows: 7, NoPageReader: true, Int96Unit: opts.Int96Unit},
				{BatchRows: 100, Parallel: true, Int96Unit: opts.Int96Unit}} {
				mem := memcheck.New(memory.NewGoAllocator())
				schema, hashes, err := readCanonical(t, mem, path, variant)
				mem.AssertSize(t, 0)
				outcome = checkOutcome(t, e, path, variant, schema, hashes, err)
			}
			ok, isErr := strings.HasPrefix(outcome, "identical"), strings.HasPrefix(outcome, "error")
			switch {
			case len(e.Options) > 0:
				variants++
				if ok || (e.Pyarrow == "refuses" && isErr) {
					variantsIdentical++
				}
			case e.Pyarrow == "reads" && e.Sluice == "":
				files0++
				reads++
				if ok {
					identical++
				}
			case e.Pyarrow == "reads":
				files0++
				reads++
				mustRefuse++
				if isErr {
					refusedAtNs++
				}
			default:
				files0++
				refused++
				if isErr {
					refusedToo++
				}
			}
			results = append(results, fmt.Sprintf("%-62s %s", e.name(), outcome))
		})
	}
	summary := fmt.Sprintf("%d files: pyarrow %s reads %d, sluice identical %d and refuses %d of %d as it must (INT96 past ns);"+
		" pyarrow refuses %d, sluice errors on %d; INT96 unit variants %d, identical %d; 0 crashes",
		files0, doc.Pyarrow, reads, identical, refusedAtNs, mustRefuse, refused, refusedToo, variants, variantsIdentical)
	t.Log(summary)
	if len(results) != len(files) {
		return // -run picked some files: the golden file covers all
	}
	golden := filepath.Join(conformanceDir, "results.txt")
	text := "# go test ./data/read -run TestParquetConformance -update-conformance\n# " + summary + "\n" +
		strings.Join(results, "\n") + "\n"
	if *updateConformance {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want, err := os.ReadFile(golden); err != nil || string(want) != text {
		t.Errorf("results differ from %s (rerun with -update-conformance and review the diff):\n%s", golden, text)
	}
}

// checkOutcome checks one read of path against e and returns the outcome line for the
// golden file.
func checkOutcome(t *testing.T, e *expectedFile, path string, opts ParquetOptions, schema *arrow.Schema, hashes []*canonHasher, err error) string {
	t.Helper()
	if err != nil {
		msg := err.Error()
		contained := ""
		var pe *PanicError
		if errors.As(err, &pe) {
			contained = " (a decoder panic, contained)"
			t.Logf("%v\n%s", err, pe.Stack)
		}
		if !strings.HasPrefix(msg, "sluice: read_parquet: "+path+": ") {
			t.Errorf("error does not start with the reader and the file: %v", err)
		}
		if e.Pyarrow == "reads" && e.Sluice != "error" {
			t.Errorf("pyarrow reads it, sluice (%+v): %v", opts, err)
		}
		for _, want := range e.SluiceError {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		return "error" + contained + ": " + strings.TrimPrefix(msg, "sluice: read_parquet: "+path+": ")
	}
	if e.Pyarrow == "refuses" {
		t.Errorf("pyarrow refuses it (%s), sluice reads it", e.Error)
		return "read, pyarrow refuses"
	}
	if e.Sluice == "error" {
		t.Errorf("sluice must refuse it (%v), it reads it", e.SluiceError)
		return "read, must refuse"
	}
	if diff := compareExpected(e, schema, hashes); diff != "" {
		t.Errorf("%+v: %s", opts, diff)
		return "differs: " + diff
	}
	return fmt.Sprintf("identical (%d rows)", e.Rows)
}
