// The seed's torchtext example in Go: read a text file, tokenize each line in map_batches, and
// print the schema. The seed uses torchtext's BERTTokenizer with a vocabulary downloaded from a
// hub; a vocabulary cannot be fetched here, so this example applies BERT's basic tokenization
// (lower-casing, splitting on white space and punctuation), the step that comes before
// word pieces.
//
//	go run ./examples/text
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"github.com/sluicedata/sluice/data"
)

// basicTokens lower-cases s and splits it into words and single punctuation marks.
func basicTokens(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsSpace(r):
			flush()
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			flush()
			out = append(out, string(r))
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return out
}

// tokenizeText adds a "tokenized_text" column (a list of strings per row).
func tokenizeText(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	text, err := b.Strings("text")
	if err != nil {
		return nil, err
	}
	tokens := make([][]string, len(text))
	for i, t := range text {
		tokens[i] = basicTokens(t)
	}
	return b.With("tokenized_text", tokens)
}

func run(ctx context.Context, w io.Writer, c *data.Context, path string) error {
	ds := data.ReadText(path).MapBatches(tokenizeText, data.BatchSize(2))
	if c != nil {
		ds = ds.WithContext(c)
	}
	schema, err := ds.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, schema)
	return ds.Show(ctx, w, 10)
}

func main() {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "simple.txt")
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := run(context.Background(), os.Stdout, nil, path); err != nil {
		log.Fatal(err)
	}
}
