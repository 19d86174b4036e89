// Command distributed runs one sluice plan on Apache Beam and on the local executor and checks
// that both wrote the same rows: a Parquet read, a fused map, an actor stage, a group-by and a
// Parquet write.
//
// On prism inside this process (Beam's runner; its workers in-process too):
//
//	go run ./examples/distributed -out /tmp/dist
//
// On a small cluster on loopback: prism as a job server, and worker processes of this binary
// (scripts/beam-cluster.sh start does this, and scripts/beam-cluster.sh check tests it):
//
//	prism -job_port 8073 &                               # go build github.com/apache/beam/sdks/v2/go/cmd/prism
//	distributed -serve_workers 8100 -in /tmp/dist-in &   # two worker pool processes
//	distributed -serve_workers 8101 -in /tmp/dist-in &
//	distributed -job_server localhost:8073 -workers localhost:8100,localhost:8101 -in /tmp/dist-in -out /tmp/dist
//
// Every process must be given the same -in (the plan is rebuilt from it on each worker). The
// job-server flag is -job_server, not Beam's -endpoint: the Go SDK defines -endpoint itself
// (package jobopts), and a program flag of that name would clash with it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/streaming/beam"
)

var (
	in           = flag.String("in", "", "Parquet input directory (made with -rows synthetic rows when it does not exist)")
	rows         = flag.Int("rows", 200_000, "rows of the synthetic input")
	out          = flag.String("out", "", "output directory: the Beam run writes <out>/beam, the local run <out>/local")
	jobServer    = flag.String("job_server", "", "a portable job server (host:port); empty: prism in this process")
	workers      = flag.String("workers", "", "the external worker pools the job server uses (host:port, comma-separated)")
	serveWorkers = flag.Int("serve_workers", -1, "serve as an external worker pool on this port and do nothing else")
	scratch      = flag.String("scratch", "", "scratch directory every worker can see (default the temp directory)")
	slow         = flag.Duration("slow", 0, "sleep this long in each call of the fused map (give every process the same value): a run long enough to kill a worker in the middle of it")
)

// The plan, registered at init time so that worker processes rebuild it by name.
func init() { beam.Register("distributed", plan) }

func plan() *data.Dataset {
	return data.ReadParquet(*in).
		MapBatches(addTotal).                                                // fused into the read tasks
		MapBatchesActor(newTagger, data.Actors(1, 2), data.BatchSize(4096)). // an actor stage
		GroupBy("store").Aggregate(data.Count(), data.Sum("total"), data.Mean("price"))
}

// Money is in integer cents, so sums are exact whatever order a distributed run adds them in
// (float sums differ in the last bits between orders).

// addTotal adds total = price * quantity.
func addTotal(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	if *slow > 0 {
		select {
		case <-time.After(*slow):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	price, err := b.Int64s("price")
	if err != nil {
		return nil, err
	}
	qty, err := b.Int64s("quantity")
	if err != nil {
		return nil, err
	}
	total := make([]int64, len(price))
	for i := range price {
		total[i] = price[i] * qty[i]
	}
	return b.With("total", total)
}

// tagger is an actor: its state (a tax rate, loaded once per actor) is applied to totals.
type tagger struct{ percent int64 }

func newTagger(ctx context.Context) (data.BatchActor, error) { return &tagger{percent: 108}, nil }

func (t *tagger) MapBatch(ctx context.Context, b *data.Batch) (*data.Batch, error) {
	total, err := b.Int64s("total")
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(total))
	for i, v := range total {
		out[i] = (v*t.percent + 50) / 100
	}
	return b.With("total", out)
}

type sale struct {
	Store    string `sluice:"store"`
	Price    int64  `sluice:"price"` // cents
	Quantity int64  `sluice:"quantity"`
}

// makeInput writes n synthetic sales into dir as several Parquet files.
func makeInput(ctx context.Context, dir string, n int) error {
	sales := make([]sale, n)
	for i := range sales {
		sales[i] = sale{Store: fmt.Sprintf("store-%02d", i*7919%23), Price: int64(i * 104729 % 10007), Quantity: int64(i%9 + 1)}
	}
	_, err := data.FromItems(sales).WriteParquet(ctx, dir, data.MaxRowsPerFile(int64(max(n/8, 1))))
	return err
}

func main() {
	flag.Parse()
	beam.Init()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if *serveWorkers >= 0 {
		addr, stop, err := beam.ServeWorkers(ctx, *serveWorkers)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("worker pool serving at %s", addr)
		// Report this process's share of the work as it grows.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		reported := int64(0)
		for {
			select {
			case <-ctx.Done():
				stop()
				return
			case <-tick.C:
				if n := beam.WorkerTasks(); n != reported {
					log.Printf("worker pool %s: %d tasks run", addr, n)
					reported = n
				}
			}
		}
	}
	if *out == "" {
		log.Fatal("-out is required")
	}
	if *in == "" {
		*in = filepath.Join(*out, "in")
	}
	if _, err := os.Stat(*in); os.IsNotExist(err) {
		if err := makeInput(ctx, *in, *rows); err != nil {
			log.Fatal(err)
		}
	}
	var opts []beam.Option
	if *jobServer != "" {
		opts = append(opts, beam.JobServer(*jobServer, strings.Split(*workers, ",")...))
	}
	if *scratch != "" {
		opts = append(opts, beam.Scratch(*scratch))
	}
	onBeam := plan().WithContext(&data.Context{Backend: beam.New("distributed", opts...), NoProgress: true})
	beamFiles, err := onBeam.WriteParquet(ctx, filepath.Join(*out, "beam"), data.Mode(data.SaveOverwrite))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("beam: %d files\n%s", len(beamFiles), onBeam.Stats())
	localFiles, err := plan().WriteParquet(ctx, filepath.Join(*out, "local"), data.Mode(data.SaveOverwrite))
	if err != nil {
		log.Fatal(err)
	}
	a, err := contents(ctx, beamFiles)
	if err != nil {
		log.Fatal(err)
	}
	b, err := contents(ctx, localFiles)
	if err != nil {
		log.Fatal(err)
	}
	if !slices.Equal(a, b) {
		log.Fatalf("the Beam run wrote %d rows, the local run %d, and they differ", len(a), len(b))
	}
	fmt.Printf("identical: %d rows (Beam: %d files, local: %d files)\n", len(a), len(beamFiles), len(localFiles))
}

// contents reads the rows of files as sorted text lines.
func contents(ctx context.Context, files []string) ([]string, error) {
	var lines []string
	for b, err := range data.ReadParquet(files).IterBatches(ctx, data.BatchSize(4096)) {
		if err != nil {
			return nil, err
		}
		rec := b.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			var cells []string
			for c, col := range rec.Columns() {
				cells = append(cells, rec.ColumnName(c)+"="+col.ValueStr(i))
			}
			lines = append(lines, strings.Join(cells, " "))
		}
	}
	slices.Sort(lines)
	return lines, nil
}
