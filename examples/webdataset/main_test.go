package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

const want = `Wrote 3 shards: part_000000_000000.tar part_000000_000001.tar part_000000_000002.tar
Column   Type
------   ----
__key__  string
jpg      tensor(shape=(200, 320, 3), dtype=uint8)
txt      string
path     string

part_000000_000000.tar  autumn        [200 320 3]  a painted girl in a meadow beneath an orange autumn tree shedding leaves
part_000000_000000.tar  bythewater    [200 320 3]  weathered boards of a pier in the evening sun by a lake
part_000000_000000.tar  coldripple    [200 320 3]  a wooden jetty with a ladder running into grey mist over still water
part_000000_000001.tar  colorfulcups  [200 320 3]  rows of blue and red plastic cups seen from above
part_000000_000001.tar  eveningglow   [200 320 3]  wooden rowing boats on a lake shore under an orange sunset
part_000000_000001.tar  fallenleaf    [200 320 3]  a brown maple leaf lying on a bed of fallen autumn leaves
part_000000_000002.tar  kite          [200 320 3]  a rainbow kite high in a deep blue sky with white clouds
part_000000_000002.tar  path          [200 320 3]  a narrow dirt path through a dark green spruce forest
8 samples
`

func TestWebDataset(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), &out, &data.Context{Allocator: mem, NoProgress: true},
		"../../testdata/captions.jsonl.gz", "../../testdata/images", dir)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
	pythonReads(t, dir)
}

// pythonReads checks that the webdataset package (scripts/install-python-deps.sh) reads the
// shards: keys, captions and the decoded images' shapes, in order.
func pythonReads(t *testing.T, dir string) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("webdataset check skipped: no python3 (run scripts/install-python-deps.sh)")
		return
	}
	if msg, err := exec.Command(py, "-c", "import webdataset, PIL, numpy").CombinedOutput(); err != nil {
		t.Logf("webdataset check skipped: python3 lacks webdataset, PIL or numpy (run scripts/install-python-deps.sh): %s", msg)
		return
	}
	shards, err := filepath.Glob(filepath.Join(dir, "*.tar"))
	if err != nil || len(shards) != 3 {
		t.Fatalf("shards %v, %v", shards, err)
	}
	const script = `
import os, sys, webdataset as wds
for s in wds.WebDataset(sys.argv[1:], shardshuffle=False).decode("rgb8"):
    print(os.path.basename(s["__url__"]), s["__key__"], list(s["jpg"].shape), s["txt"], sep="  ")
`
	got, err := exec.Command(py, append([]string{"-c", script}, shards...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("webdataset: %v\n%s", err, got)
	}
	var lines []string
	for _, l := range strings.Split(want, "\n") {
		if strings.HasPrefix(l, "part_") && strings.Contains(l, "  ") {
			f := strings.Fields(l)
			lines = append(lines, strings.Join([]string{f[0], f[1], "[200, 320, 3]", strings.Join(f[5:], " ")}, "  "))
		}
	}
	if strings.TrimSpace(string(got)) != strings.Join(lines, "\n") {
		t.Fatalf("webdataset read:\n%s\nwant:\n%s", got, strings.Join(lines, "\n"))
	}
}
