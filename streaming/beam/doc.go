// Package beam runs sluice plans on Apache Beam: prism in this process for tests and examples,
// prism or another portable job server with external worker processes for a cluster, and
// Beam's production runners (Dataflow; Flink and Spark through their portable job servers).
//
// It is a Go module of its own (github.com/sluicedata/sluice/streaming/beam) so that Beam's
// module tree stays out of programs that run on one machine.
//
// # Using it
//
// The same binary runs as the driver and as every worker, so a plan is never serialized: its
// builder is registered by name at init time and rebuilt on each worker from that name.
//
//	func init() { beam.Register("clean", clean) }
//
//	func clean() *data.Dataset { return data.ReadParquet(in).MapBatches(normalize) }
//
//	func main() {
//		beam.Init() // a worker process serves Beam here and never returns
//		ds := clean().WithContext(&data.Context{Backend: beam.New("clean")})
//		_, err := ds.WriteParquet(ctx, out)
//	}
//
// Every consuming call works as on one machine: Write* writes and commits the same files,
// Count, Take and IterBatches read the output back from the scratch directory (Scratch), in
// the plan's order.
//
// # Translation
//
// Each operator of the physical plan (package streaming) becomes Beam transforms:
//   - a Source: an Impulse, a ParDo listing its read tasks, a Reshuffle that spreads them over
//     the workers, and a ParDo running each read task and the stages fused into it;
//   - a Map (task or actor stage): a ParDo over blocks; an actor stage's operator Setup and
//     Teardown run in the DoFn's Setup and Teardown, once per DoFn instance;
//   - a Limit: a GroupByKey to one key and a ParDo passing the first N rows in plan order;
//   - a Union: a Flatten of its inputs;
//   - a Zip: a GroupByKey of both inputs to one key and a ParDo zipping them in plan order
//     (one worker holds both inputs: row i must meet row i however the blocks are cut);
//   - an Exchange: its map side as a ParDo cutting each block into buckets
//     (streaming.Exchange.Split), a GroupByKey on the bucket, and its reduce (and the stages
//     fused after it) as a ParDo over each bucket's Partition (streaming.NewPartition);
//   - the write of a Write* call: a GroupByKey on the write task, a ParDo writing each task's
//     files atomically into the write's staging area, and a final step (one key) recording
//     the file list, which the driver commits as a local run does.
//
// Blocks cross transforms as Arrow IPC streams ([]byte). Each carries its position in the
// plan's output order (Block.Seq), so the output is read back in order and a write task's
// blocks are written in order whatever order Beam delivers them in. Beam may run a bundle
// again after a failure: a read task, a reduce or a write task then produces the same blocks,
// the same file names and the same bytes, and a file is only ever published by an atomic
// rename (or a completed upload), so a retried bundle leaves no duplicate or partial file.
//
// # A cluster
//
// JobServer(endpoint, pools...) submits to a portable job server whose SDK workers are
// external worker pools: processes of the same program calling ServeWorkers (Beam's
// --environment_type=EXTERNAL with --environment_config=host:port). Prism (v2.78.0) starts
// one worker per environment and job, so with several pools the pipeline has one
// environment per pool and the plan's read tasks, exchange buckets and write tasks are dealt
// out over them (spread.go). Prism does not retry a bundle: a worker that dies fails the job,
// which commits nothing; running it again writes the same files. scripts/beam-cluster.sh
// starts such a cluster on loopback and checks both.
//
// # Identity of user code
//
// Every DoFn carries only the plan's name, the operator's index and the plan's fingerprint
// (data.PlanFingerprint). A worker rebuilds the plan from the registered builder and checks
// the fingerprint; a binary that lacks the registration, or whose builder gives another plan,
// fails with an error saying so.
//
// # Limits of this version
//
// A range exchange (Sort) sends every row to one reduce (its pieces sorted by the map side),
// so a sort is correct but not spread over workers; order and block-order exchanges
// (Repartition, RandomizeBlockOrder) also reduce on one worker, and so does Zip. A map
// operator's MinRowsPerTask is not honoured: each block is a task of its own. Failures are not
// tolerated (Context.OnError and MaxErroredBlocks are refused): Beam's own bundle retries are
// the retry mechanism.
package beam
