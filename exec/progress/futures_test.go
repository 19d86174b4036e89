package progress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/exec"
	"go.uber.org/goleak"
)

func TestFutures(t *testing.T) {
	defer goleak.VerifyNone(t)
	errBad := errors.New("bad input")
	for _, tc := range []struct {
		name   string
		tasks  int
		failAt map[int]bool
		want   string
	}{
		{name: "all succeed", tasks: 8, want: "] 8/8 ["},
		{name: "some fail", tasks: 8, failAt: map[int]bool{2: true, 5: true}, want: "] 8/8 (2 failed) ["},
		{name: "one task", tasks: 1, want: "] 1/1 ["},
		{name: "many tasks", tasks: 300, want: "] 300/300 ["},
		{name: "no tasks", tasks: 0, want: ""}, // nothing drawn
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, err := exec.New(exec.Options{CPUs: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			ctx := context.Background()
			var fs []*exec.Future[int]
			for i := range tc.tasks {
				fs = append(fs, exec.Go(ctx, rt, func(context.Context) (int, error) {
					if tc.failAt[i] {
						return 0, errBad
					}
					return i, nil
				}))
			}
			var buf bytes.Buffer
			if err := Futures(ctx, "tasks", fs, forced(&buf)...); err != nil {
				t.Fatalf("Futures: %v", err)
			}
			for i, f := range fs {
				if !f.Ready() {
					t.Fatalf("future %d not resolved after Futures returned", i)
				}
			}
			if tc.want == "" {
				if buf.Len() != 0 {
					t.Errorf("drew %q for no futures", buf.String())
				}
			} else if frame := lastFrame(t, buf.String()); !strings.Contains(frame, tc.want) {
				t.Errorf("last frame %q, want %q", frame, tc.want)
			}
			_, err = exec.GetAll(ctx, fs)
			if wantErr := len(tc.failAt) > 0; (err != nil) != wantErr || (wantErr && !errors.Is(err, errBad)) {
				t.Errorf("GetAll error %v, want errBad: %v", err, wantErr)
			}
		})
	}
}

// A cancelled wait returns the context's error, and the bar stays where it
// stopped instead of jumping to 100%.
func TestFuturesCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	rt, err := exec.New(exec.Options{CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	release := make(chan struct{})
	defer close(release)
	bg := context.Background()
	var fs []*exec.Future[int]
	for i := range 4 {
		fs = append(fs, exec.Go(bg, rt, func(context.Context) (int, error) {
			if i >= 3 {
				<-release // never finishes while Futures waits
			}
			return i, nil
		}))
	}
	if _, err := exec.GetAll(bg, fs[:3]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	var buf bytes.Buffer
	done := make(chan error)
	go func() { done <- Futures(ctx, "tasks", fs, forced(&buf)...) }()
	cancel()
	err = <-done
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "sluice: progress: tasks: ") {
		t.Errorf("Futures on a cancelled context: %v", err)
	}
	frame := lastFrame(t, buf.String())
	if !strings.Contains(frame, "] 3/4 [") {
		t.Errorf("last frame %q, want 3/4", frame)
	}
}

func TestFuturesBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	var rt exec.Runtime
	defer rt.Close()
	ctx := context.Background()
	ok := exec.Go(ctx, &rt, func(context.Context) (int, error) { return 1, nil })
	var buf bytes.Buffer
	err := Futures(ctx, "decode", []*exec.Future[int]{ok, nil}, forced(&buf)...)
	if err == nil || err.Error() != "sluice: progress: decode: future 1: nil" {
		t.Errorf("nil future: got %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("a bar was drawn for bad input: %q", buf.String())
	}
}

func TestFuturesQuiet(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, open := range quietCases(t) {
		t.Run(name, func(t *testing.T) {
			rt, err := exec.New(exec.Options{CPUs: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			ctx := context.Background()
			var fs []*exec.Future[string]
			for i := range 5 {
				fs = append(fs, exec.Go(ctx, rt, func(context.Context) (string, error) { return fmt.Sprint(i), nil }))
			}
			w, written := open()
			if err := Futures(ctx, "tasks", fs, WithOutput(w)); err != nil {
				t.Fatal(err)
			}
			got, err := exec.GetAll(ctx, fs)
			if err != nil || strings.Join(got, "") != "01234" {
				t.Errorf("GetAll = %v, %v", got, err)
			}
			if s := written(); s != "" {
				t.Errorf("quiet Futures wrote %q", s)
			}
		})
	}
}
