package manifest

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sample() *Manifest {
	return &Manifest{
		State: StateCommitted, RunID: "0195f3c2a1b4c0ffee42", Committer: "local-exchange", Mode: "append",
		PlanFingerprint: "sha256:00", Timestamp: 1767225600000, Date: "2026-01-01T00:00:00Z", Hostname: "host",
		Generation: 2,
		Files: []File{
			{Path: "part_000000_000000.parquet", Rows: 10, Bytes: 100, CRC32: "0a0b0c0d", RunID: "0195f3c2a1b4c0ffee41", Task: 0, Input: "range[0:10]"},
			{Path: "part_0195f3c2a1b4c0ffee42_000000_000000.parquet", Rows: 5, Bytes: 50, CRC32: "ffffffff", RunID: "0195f3c2a1b4c0ffee42"},
		},
		Runs: []Run{
			{RunID: "0195f3c2a1b4c0ffee41", Timestamp: 1767225500000, Mode: "error", Files: 1, Rows: 10},
			{RunID: "0195f3c2a1b4c0ffee42", Timestamp: 1767225600000, Mode: "append", Files: 1, Rows: 5},
		},
	}
}

// TestEncodeGolden pins the format other tools read (data/write/MANIFEST.md describes it).
func TestEncodeGolden(t *testing.T) {
	raw, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "manifest.json")
	if *update {
		os.WriteFile(golden, raw, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(raw) != string(want) {
		t.Fatalf("got\n%s\nwant\n%s", raw, want)
	}
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 15 || m.Bytes != 150 || m.Version != Version || len(m.Files) != 2 || m.Files[1].Path != sample().Files[1].Path {
		t.Fatalf("decoded %+v", m)
	}
}

func TestUnknownRows(t *testing.T) {
	m := sample()
	m.Files[0].Rows, m.Files[0].CRC32 = -1, ""
	raw, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(raw)
	if err != nil || d.Rows != -1 || d.Bytes != 150 {
		t.Fatalf("%+v, %v", d, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := Encode(sample())
	tests := []struct {
		name      string
		data      string
		notSluice bool
		want      string
	}{
		{"spark's empty marker", "", true, "empty file"},
		{"whitespace", " \n", true, "empty file"},
		{"s3a success data", `{"name":"org.apache.hadoop.fs.s3a.commit.files.SuccessData/1","filenames":["/a"]}`, true, "not a sluice manifest"},
		{"not json", "<html>", true, "not a sluice manifest"},
		{"newer version", strings.Replace(string(good), `"sluice.manifest/1"`, `"sluice.manifest/2"`, 1), false, "newer than this sluice reads"},
		{"bad version", strings.Replace(string(good), `"sluice.manifest/1"`, `"sluice.manifest/x"`, 1), false, "bad format name"},
		{"truncated", string(good[:len(good)/2]), false, "damaged"},
		{"absolute path", strings.Replace(string(good), `"part_000000_000000.parquet"`, `"/etc/passwd"`, 1), false, "bad file path"},
		{"parent path", strings.Replace(string(good), `"part_000000_000000.parquet"`, `"../x.parquet"`, 1), false, "bad file path"},
		{"hidden path", strings.Replace(string(good), `"part_000000_000000.parquet"`, `"_SUCCESS"`, 1), false, "hidden"},
		{"duplicate", strings.Replace(string(good), `"part_0195f3c2a1b4c0ffee42_000000_000000.parquet"`, `"part_000000_000000.parquet"`, 1), false, "listed twice"},
		{"bad crc", strings.Replace(string(good), `"0a0b0c0d"`, `"xyz"`, 1), false, "bad crc32"},
		{"negative size", strings.Replace(string(good), `"bytes": 100`, `"bytes": -1`, 1), false, "negative size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNotSluice) != tt.notSluice || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q (ErrNotSluice %v), want %q (ErrNotSluice %v)", err, errors.Is(err, ErrNotSluice), tt.want, tt.notSluice)
			}
		})
	}
}

func TestEncodeChecks(t *testing.T) {
	m := sample()
	m.Files[1].Path = "a/../b"
	if _, err := Encode(m); err == nil || !strings.Contains(err.Error(), "bad file path") {
		t.Fatalf("err = %v", err)
	}
}
