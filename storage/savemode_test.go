package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestPrepare(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		mode     SaveMode
		existing bool
		proceed  bool
		err      error
		left     []string // objects under the bucket afterwards
	}{
		{SaveError, false, true, nil, []string{"mem://b/outside.txt"}},
		{SaveError, true, false, ErrExists, []string{"mem://b/out/a", "mem://b/out/sub/b", "mem://b/outside.txt"}},
		{SaveOverwrite, true, true, nil, []string{"mem://b/outside.txt"}},
		{SaveAppend, true, true, nil, []string{"mem://b/out/a", "mem://b/out/sub/b", "mem://b/outside.txt"}},
		{SaveIgnore, true, false, nil, []string{"mem://b/out/a", "mem://b/out/sub/b", "mem://b/outside.txt"}},
		{SaveIgnore, false, true, nil, []string{"mem://b/outside.txt"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s existing=%v", tt.mode, tt.existing), func(t *testing.T) {
			f := memFS(t)
			put(t, f, "mem://b/outside.txt", "x") // shares the prefix "out" but not "out/"
			if tt.existing {
				put(t, f, "mem://b/out/a", "x")
				put(t, f, "mem://b/out/sub/b", "x")
			}
			proceed, err := f.Prepare(ctx, "mem://b/out", tt.mode)
			if proceed != tt.proceed || !errors.Is(err, tt.err) {
				t.Fatalf("Prepare = %v, %v", proceed, err)
			}
			var left []string
			if err := f.Walk(ctx, "mem://b", func(o Object) error { left = append(left, o.Path); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(left, tt.left) {
				t.Fatalf("left %q", left)
			}
		})
	}
	t.Run("unknown mode", func(t *testing.T) {
		if _, err := memFS(t).Prepare(ctx, "mem://b/out", SaveMode(9)); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("names", func(t *testing.T) {
		var got []string
		for m := SaveError; m <= SaveIgnore+1; m++ {
			got = append(got, m.String())
		}
		if !slices.Equal(got, []string{"error", "overwrite", "append", "ignore", "SaveMode(4)"}) {
			t.Fatalf("names %q", got)
		}
	})
}
