package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

func TestText(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out bytes.Buffer
	if err := run(context.Background(), &out, &data.Context{Allocator: mem}, "../../testdata/simple.txt"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"text            string",
		"tokenized_text  list<string>",
		"Hello, World!                             [hello , world !]",
		"Ray Data streams batches to PyTorch.      [ray data streams batches to pytorch .]",
		"Tokenizers split text into words, low...  [tokenizers split text into words , l...",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "\n"); n != 4+1+2+4 {
		t.Errorf("%d lines, want a 4-line schema, a blank line, a header and 4 rows (the empty line dropped):\n%s", n, out.String())
	}
	if got := basicTokens("Lower-cased, OK?"); strings.Join(got, " ") != "lower - cased , ok ?" {
		t.Errorf("tokens %q", got)
	}
}
