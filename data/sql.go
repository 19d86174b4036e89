package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicedata/sluice/data/sqlio"
	"github.com/sluicedata/sluice/streaming"
)

// sqlConfig holds the options of ReadSQL and WriteSQL.
type sqlConfig struct {
	args       []any
	shardKey   string
	shards     int
	partitions []string
	types      sqlio.TypeOptions
	rowsPerTx  int
}

func (c *config) sqlConf() *sqlConfig {
	if c.sql == nil {
		c.sql = &sqlConfig{}
	}
	return c.sql
}

// QueryArgs are the parameters of ReadSQL's query (and of every partition query), written
// in the query as the driver's placeholders ($1 for PostgreSQL, ? for SQLite).
func QueryArgs(args ...any) Option {
	return opt("QueryArgs", func(c *config) error { c.sqlConf().args = args; return nil })
}

// ShardKey reads a ReadSQL query in n parallel tasks, each over a range of the integer
// column key (Ray's shard_keys): the key's minimum and maximum are read first, and the n
// ranges between them are equal in width, so shards are balanced when keys are spread evenly
// (an id sequence). key goes into the SQL as written: quote it there if it needs quoting.
func ShardKey(key string, n int) Option {
	return opt("ShardKey", func(c *config) error {
		if strings.TrimSpace(key) == "" {
			return fmt.Errorf("ShardKey: empty column name")
		}
		if n < 1 {
			return fmt.Errorf("ShardKey(%q, %d): the number of shards must be at least 1", key, n)
		}
		c.sqlConf().shardKey, c.sqlConf().shards = key, n
		return nil
	})
}

// PartitionQueries reads ReadSQL's dataset as these queries, one task each, instead of the
// query itself (which still names the read and gives Count): queries that split the result
// between them without LIMIT/OFFSET, such as `SELECT * FROM t WHERE region = 'eu'`. Every
// query must give the first one's columns.
func PartitionQueries(queries ...string) Option {
	return opt("PartitionQueries", func(c *config) error {
		if len(queries) == 0 {
			return fmt.Errorf("PartitionQueries: no queries")
		}
		c.sqlConf().partitions = queries
		return nil
	})
}

// DecimalAsFloat reads NUMERIC and DECIMAL columns as float64 instead of decimal128(p, s).
func DecimalAsFloat() Option {
	return opt("DecimalAsFloat", func(c *config) error { c.sqlConf().types.DecimalAsFloat = true; return nil })
}

// ReadSQL reads the result of query on db, through database/sql, so any Go driver works
// (Ray's read_sql). Column types come from the driver's column types (see sqlio.ArrowField
// for the mapping: integers, floats, decimals as decimal128 or float64, text, bytes, booleans,
// dates, timestamps with and without a zone; a type with no mapping is an error naming the
// column: cast it in the query). Rows stream in blocks of at most 64 Ki rows or 8 MiB, never
// the whole result in memory.
//
// Without options the query is one task. ShardKey splits it into ranges of an integer column
// read in parallel; PartitionQueries gives the queries to read instead. Count runs SELECT
// count(*) FROM (query). Options: QueryArgs, ShardKey, PartitionQueries, DecimalAsFloat.
func ReadSQL(db *sql.DB, query string, opts ...Option) *Dataset {
	c, err := parseOptions("ReadSQL", opts, "QueryArgs", "ShardKey", "PartitionQueries", "DecimalAsFloat")
	src := sqlSource{db: db, query: query}
	if err == nil {
		switch {
		case db == nil:
			err = fmt.Errorf("sluice: ReadSQL: nil *sql.DB")
		case strings.TrimSpace(query) == "":
			err = fmt.Errorf("sluice: ReadSQL: empty query")
		case c.sql != nil && c.sql.shardKey != "" && c.sql.partitions != nil:
			err = fmt.Errorf("sluice: ReadSQL: ShardKey and PartitionQueries both given; choose one")
		}
	}
	if err == nil {
		if c.sql != nil {
			src.conf = *c.sql
		}
		src.dialect = sqlio.Detect(db)
	}
	return newDataset(&logicalOp{kind: opRead, name: "ReadSQL", src: src}, err)
}

type sqlSource struct {
	db      *sql.DB
	query   string
	conf    sqlConfig
	dialect sqlio.Dialect
}

func (s sqlSource) name() string { return "ReadSQL" }

func (s sqlSource) describe() string {
	d := s.dialect.Name + " " + sqlio.QuerySubject(s.query)
	switch {
	case s.conf.shardKey != "":
		d += fmt.Sprintf(" shard_key=%s shards=%d", s.conf.shardKey, s.conf.shards)
	case s.conf.partitions != nil:
		d += fmt.Sprintf(" partition_queries=%d", len(s.conf.partitions))
	}
	return d
}

func (s sqlSource) options() sqlio.ReadOptions {
	return sqlio.ReadOptions{TypeOptions: s.conf.types, Dialect: s.dialect, Args: s.conf.args}
}

// first is the query whose columns give the schema.
func (s sqlSource) first() string {
	if s.conf.partitions != nil {
		return s.conf.partitions[0]
	}
	return s.query
}

func (s sqlSource) schema(ctx context.Context, _ readParams) (*arrow.Schema, error) {
	return sqlio.Schema(ctx, s.db, s.first(), s.options())
}

func (s sqlSource) count(ctx context.Context) (int64, error) {
	if s.conf.partitions == nil {
		return sqlio.Count(ctx, s.db, s.query, s.options())
	}
	var n int64
	for _, q := range s.conf.partitions {
		m, err := sqlio.Count(ctx, s.db, q, s.options())
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

func (s sqlSource) tasks(p readParams) func(ctx context.Context, yield func(streaming.Input) error) error {
	return func(ctx context.Context, yield func(streaming.Input) error) error {
		o := s.options()
		o.Limit = p.limit
		var shards []sqlio.Shard
		switch {
		case s.conf.shardKey != "":
			var err error
			if shards, err = sqlio.KeyShards(ctx, s.db, s.query, s.conf.shardKey, s.conf.shards, o); err != nil {
				return err
			}
		case s.conf.partitions != nil:
			for i, q := range s.conf.partitions {
				shards = append(shards, sqlio.Shard{Query: q, Origin: fmt.Sprintf("partition %d %s", i, sqlio.QuerySubject(q))})
			}
		default:
			shards = []sqlio.Shard{{Query: s.query, Origin: sqlio.QuerySubject(s.query)}}
		}
		if len(shards) > 1 {
			// Every shard reads into the first one's schema, so that shards agree where a
			// driver infers types from values (SQLite expressions).
			schema, err := sqlio.Schema(ctx, s.db, s.first(), o)
			if err != nil {
				return err
			}
			o.Schema = schema
		}
		for _, sh := range shards {
			err := yield(streaming.Input{Origin: s.dialect.Name + " " + sh.Origin, Read: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
				return sqlio.Read(ctx, s.db, sh.Query, o, tc.Mem, sqlio.Emit(emit))
			}})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// WriteSQL runs ds and writes its rows into table on db, through database/sql (Ray's
// write_sql), returning the number of rows written. The table is created from the dataset's
// schema when it does not exist (sqlio.Dialect.SQLType gives the column types).
//
// The write is all or nothing: every write task loads its rows into a staging table in one
// transaction (COPY through pgx's CopyFrom when db's driver is pgx's stdlib, multi-row INSERTs
// otherwise), and when the whole run has succeeded one transaction moves them into the table.
// Readers never see part of a write; a failure, a cancellation or a killed process leaves the
// table exactly as it was (a killed run leaves its staging table, _sluice_stage_*, which the
// next write into the table reports in the log, level Warn).
//
// Options: Mode: SaveAppend (the default) adds the rows; SaveOverwrite replaces the table
// with one made from the dataset (its indexes and constraints go with the old table, as with
// pandas' if_exists="replace"); SaveError refuses a table that exists; SaveIgnore writes
// nothing into one.
func (ds *Dataset) WriteSQL(ctx context.Context, db *sql.DB, table string, opts ...Option) (int64, error) {
	const call = "WriteSQL"
	c, err := parseOptions(call, opts, "Mode")
	if err != nil {
		return 0, err
	}
	if db == nil {
		return 0, fmt.Errorf("sluice: %s: nil *sql.DB", call)
	}
	if ds.err != nil {
		return 0, ds.err
	}
	mode := sqlio.Append
	if c.set["Mode"] {
		switch c.saveMode {
		case SaveAppend:
		case SaveOverwrite:
			mode = sqlio.Replace
		case SaveError:
			mode = sqlio.ErrorIfExists
		case SaveIgnore:
			mode = sqlio.IgnoreIfExists
		}
	}
	w, err := sqlio.BeginWrite(ctx, db, table, sqlio.WriteOptions{Mode: mode})
	if err != nil {
		return 0, callError(call, err)
	}
	if w == nil {
		return 0, nil // SaveIgnore and the table exists
	}
	defer w.Abort() // a no-op once committed
	warnLeftovers(call, w.Leftovers())
	where := sqlio.Detect(db).Name + " " + sqlio.TableSubject(table)
	sink := &sqlSink{w: w, tasks: map[*streaming.TaskContext]*sqlio.TaskWriter{}, prefix: "sluice: write_sql: " + where + ": "}
	label := fmt.Sprintf("%s[%s]", call, where)
	op := &logicalOp{kind: opMap, name: label, fuse: true, stage: sink.stage(label)}
	wds := ds.derive(op, nil)
	wds.last = ds.last
	if err := wds.run(ctx, func(rec arrow.RecordBatch) error { rec.Release(); return nil }); err != nil {
		return 0, err
	}
	if _, err := w.Commit(ctx, declaredSchema(ctx, wds)); err != nil {
		return 0, callError(call, err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	return sink.rows, nil
}

// sqlSink is the state of one WriteSQL: a task writer (a transaction) per running task.
type sqlSink struct {
	w     *sqlio.Write
	mu    sync.Mutex
	tasks map[*streaming.TaskContext]*sqlio.TaskWriter
	rows  int64
	// prefix is what the errors of the sink's tasks start with and the operator's name
	// already says (the database and the table), dropped from them.
	prefix string
}

// cause is a task's error without the prefix the operator name says.
func (s *sqlSink) cause(err error) error {
	if err == nil {
		return nil
	}
	return prefixedError{err: err, prefix: s.prefix}
}

type prefixedError struct {
	err    error
	prefix string
}

func (e prefixedError) Error() string { return strings.TrimPrefix(e.err.Error(), e.prefix) }
func (e prefixedError) Unwrap() error { return e.err }

func (s *sqlSink) stage(name string) streaming.Stage {
	return streaming.Stage{
		Name: name,
		Fn: func(ctx context.Context, tc *streaming.TaskContext, in arrow.RecordBatch, emit streaming.Emit) error {
			s.mu.Lock()
			t := s.tasks[tc]
			s.mu.Unlock()
			if t == nil {
				var err error
				if t, err = s.w.Task(ctx); err != nil {
					return s.cause(err)
				}
				s.mu.Lock()
				s.tasks[tc] = t
				s.mu.Unlock()
			}
			return s.cause(t.Write(ctx, in))
		},
		Flush: func(ctx context.Context, tc *streaming.TaskContext, emit streaming.Emit) error {
			t := s.take(tc)
			if t == nil {
				return nil
			}
			if err := t.Commit(); err != nil {
				return s.cause(err)
			}
			s.mu.Lock()
			s.rows += t.Rows() // a retried task's failed attempt is not counted
			s.mu.Unlock()
			return nil
		},
		Abort: func(tc *streaming.TaskContext) {
			if t := s.take(tc); t != nil {
				t.Abort()
			}
		},
	}
}

func (s *sqlSink) take(tc *streaming.TaskContext) *sqlio.TaskWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tasks[tc]
	delete(s.tasks, tc)
	return t
}
