package data

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The rule every error that reaches a user follows (see streaming.OpError): "sluice:
// <operator>: <input>: <cause>", each part said once. TestErrorCatalogue walks a catalogue of
// failures, one per kind of input and operator, and checks each message against it.

// errorCase is one failure: the dataset that fails, the operator its error must name, and the
// input (a path) it must name exactly once ("" when there is no file).
type errorCase struct {
	name, op, input string
	ds              func() *Dataset
	write           func() error
}

var componentTag = regexp.MustCompile(`(^|: )(read_[a-z]+|write_[a-z]+|vision|write|storage|tensor|keys|expr|concat|take): `)

func checkRule(t *testing.T, c errorCase, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", c.name)
		return
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 { // a panic's stack follows the first line
		msg = msg[:i]
	}
	switch {
	case !strings.HasPrefix(msg, "sluice: "+c.op+": "):
		t.Errorf("%s: does not start with the operator %q: %s", c.name, c.op, msg)
	case strings.Count(msg, "sluice: ") != 1:
		t.Errorf("%s: says sluice more than once: %s", c.name, msg)
	case strings.Count(msg, c.op) != 1:
		t.Errorf("%s: names the operator %d times: %s", c.name, strings.Count(msg, c.op), msg)
	case c.input != "" && strings.Count(msg, c.input) != 1:
		t.Errorf("%s: names its input %d times: %s", c.name, strings.Count(msg, c.input), msg)
	case componentTag.MatchString(strings.TrimPrefix(msg, "sluice: "+c.op+": ")):
		t.Errorf("%s: repeats a package's tag after the operator: %s", c.name, msg)
	}
}

func TestErrorCatalogue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ragged := file("ragged.csv", "a,b\n1,2\n3\n")
	badJSON := file("bad.jsonl", "{\"a\": 1}\n{\"a\": \n")
	emptyJPEG := file("empty.jpg", "")
	cutJPEG := file("cut.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	truncPQ := file("trunc.parquet", "PAR1xxxxxxxxPAR1")
	badNpy := file("bad.npy", "\x93NUMPY\x01\x00\x05\x00{bad}")
	missing := filepath.Join(dir, "nope.csv")
	c := testContext(t)
	cases := []errorCase{
		{name: "ragged CSV", op: "ReadCSV", input: ragged, ds: func() *Dataset { return ReadCSV(ragged) }},
		{name: "bad JSON line", op: "ReadJSON", input: badJSON, ds: func() *Dataset { return ReadJSON(badJSON) }},
		{name: "empty JPEG", op: "ReadImages", input: emptyJPEG, ds: func() *Dataset { return ReadImages(emptyJPEG) }},
		{name: "cut JPEG", op: "ReadImages", input: cutJPEG, ds: func() *Dataset { return ReadImages(cutJPEG) }},
		{name: "truncated Parquet footer", op: "ReadParquet", input: truncPQ, ds: func() *Dataset { return ReadParquet(truncPQ) }},
		{name: "bad npy header", op: "ReadNumpy", input: badNpy, ds: func() *Dataset { return ReadNumpy(badNpy) }},
		{name: "missing path", op: "ReadCSV", input: missing, ds: func() *Dataset { return ReadCSV(missing) }},
		{name: "user function error", op: "MapBatches(check)", ds: func() *Dataset {
			return Range(100).MapBatches(func(ctx context.Context, b *Batch) (*Batch, error) { return nil, errors.New("refused") }, Name("check"))
		}},
		{name: "user function panic", op: "Map(explode)", ds: func() *Dataset {
			return Range(100).Map(func(ctx context.Context, r Row) (Row, error) { panic("boom") }, Name("explode"))
		}},
		{name: "row function error on a file", op: "Map(parse)", input: ragged + " rows", ds: func() *Dataset {
			return ReadCSV(file("good.csv", "a,b\n1,2\n")).Map(func(ctx context.Context, r Row) (Row, error) { return nil, errors.New("bad value") }, Name("parse"))
		}},
		{name: "expression at run time", op: `Where(Lit(10).Div(Col("id").Sub(5)).Gt(0))`, ds: func() *Dataset {
			return FromItems([]Row{{"id": int64(5)}}).Where(Lit(10).Div(Col("id").Sub(5)).Gt(0))
		}},
		{name: "sort on a missing key at run time", op: "SortRuns(nope)", ds: func() *Dataset {
			return FromItems([]Row{{"id": int64(5)}}).Sort([]string{"nope"})
		}},
		{name: "zip of different lengths", op: "Zip", ds: func() *Dataset { return Range(10).Zip(Range(12)) }},
		{name: "write into a file", op: "WriteCSV", input: ragged, write: func() error {
			_, err := Range(10).WithContext(c).WriteCSV(ctx, ragged)
			return err
		}},
	}
	for _, tc := range cases {
		var err error
		if tc.write != nil {
			err = tc.write()
		} else {
			_, err = tc.ds().WithContext(c).TakeAll(ctx, 0)
		}
		if tc.name == "row function error on a file" {
			tc.input = "good.csv" // the row's file, named once
		}
		checkRule(t, tc, err)
	}
}
