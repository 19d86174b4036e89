package progress_test

import (
	"context"
	"fmt"
	"os"

	"github.com/sluicedata/sluice/exec"
	"github.com/sluicedata/sluice/exec/progress"
)

// A bar over a list of tasks, the Go form of
// ray.get([f.remote(x) for x in tqdm(xs)]) that advances as tasks finish
// rather than as they are submitted. Off a terminal it draws nothing.
func ExampleFutures() {
	rt, err := exec.New(exec.Options{CPUs: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close()
	ctx := context.Background()
	var squares []*exec.Future[int]
	for i := range 10 {
		squares = append(squares, exec.Go(ctx, rt, func(context.Context) (int, error) { return i * i, nil }))
	}
	if err := progress.Futures(ctx, "squares", squares, progress.WithOutput(os.Stderr)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(exec.GetAll(ctx, squares))
	// Output: [0 1 4 9 16 25 36 49 64 81] <nil>
}

// One line per operator, fed from a run's stats snapshots.
func ExampleOperators() {
	ops := progress.NewOperators()
	ops.Update([]progress.OperatorStats{
		{Name: "ReadParquet", Rows: 4096, TotalRows: 10000, Blocks: 4, ActiveTasks: 2, MemoryBytes: 8 << 20},
		{Name: "MapBatches(normalize)", Rows: 2048, Blocks: 2, ActiveTasks: 1, MemoryBytes: 4 << 20},
	})
	ops.Close()
	for _, op := range ops.Last() {
		fmt.Println(op.Name, op.Rows)
	}
	// Output:
	// ReadParquet 4096
	// MapBatches(normalize) 2048
}

// A bar around a serial loop, the tqdm of the seed's run_serially. Close
// draws the final, real counts.
func ExampleBar() {
	items := []string{"a.jpg", "b.jpg", "c.jpg"}
	bar := progress.NewBar("serial", len(items))
	for _, name := range items {
		if name == "b.jpg" {
			bar.AddFailed(1) // a bad image: counted, shown as failed
			continue
		}
		bar.Add(1)
	}
	bar.Close()
	fmt.Println(bar.Count())
	// Output: 3 1
}
