// Train: the seed's Ray Train example in Go. Data-parallel training of a logistic regression
// (Linear(30, 1) + Sigmoid, BCE loss, SGD) on the breast-cancer table, with two trainer
// goroutines each reading its own shard of one streaming pipeline.
//
//	go run ./examples/train [-in testdata/breast_cancer.csv] [-trainers 2] [-epochs 2]
//	                        [-batch 128] [-lr 0.1] [-seed 42]
//
// What maps to what:
//   - ray.data.read_csv -> data.ReadCSV; a first pass over the table computes each feature's
//     mean and standard deviation, and a MapBatches standardizes the 30 features into one
//     float32 tensor column "features" [N, 30] next to a float32 "target".
//   - DataLoader(shuffle=True) -> RandomShuffle(seed) in the plan (every epoch runs the plan
//     again) plus LocalShuffle with a seed per epoch as each trainer iterates.
//   - TorchTrainer(ScalingConfig(num_workers=2)) and get_dataset_shard("train") ->
//     ds.StreamingSplit(2, data.Equal()) and split.Shard(i), one goroutine per trainer.
//   - iter_torch_batches(batch_size=128, dtypes=torch.float32) -> Shard.IterBatches with
//     BatchSize(128) and zero-copy float32 views of the batch's columns.
//   - DistributedDataParallel -> the trainers average their gradients after every batch
//     (an all-reduce between goroutines), so both update one and the same model.
//
// The seed's learning rate is 0.001 with PyTorch's random initial weights; over two epochs of
// three batches it barely moves the loss. The features here are standardized and the default
// rate is 0.1, so the falling loss is visible. The program prints each trainer's mean loss
// per epoch, the rows the equal split dropped, and the trained model's accuracy on every row.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/tensor"
	"golang.org/x/sync/errgroup"
)

// config holds the command line's settings.
type config struct {
	path      string
	trainers  int
	epochs    int
	batchSize int
	lr        float64
	seed      uint64
}

func (c config) validate() error {
	switch {
	case c.trainers < 1:
		return fmt.Errorf("sluice: train: -trainers %d: want at least 1", c.trainers)
	case c.epochs < 1:
		return fmt.Errorf("sluice: train: -epochs %d: want at least 1", c.epochs)
	case c.batchSize < 1:
		return fmt.Errorf("sluice: train: -batch %d: want at least 1", c.batchSize)
	case !(c.lr > 0) || math.IsInf(c.lr, 0):
		return fmt.Errorf("sluice: train: -lr %v: want a positive number", c.lr)
	}
	return nil
}

// result is what a training run found.
type result struct {
	rows      int64
	features  []string
	losses    [][]float64 // [trainer][epoch] mean batch loss
	batches   [][]int     // [trainer][epoch] batches seen
	shardRows []int64     // rows each trainer read over all epochs
	dropped   int64       // rows Equal left out, summed over epochs
	accuracy  float64     // of the final model on every row
	models    []*model    // each trainer's final replica (identical)
}

// scaler standardizes features: (x - mean) / std, population std as sklearn's StandardScaler.
type scaler struct {
	mean, std []float64
}

// fitScaler is the first pass: it reads every row once and computes each feature's mean and
// standard deviation.
func fitScaler(ctx context.Context, ds *data.Dataset, features []string) (*scaler, int64, error) {
	sum := make([]float64, len(features))
	sumSq := make([]float64, len(features))
	var n int64
	for b, err := range ds.IterBatches(ctx, data.BatchSize(1024)) {
		if err != nil {
			return nil, 0, err
		}
		for j, name := range features {
			vals, err := numbers(b, name)
			if err != nil {
				return nil, 0, err
			}
			for _, v := range vals {
				sum[j] += v
				sumSq[j] += v * v
			}
		}
		n += int64(b.NumRows())
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("sluice: train: no rows to fit the scaler on")
	}
	s := &scaler{mean: make([]float64, len(features)), std: make([]float64, len(features))}
	for j := range features {
		s.mean[j] = sum[j] / float64(n)
		s.std[j] = math.Sqrt(max(sumSq[j]/float64(n)-s.mean[j]*s.mean[j], 0))
		if s.std[j] == 0 {
			s.std[j] = 1 // a constant feature: centre it, do not divide by zero
		}
	}
	return s, n, nil
}

// transform returns the MapBatches function that builds "features" (float32 [N, 30],
// standardized) and "target" (float32) from the table's columns.
func (s *scaler) transform(features []string) func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	return func(ctx context.Context, b *data.Batch) (*data.Batch, error) {
		n, k := b.NumRows(), len(features)
		x := make([]float32, n*k)
		for j, name := range features {
			vals, err := numbers(b, name)
			if err != nil {
				return nil, err
			}
			for i, v := range vals {
				x[i*k+j] = float32((v - s.mean[j]) / s.std[j])
			}
		}
		target, err := numbers(b, "target")
		if err != nil {
			return nil, err
		}
		y := make([]float32, n)
		for i, v := range target {
			if v != 0 && v != 1 {
				return nil, fmt.Errorf("column \"target\": row %d is %v, want 0 or 1", i, v)
			}
			y[i] = float32(v)
		}
		return b.NewBatch("features", tensor.New(x, n, k), "target", y)
	}
}

// numbers reads a numeric column as float64, whichever type the CSV reader inferred.
func numbers(b *data.Batch, name string) ([]float64, error) {
	col, err := b.Column(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, col.Len())
	switch c := col.(type) {
	case *array.Float64:
		copy(out, c.Float64Values())
	case *array.Float32:
		for i, v := range c.Float32Values() {
			out[i] = float64(v)
		}
	case *array.Int64:
		for i, v := range c.Int64Values() {
			out[i] = float64(v)
		}
	case *array.Int32:
		for i, v := range c.Int32Values() {
			out[i] = float64(v)
		}
	default:
		return nil, fmt.Errorf("column %q is %s, want a number", name, data.TypeString(col.DataType()))
	}
	for i := range out {
		if col.IsNull(i) {
			return nil, fmt.Errorf("column %q: row %d is empty", name, i)
		}
	}
	return out, nil
}

// model is nn.Sequential(nn.Linear(k, 1), nn.Sigmoid()): weights w and bias b.
type model struct {
	w []float64
	b float64
}

// newModel initializes like nn.Linear: weights and bias uniform in +-1/sqrt(k).
func newModel(k int, seed uint64) *model {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	bound := 1 / math.Sqrt(float64(k))
	m := &model{w: make([]float64, k)}
	for i := range m.w {
		m.w[i] = (2*rng.Float64() - 1) * bound
	}
	m.b = (2*rng.Float64() - 1) * bound
	return m
}

// predict is sigmoid(x . w + b) for one row.
func (m *model) predict(x []float32) float64 {
	z := m.b
	for j, v := range x {
		z += float64(v) * m.w[j]
	}
	return 1 / (1 + math.Exp(-z))
}

// lossAndGrad returns the batch's mean BCE loss (log clamped at -100 as torch.nn.BCELoss does)
// and writes its gradient into grad: k weights, then the bias.
func (m *model) lossAndGrad(x tensor.View[float32], y []float32, grad []float64) float64 {
	clear(grad)
	n, k := x.Shape[0], x.Shape[1]
	var loss float64
	for i := range n {
		row := x.Data[i*x.Strides[0] : i*x.Strides[0]+k]
		p, t := m.predict(row), float64(y[i])
		loss -= t*max(math.Log(p), -100) + (1-t)*max(math.Log(1-p), -100)
		// d(BCE)/dz of sigmoid output is p - t.
		d := (p - t) / float64(n)
		for j, v := range row {
			grad[j] += d * float64(v)
		}
		grad[k] += d
	}
	return loss / float64(n)
}

// step is optimizer.step() of SGD: parameters -= lr * grad.
func (m *model) step(grad []float64, lr float64) {
	for j := range m.w {
		m.w[j] -= lr * grad[j]
	}
	m.b -= lr * grad[len(m.w)]
}

// allReduce averages gradients across trainers, like DistributedDataParallel's all-reduce:
// every trainer calls average once per batch and gets the mean of all trainers' gradients.
// At the end of an epoch each trainer calls it with nil; a round that mixes nil and gradients
// means the trainers saw different batch counts, which is an error instead of a hang.
// The sum runs in trainer order, so a run is reproducible bit for bit.
type allReduce struct {
	n   int
	mu  sync.Mutex
	cur *round
}

type round struct {
	parts [][]float64
	got   int
	done  chan struct{}
	avg   []float64
	err   error
}

func (a *allReduce) average(ctx context.Context, rank int, grad []float64) ([]float64, error) {
	a.mu.Lock()
	if a.cur == nil {
		a.cur = &round{parts: make([][]float64, a.n), done: make(chan struct{})}
	}
	r := a.cur
	r.parts[rank] = grad
	r.got++
	if r.got == a.n {
		r.avg, r.err = mean(r.parts)
		close(r.done)
		a.cur = nil
	}
	a.mu.Unlock()
	select {
	case <-r.done:
		return r.avg, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func mean(parts [][]float64) ([]float64, error) {
	var avg []float64
	for i, p := range parts {
		if (p == nil) != (parts[0] == nil) {
			return nil, fmt.Errorf("sluice: train: trainer %d and trainer 0 saw different numbers of batches", i)
		}
		if p == nil {
			continue
		}
		if avg == nil {
			avg = make([]float64, len(p))
		}
		for j, v := range p {
			avg[j] += v
		}
	}
	for j := range avg {
		avg[j] /= float64(len(parts))
	}
	return avg, nil
}

// train runs the whole example with engine settings dc.
func train(ctx context.Context, dc *data.Context, cfg config) (*result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	table := data.ReadCSV(cfg.path).WithContext(dc)
	cols, err := table.Columns(ctx)
	if err != nil {
		return nil, err
	}
	var features []string
	hasTarget := false
	for _, c := range cols {
		if c == "target" {
			hasTarget = true
		} else {
			features = append(features, c)
		}
	}
	if !hasTarget || len(features) == 0 {
		return nil, fmt.Errorf("sluice: train: %s: want feature columns and a \"target\" column, have %v", cfg.path, cols)
	}
	sc, rows, err := fitScaler(ctx, table, features)
	if err != nil {
		return nil, err
	}
	prepared := table.MapBatches(sc.transform(features), data.Name("standardize"))
	ds := prepared.RandomShuffle(cfg.seed)

	split, err := ds.StreamingSplit(cfg.trainers, data.Equal())
	if err != nil {
		return nil, err
	}
	defer split.Close()

	res := &result{
		rows: rows, features: features,
		losses:    make([][]float64, cfg.trainers),
		batches:   make([][]int, cfg.trainers),
		shardRows: make([]int64, cfg.trainers),
		models:    make([]*model, cfg.trainers),
	}
	reducer := &allReduce{n: cfg.trainers}
	g, gctx := errgroup.WithContext(ctx)
	for rank := range cfg.trainers {
		g.Go(func() error {
			return trainLoop(gctx, split.Shard(rank), rank, cfg, res, reducer)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	res.dropped = split.Stats().DroppedRows

	// Accuracy of the trained model on every row, in file order.
	m := res.models[0]
	correct := 0
	for b, err := range prepared.IterBatches(ctx, data.BatchSize(256)) {
		if err != nil {
			return nil, err
		}
		x, y, err := xy(b)
		if err != nil {
			return nil, err
		}
		for i := range x.Shape[0] {
			if (m.predict(x.Row(i).Data[:x.Shape[1]]) >= 0.5) == (y[i] == 1) {
				correct++
			}
		}
	}
	res.accuracy = float64(correct) / float64(rows)
	return res, nil
}

// trainLoop is the seed's train_func for one trainer: epochs over its shard, one SGD step per
// batch. As with DistributedDataParallel, each trainer holds its own replica of the model,
// starting from the same weights; the gradients are averaged across trainers before every
// step, so the replicas stay identical. The trainer's final replica goes to models[rank].
func trainLoop(ctx context.Context, shard *data.Shard, rank int, cfg config, res *result, reducer *allReduce) error {
	m := newModel(len(res.features), cfg.seed)
	grad := make([]float64, len(res.features)+1)
	for epoch := range cfg.epochs {
		var lossSum float64
		var batches int
		opts := []data.Option{data.BatchSize(cfg.batchSize), data.LocalShuffle(cfg.batchSize, cfg.seed+uint64(epoch))}
		for b, err := range shard.IterBatches(ctx, opts...) {
			if err != nil {
				return err
			}
			x, y, err := xy(b)
			if err != nil {
				return fmt.Errorf("sluice: train: trainer %d: %w", rank, err)
			}
			lossSum += m.lossAndGrad(x, y, grad)
			batches++
			res.shardRows[rank] += int64(b.NumRows())
			avg, err := reducer.average(ctx, rank, grad)
			if err != nil {
				return err
			}
			m.step(avg, cfg.lr)
		}
		// Every trainer ends the epoch together: an uneven split is an error, not a hang.
		if _, err := reducer.average(ctx, rank, nil); err != nil {
			return err
		}
		if batches == 0 {
			return fmt.Errorf("sluice: train: trainer %d got no rows in epoch %d", rank, epoch)
		}
		res.losses[rank] = append(res.losses[rank], lossSum/float64(batches))
		res.batches[rank] = append(res.batches[rank], batches)
	}
	res.models[rank] = m
	return nil
}

// xy returns a batch's features as a float32 [N, k] view and its targets, both sharing the
// batch's memory (what iter_torch_batches(dtypes=torch.float32) hands the seed's loop).
func xy(b *data.Batch) (tensor.View[float32], []float32, error) {
	x, err := data.TensorView[float32](b, "features")
	if err != nil {
		return x, nil, err
	}
	y, err := b.Float32s("target")
	if err != nil {
		return x, nil, err
	}
	if x.NDim() != 2 || x.Shape[0] != len(y) {
		return x, nil, fmt.Errorf("features of shape %v for %d targets", x.Shape, len(y))
	}
	return x, y, nil
}

// report prints a run's results.
func report(w io.Writer, cfg config, res *result) {
	fmt.Fprintf(w, "%s: %d rows, %d features + target, standardized from a first pass\n",
		filepath.Base(cfg.path), res.rows, len(res.features))
	fmt.Fprintf(w, "StreamingSplit(%d, Equal()): batch size %d, %d epochs, SGD lr %g, gradients averaged across trainers\n",
		cfg.trainers, cfg.batchSize, cfg.epochs, cfg.lr)
	for epoch := range cfg.epochs {
		for rank := range cfg.trainers {
			fmt.Fprintf(w, "epoch %d trainer %d: loss %.4f (%d batches)\n",
				epoch, rank, res.losses[rank][epoch], res.batches[rank][epoch])
		}
	}
	fmt.Fprintf(w, "rows per trainer over all epochs: %v; rows Equal dropped: %d\n", res.shardRows, res.dropped)
	fmt.Fprintf(w, "accuracy of the trained model on all %d rows: %.1f%%\n", res.rows, 100*res.accuracy)
}

func main() {
	var cfg config
	flag.StringVar(&cfg.path, "in", filepath.Join(repoRoot(), "testdata", "breast_cancer.csv"), "CSV with feature columns and a 0/1 \"target\" column")
	flag.IntVar(&cfg.trainers, "trainers", 2, "number of trainer goroutines (Ray's num_workers)")
	flag.IntVar(&cfg.epochs, "epochs", 2, "epochs")
	flag.IntVar(&cfg.batchSize, "batch", 128, "rows per batch")
	flag.Float64Var(&cfg.lr, "lr", 0.1, "SGD learning rate")
	flag.Uint64Var(&cfg.seed, "seed", 42, "seed of the shuffles and the initial weights")
	flag.Parse()
	res, err := train(context.Background(), data.DefaultContext(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	report(os.Stdout, cfg, res)
}

// repoRoot finds the repository from this file's location, so the example runs from any
// directory with `go run`.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}
