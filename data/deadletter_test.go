package data

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readDeadLetters(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

var errBadRow = errors.New("bad row")

func failEvery100(ctx context.Context, r Row) (Row, error) {
	if r["id"].(int64)%100 == 7 {
		return nil, errBadRow
	}
	return r, nil
}

func TestOnErrorSkipsRowsNotBatches(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	c.OnError = SkipOnError
	ds := Range(10_000).WithContext(c).Map(failEvery100, Name("parse"))
	n, err := ds.Count(ctx)
	if err != nil || n != 9_900 {
		t.Fatalf("%d rows, %v: only the 100 failing rows go, not their blocks", n, err)
	}
	var skipped int64
	for _, o := range ds.Stats().Ops {
		skipped += o.RowsSkipped
	}
	if skipped != 100 {
		t.Fatalf("%d rows skipped in stats", skipped)
	}
	// A cap: the failure past it fails the run, naming the row.
	c.MaxErroredBlocks = 3
	_, err = Range(10_000).WithContext(c).Map(failEvery100, Name("parse")).Count(ctx)
	if !errors.Is(err, errBadRow) || !strings.Contains(err.Error(), "sluice: Map(parse): range[") {
		t.Fatalf("err %v", err)
	}
	// The default fails at once.
	c.OnError, c.MaxErroredBlocks = FailOnError, 0
	if _, err := Range(1000).WithContext(c).Map(failEvery100).TakeAll(ctx, 0); !errors.Is(err, errBadRow) {
		t.Fatalf("err %v", err)
	}
}

func TestDeadLetterKeepsRowsBatchesAndFiles(t *testing.T) {
	ctx := context.Background()
	c := testContext(t)
	dir := t.TempDir()
	c.OnError, c.DeadLetter = DeadLetterOnError, filepath.Join(dir, "dead")
	// Rows of a row function.
	ds := Range(1000).WithContext(c).Map(failEvery100, Name("parse"))
	if n, err := ds.Count(ctx); err != nil || n != 990 {
		t.Fatalf("%d, %v", n, err)
	}
	path := ds.Stats().DeadLetters
	recs := readDeadLetters(t, path)
	if len(recs) != 10 {
		t.Fatalf("%d dead letters in %s", len(recs), path)
	}
	r := recs[0]
	if r["operator"] != "Map(parse)" || !strings.HasPrefix(r["input"].(string), "range[") || !strings.Contains(r["error"].(string), "bad row") {
		t.Fatalf("record %v", r)
	}
	if id := r["row"].(map[string]any)["id"].(float64); int64(id)%100 != 7 {
		t.Fatalf("row %v", r["row"])
	}
	// Every row of a failed batch (a map task of its own here: a batch function fused into the
	// read is recorded by its file and row range), and the file of a failed read.
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "a.csv"), []byte("x,y\n1,2\n3,4\n"), 0o644)
	os.WriteFile(filepath.Join(src, "b.csv"), []byte("x,y\n5,6\n7\n"), 0o644) // ragged
	ds = ReadCSV(src).WithContext(c).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) {
		xs, _ := b.Int64s("x")
		if xs[0] == 1 {
			return nil, errors.New("batch refused")
		}
		return b, nil
	}, Name("check"), Concurrency(1))
	if n, err := ds.Count(ctx); err != nil || n != 0 {
		t.Fatalf("%d rows, %v", n, err)
	}
	recs = readDeadLetters(t, ds.Stats().DeadLetters)
	var rows, files int
	for _, r := range recs {
		switch {
		case r["row"] != nil:
			rows++
			if !strings.Contains(r["input"].(string), "a.csv rows 0-1") || !strings.Contains(r["error"].(string), "batch refused") {
				t.Errorf("batch record %v", r)
			}
		default:
			files++
			if !strings.HasSuffix(r["input"].(string), "b.csv") || !strings.Contains(r["error"].(string), "line 3") {
				t.Errorf("read record %v", r)
			}
		}
	}
	if rows != 2 || files != 1 {
		t.Fatalf("%d row records, %d file records: %v", rows, files, recs)
	}
	// A run with no failure leaves no file.
	ds = Range(10).WithContext(c)
	if _, err := ds.Count(ctx); err != nil || ds.Stats().DeadLetters != "" {
		t.Fatalf("%v, %q", err, ds.Stats().DeadLetters)
	}
}
