package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestWalk(t *testing.T) {
	ctx := context.Background()
	f := memFS(t)
	for _, k := range []string{"d/a.csv", "d/sub/b.csv", "dx/c.csv", "d", "top.txt"} {
		put(t, f, "mem://b/"+k, k)
	}
	// A directory marker, as S3 consoles make; Create refuses such keys, so write it directly.
	b, l, err := f.open(ctx, "mem://b/d/sub/")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteAll(ctx, l.key, nil, nil); err != nil {
		t.Fatal(err)
	}
	walk := func(root string) ([]Object, error) {
		var got []Object
		err := f.Walk(ctx, root, func(o Object) error { got = append(got, o); return nil })
		return got, err
	}
	tests := []struct {
		root string
		want []string
		err  error
	}{
		{root: "mem://b/top.txt", want: []string{"mem://b/top.txt"}},
		{root: "mem://b/d", want: []string{"mem://b/d"}}, // an object named like the directory wins
		{root: "mem://b/d/", want: []string{"mem://b/d/a.csv", "mem://b/d/sub/b.csv"}},
		{root: "mem://b/d/sub", want: []string{"mem://b/d/sub/b.csv"}},
		{root: "mem://b", want: []string{"mem://b/d", "mem://b/d/a.csv", "mem://b/d/sub/b.csv", "mem://b/dx/c.csv", "mem://b/top.txt"}},
		{root: "mem://b/nope", err: fs.ErrNotExist},
		{root: "mem://b/d/a", err: fs.ErrNotExist}, // a key prefix is not a directory
	}
	for _, tt := range tests {
		t.Run(tt.root, func(t *testing.T) {
			got, err := walk(tt.root)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.root) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var paths []string
			for _, o := range got {
				paths = append(paths, o.Path)
				if want := int64(len(strings.TrimPrefix(o.Path, "mem://b/"))); o.Size != want {
					t.Errorf("%s: size %d, want %d", o.Path, o.Size, want)
				}
			}
			if err != nil || !slices.Equal(paths, tt.want) {
				t.Fatalf("got %q, %v", paths, err)
			}
		})
	}
	t.Run("an error from fn stops the walk unchanged", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := f.Walk(ctx, "mem://b", func(Object) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Fatalf("err %v after %d calls", err, calls)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := f.Walk(cctx, "mem://b/d/", func(Object) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestWalkPages(t *testing.T) {
	ctx := context.Background()
	f := memFS(t)
	n := ListPageSize*2 + 7
	for i := range n {
		put(t, f, fmt.Sprintf("mem://b/many/%05d", i), "x")
	}
	i := 0
	err := f.Walk(ctx, "mem://b/many", func(o Object) error {
		if want := fmt.Sprintf("mem://b/many/%05d", i); o.Path != want {
			return fmt.Errorf("object %d is %s, want %s", i, o.Path, want)
		}
		i++
		return nil
	})
	if err != nil || i != n {
		t.Fatalf("walked %d of %d: %v", i, n, err)
	}
}
