package data

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/streaming"
)

// recordingBackend runs each job on the local executor, as a remote backend would run it on
// its workers, and records the jobs it was given. A write is done task by task through the
// job's WriteSpec, one write task per output block.
type recordingBackend struct {
	jobs []*Job
}

func (b *recordingBackend) Execute(ctx context.Context, job *Job) (*Result, error) {
	b.jobs = append(b.jobs, job)
	e, err := streaming.Run(ctx, job.Plan, job.Options)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	res := &Result{}
	for task := 0; ; task++ {
		rec, err := e.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if job.Write == nil {
			if err := job.Output(rec); err != nil {
				return nil, err
			}
			continue
		}
		w, err := job.Write.NewFiles(ctx, task, "block")
		if err == nil {
			err = w.Write(rec)
		}
		rec.Release()
		if err != nil {
			if w != nil {
				w.Abort()
			}
			return nil, err
		}
		if _, err := w.Close(); err != nil {
			return nil, err
		}
		res.Files = append(res.Files, w.Files()...)
	}
	res.Stats = e.Stats()
	return res, e.Close()
}

func TestBackendReceivesThePlan(t *testing.T) {
	c := testContext(t)
	b := &recordingBackend{}
	c.Backend = b
	even := func(ctx context.Context, r Row) (bool, error) { return r["id"].(int64)%2 == 0, nil }
	ds := Range(10000).WithContext(c).Filter(even) // a filter: Count cannot come from metadata

	n, err := ds.Count(context.Background())
	if err != nil || n != 5000 {
		t.Fatalf("Count = %d, %v; want 5000", n, err)
	}
	if len(b.jobs) != 1 {
		t.Fatalf("backend ran %d jobs, want 1", len(b.jobs))
	}
	job := b.jobs[0]
	plan, fp, err := ds.Compile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if job.Fingerprint != fp || job.Plan.String() != plan.String() || job.Write != nil {
		t.Fatalf("job: fingerprint %s, plan\n%s; want %s, plan\n%s", job.Fingerprint, job.Plan, fp, plan)
	}
	if job.Plan[0].Source == nil || len(job.Plan[0].Source.Stages) != 1 {
		t.Fatalf("plan: want a source with the fused map, got\n%s", job.Plan)
	}
	if got := ds.Stats().Ops; len(got) == 0 {
		t.Fatalf("no stats recorded from the backend's run")
	}

	wantRange(t, ids(t, ds), 5000, func(v int64) int64 { return 2 * v })
	if len(b.jobs) != 2 {
		t.Fatalf("IterBatches did not run on the backend (%d jobs)", len(b.jobs))
	}

	// Breaking out of an iteration stops the backend's run and releases its blocks.
	for range ds.IterBatches(context.Background(), BatchSize(10)) {
		break
	}
}

func TestBackendWrite(t *testing.T) {
	c := testContext(t)
	c.Backend = &recordingBackend{}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := Range(3000).WithContext(c).WriteParquet(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no files written")
	}
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		t.Fatalf("the write was not committed: %v", err)
	}
	local := testContext(t)
	got := ids(t, ReadParquet(dir).WithContext(local))
	slices.Sort(got)
	wantRange(t, got, 3000, func(v int64) int64 { return v })

	// Formats a backend cannot rebuild on its workers are refused before anything runs.
	_, err = Range(10).WithContext(c).WriteNumpy(context.Background(), filepath.Join(t.TempDir(), "npy"), "id")
	if err == nil || !strings.Contains(err.Error(), "sluice: WriteNumpy: not supported on a backend") {
		t.Fatalf("WriteNumpy on a backend: %v", err)
	}
}

func TestWriteSpecFormats(t *testing.T) {
	for _, call := range []string{"WriteParquet", "WriteCSV", "WriteJSON"} {
		f, err := (WriteSpec{Call: call}).Format()
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		want := map[string]string{"WriteParquet": "parquet", "WriteCSV": "csv", "WriteJSON": "json"}[call]
		if f.Ext() != want {
			t.Fatalf("%s: extension %s, want %s", call, f.Ext(), want)
		}
	}
}
