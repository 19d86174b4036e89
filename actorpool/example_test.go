package actorpool_test

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/sluicedata/sluice/actorpool"
)

// predictor stands for a model loaded once per actor: here the seed's Linear(100, 1) + Sigmoid
// with every weight 0.01 and no bias.
type predictor struct {
	weights []float64
}

func newPredictor(context.Context) (*predictor, error) {
	w := make([]float64, 100)
	for i := range w {
		w[i] = 0.01
	}
	return &predictor{weights: w}, nil
}

func (p *predictor) predict(x []float64) float64 {
	var z float64
	for i, v := range x {
		z += p.weights[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// Close is called once by the pool when it retires the actor.
func (p *predictor) Close() error {
	fmt.Println("predictor closed")
	return nil
}

func Example() {
	ctx := context.Background()
	pool, err := actorpool.New(ctx, newPredictor, actorpool.Options{Name: "predict"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ones := make([]float64, 100)
	for i := range ones {
		ones[i] = 1
	}
	var y float64
	err = pool.Do(ctx, func(_ context.Context, p *predictor) error {
		y = p.predict(ones)
		return nil
	})
	fmt.Printf("y=%.4f err=%v\n", y, err)
	if err := pool.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// y=0.7311 err=<nil>
	// predictor closed
}

// ExamplePool_TrySubmit shows the asynchronous protocol an executor uses: submit without
// blocking, receive results in any order through done, restore order by sequence number.
func ExamplePool_TrySubmit() {
	ctx := context.Background()
	pool, err := actorpool.New(ctx, func(context.Context) (*predictor, error) { return newPredictor(ctx) },
		actorpool.Options{Min: 2, MaxInFlight: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	type result struct {
		seq int
		y   float64
		err error
	}
	results := make(chan result, 4)
	ys := make([]float64, 4)
	received := 0
	collect := func() {
		r := <-results
		if r.err != nil {
			fmt.Println(r.err)
		}
		ys[r.seq] = r.y
		received++
	}
	for seq := range 4 {
		x := make([]float64, 100)
		for i := range x {
			x[i] = float64(seq)
		}
		var y float64
		fn := func(_ context.Context, p *predictor) error { y = p.predict(x); return nil }
		done := func(err error) { results <- result{seq, y, err} }
		for {
			err := pool.TrySubmit(ctx, fn, done)
			if err == nil {
				break
			}
			if !errors.Is(err, actorpool.ErrFull) {
				fmt.Println(err)
				return
			}
			collect() // a finished call has freed a place
		}
	}
	for received < 4 {
		collect()
	}
	pool.Close()
	fmt.Printf("%.4f\n", ys)
	// Output:
	// predictor closed
	// predictor closed
	// [0.5000 0.7311 0.8808 0.9526]
}
