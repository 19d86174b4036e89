package exec_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicedata/sluice/exec"
)

// The seed's first case: run one task per CPU and gather the results, the
// Go form of ray.get([f.remote(n) for _ in range(os.cpu_count())]).
func Example() {
	rt, err := exec.New(exec.Options{CPUs: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close()
	ctx := context.Background()

	fibonacciLen := func(n int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			seq := []int{0, 1}
			for len(seq) < n {
				seq = append(seq, seq[len(seq)-1]+seq[len(seq)-2])
			}
			return len(seq), nil
		}
	}
	var futures []*exec.Future[int]
	for range 2 {
		futures = append(futures, exec.Go(ctx, rt, fibonacciLen(20)))
	}
	lens, err := exec.GetAll(ctx, futures)
	fmt.Println(lens, err)

	// A value shared through the object store, and a task that waits for
	// two others without holding a CPU meanwhile.
	greeting, err := exec.Put(rt, []byte("hello"))
	if err != nil {
		fmt.Println(err)
		return
	}
	word := exec.Go(ctx, rt, func(ctx context.Context) (string, error) {
		b, err := greeting.Get(ctx)
		return string(b), err
	})
	sum := exec.Then2(ctx, rt, word, futures[0], func(_ context.Context, w string, n int) (string, error) {
		return fmt.Sprintf("%s %d", w, n), nil
	})
	fmt.Println(sum.Get(ctx))
	// Output:
	// [20 20] <nil>
	// hello 20 <nil>
}

// A panic in a task comes back as an error carrying the stack.
func ExamplePanicError() {
	var rt exec.Runtime // the zero Runtime is ready to use
	defer rt.Close()
	ctx := context.Background()
	_, err := exec.Go(ctx, &rt, func(context.Context) (int, error) {
		panic("bad pixel")
	}, exec.Name("decode cat.jpg")).Get(ctx)
	var pe *exec.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	// Output: true bad pixel
}
