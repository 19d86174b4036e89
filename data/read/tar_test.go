package read

import (
	"archive/tar"
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// makeTar writes members (name, content) in order.
func makeTar(t testing.TB, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+1 < len(members); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: members[i], Mode: 0o644, Size: int64(len(members[i+1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(members[i+1]))
	}
	tw.Close()
	return buf.Bytes()
}

func samplesOf(data []byte) (string, error) {
	var out []string
	err := TarSamples(bytes.NewReader(data), func(s *Sample) error {
		parts := []string{fmt.Sprintf("%s@%d", s.Key, s.Offset)}
		for i, e := range s.Exts {
			parts = append(parts, e+"="+string(s.Data[i]))
		}
		out = append(out, strings.Join(parts, " "))
		return nil
	})
	return strings.Join(out, "\n"), err
}

func TestTarSamples(t *testing.T) {
	data := makeTar(t,
		"a/000.jpg", "J0", "a/000.cls", "1", "a/000.seg.PNG", "S0",
		"a/.hidden.txt", "x", "a/noext", "y",
		"a/001.jpg", "J1",
		"a/000.txt", "back again",
	)
	got, err := samplesOf(data)
	if err != nil {
		t.Fatal(err)
	}
	want := "a/000@0 jpg=J0 cls=1 seg.png=S0\na/001@5120 jpg=J1\na/000@6144 txt=back again"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A sample's offset is its first header's: the bytes there are that header.
	if name := string(data[5120 : 5120+9]); name != "a/001.jpg" {
		t.Fatalf("offset 5120 holds %q", name)
	}
}

func TestTarSamplesBroken(t *testing.T) {
	data := makeTar(t, "k.jpg", strings.Repeat("x", 2000), "k.txt", "t")
	_, err := samplesOf(data[:1200])
	wantError(t, err, "tar: member k.jpg at byte 0: truncated stream")
	_, err = samplesOf(data[:2600])
	wantError(t, err, "tar: header at byte 2560: ")
	_, err = samplesOf(makeTar(t, "k.jpg", "1", "k.jpg", "2"))
	wantError(t, err, `tar: member k.jpg at byte 1024: sample "k" already has a .jpg member`)
	bad := bytes.Clone(data)
	bad[150] ^= 0xff // the header checksum no longer matches
	_, err = samplesOf(bad)
	wantError(t, err, "tar: header at byte 0: archive/tar: invalid tar header")
}

// TestCountTarSamples: the count from the headers is the number of samples TarSamples
// gives, and the stream errors are the same.
func TestCountTarSamples(t *testing.T) {
	data := makeTar(t,
		"a/000.jpg", "J0", "a/000.cls", "1", "a/000.seg.PNG", "S0",
		"a/.hidden.txt", "x", "a/noext", "y",
		"a/001.jpg", "J1",
		"a/000.txt", "back again",
	)
	if n, err := CountTarSamples(bytes.NewReader(data)); err != nil || n != 3 {
		t.Fatalf("CountTarSamples = %d, %v; want 3", n, err)
	}
	if n, err := CountTarSamples(bytes.NewReader(nil)); err != nil || n != 0 {
		t.Fatalf("CountTarSamples of nothing = %d, %v", n, err)
	}
	broken := makeTar(t, "k.jpg", strings.Repeat("x", 2000), "k.txt", "t")
	_, err := CountTarSamples(bytes.NewReader(broken[:1200]))
	wantError(t, err, "tar: member k.jpg at byte 0: truncated stream")
	_, err = CountTarSamples(bytes.NewReader(makeTar(t, "k.jpg", "1", "k.jpg", "2")))
	wantError(t, err, `tar: member k.jpg at byte 1024: sample "k" already has a .jpg member`)
}

// FuzzTarSamples: any bytes give samples or an error, never a panic or a huge allocation
// (member sizes are bounded by MaxTarMember and by what the stream holds).
func FuzzTarSamples(f *testing.F) {
	f.Add(makeTar(f, "a/000.jpg", "J0", "a/000.cls", "1", "a/001.jpg", "J1"))
	f.Add(makeTar(f, strings.Repeat("d/", 60)+"long.name.txt", "pax"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := TarSamples(bytes.NewReader(data), func(s *Sample) error {
			if s.Key == "" || len(s.Exts) != len(s.Data) || len(s.Exts) == 0 {
				t.Fatalf("malformed sample %+v", s)
			}
			n++
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "tar: ") {
			t.Fatalf("error %q does not start with tar:", err)
		}
	})
}
