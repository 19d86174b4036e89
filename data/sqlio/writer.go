package sqlio

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
)

// Mode says what a write does with the target table.
type Mode int

const (
	// Append adds the rows to the table, creating it from the dataset's schema if it does
	// not exist.
	Append Mode = iota
	// Replace makes the table anew from the dataset (pandas' if_exists="replace"): the old
	// table, with its indexes and constraints, is dropped in the commit transaction.
	Replace
	// ErrorIfExists refuses to write into a table that exists.
	ErrorIfExists
	// IgnoreIfExists writes nothing when the table exists.
	IgnoreIfExists
)

// WriteOptions are the knobs of a write.
type WriteOptions struct {
	Mode Mode
	// Dialect is Detect(db) when zero.
	Dialect Dialect
	// RowsPerStatement caps the rows of one multi-row INSERT (default 1000, and at most
	// the dialect's placeholder limit over the number of columns).
	RowsPerStatement int
}

// Write is one all-or-nothing write of a dataset into a table: every task loads its rows
// into a staging table in its own transaction (Task), and Commit moves the staging table's
// rows into the target in one transaction at the end, so readers of the target never see a
// partial write, and a failed, cancelled or killed run leaves the target as it was (a killed
// run leaves its staging table, named _sluice_stage_*, which the next write into the table
// reports).
//
// The calling protocol: BeginWrite, then Task from any number of goroutines, each task's
// Write calls and one Commit or Abort; then Write.Commit once every task has committed, or
// Write.Abort (a no-op after Commit).
type Write struct {
	db      *sql.DB
	d       Dialect
	table   string
	stage   string
	mode    Mode
	perStmt int
	exists  bool // the target existed at BeginWrite

	mu       sync.Mutex
	schema   *arrow.Schema // of the staging table, once created
	created  bool
	done     bool
	serial   sync.Mutex // SQLite has one writer at a time: tasks take turns
	leftover []string
}

// BeginWrite starts a write into table (a name, or schema.name for PostgreSQL) on db. It
// returns nil and no error for IgnoreIfExists when the table exists.
func BeginWrite(ctx context.Context, db *sql.DB, table string, o WriteOptions) (*Write, error) {
	d := o.Dialect
	if d.Name == "" {
		d = Detect(db)
	}
	if strings.TrimSpace(table) == "" {
		return nil, fmt.Errorf("sluice: write_sql: %s: empty table name", d.Name)
	}
	subject := TableSubject(table)
	if err := db.PingContext(ctx); err != nil {
		return nil, wrapf("write_sql", d, subject, err, "connect")
	}
	exists, err := d.TableExists(ctx, db, table)
	if err != nil {
		return nil, wrapf("write_sql", d, subject, err, "")
	}
	switch {
	case exists && o.Mode == ErrorIfExists:
		return nil, errorf("write_sql", d, subject, "the table exists (mode ErrorIfExists)")
	case exists && o.Mode == IgnoreIfExists:
		return nil, nil
	}
	var suffix [6]byte
	rand.Read(suffix[:])
	w := &Write{db: db, d: d, table: table, mode: o.Mode, exists: exists, perStmt: o.RowsPerStatement}
	prefix := stagePrefix(table)
	schemaName, _ := splitTable(table)
	w.stage = prefix + hex.EncodeToString(suffix[:])
	if schemaName != "" {
		w.stage = schemaName + "." + w.stage
	}
	w.leftover = leftovers(ctx, db, d, table, prefix)
	return w, nil
}

// Leftovers are the staging tables of earlier runs into the same table that did not finish
// (killed): the caller reports them; they hold no rows of the target.
func (w *Write) Leftovers() []string { return w.leftover }

// stagePrefix names a target's staging tables: _sluice_stage_<hash of the target>_.
func stagePrefix(table string) string {
	h := fnv.New32a()
	h.Write([]byte(table))
	return fmt.Sprintf("_sluice_stage_%08x_", h.Sum32())
}

func splitTable(table string) (schema, name string) {
	if i := strings.LastIndexByte(table, '.'); i >= 0 {
		return table[:i], table[i+1:]
	}
	return "", table
}

func leftovers(ctx context.Context, db *sql.DB, d Dialect, table, prefix string) []string {
	var q string
	switch d.Name {
	case "postgres":
		q = "SELECT tablename FROM pg_tables WHERE starts_with(tablename, $1)"
	case "sqlite":
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, length(?1)) = ?1"
	default:
		return nil
	}
	rows, err := db.QueryContext(ctx, q, prefix)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			out = append(out, fmt.Sprintf("staging table %s of an unfinished write into %s is left; drop it when no write runs", n, table))
		}
	}
	return out
}

// prepare creates the staging table for schema at the first batch, and checks an
// appended-to table has every column.
func (w *Write) prepare(ctx context.Context, schema *arrow.Schema) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.created {
		if !w.schema.Equal(schema) {
			return fmt.Errorf("a batch's schema %v differs from the first batch's %v", schema, w.schema)
		}
		return nil
	}
	if w.done {
		return errors.New("the write is already committed or aborted")
	}
	if w.exists && w.mode == Append {
		if err := w.checkTarget(ctx, schema); err != nil {
			return err
		}
	}
	var defs []string
	for _, f := range schema.Fields() {
		t, err := w.d.SQLType(f)
		if err != nil {
			return err
		}
		def := w.d.Quote(f.Name) + " " + t
		if !f.Nullable {
			def += " NOT NULL"
		}
		defs = append(defs, def)
	}
	if _, err := w.db.ExecContext(ctx, "CREATE TABLE "+w.d.Quote(w.stage)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return fmt.Errorf("create the staging table %s: %w", w.stage, err)
	}
	w.schema, w.created = schema, true
	return nil
}

func (w *Write) checkTarget(ctx context.Context, schema *arrow.Schema) error {
	rows, err := w.db.QueryContext(ctx, "SELECT * FROM "+w.d.Quote(w.table)+" WHERE 1 = 0")
	if err != nil {
		return err
	}
	names, err := rows.Columns()
	rows.Close()
	if err != nil {
		return err
	}
	for _, f := range schema.Fields() {
		found := false
		for _, n := range names {
			found = found || n == f.Name
		}
		if !found {
			return fmt.Errorf("column %q: the table has no such column (it has %s)", f.Name, strings.Join(names, ", "))
		}
	}
	return nil
}

// Task begins one write task: a connection and a transaction on the staging table, which
// the task's Commit commits. The caller calls Commit or Abort.
func (w *Write) Task(ctx context.Context) (*TaskWriter, error) {
	if w.d.Name == "sqlite" {
		w.serial.Lock()
	}
	t := &TaskWriter{w: w}
	var err error
	if t.conn, err = w.db.Conn(ctx); err == nil {
		t.tx, err = t.conn.BeginTx(ctx, nil)
	}
	if err != nil {
		t.Abort()
		return nil, wrapf("write_sql", w.d, TableSubject(w.table), err, "begin a task")
	}
	return t, nil
}

// TaskWriter loads one task's rows into the staging table, in one transaction.
type TaskWriter struct {
	w      *Write
	conn   *sql.Conn
	tx     *sql.Tx
	stmts  map[int]*sql.Stmt // multi-row INSERTs by row count
	rows   int64
	closed bool
}

// Write loads rec's rows (COPY with pgx, multi-row INSERTs otherwise). It does not keep rec.
func (t *TaskWriter) Write(ctx context.Context, rec arrow.RecordBatch) error {
	w := t.w
	if err := w.prepare(ctx, rec.Schema()); err != nil {
		return wrapf("write_sql", w.d, TableSubject(w.table), err, "")
	}
	if rec.NumRows() == 0 {
		return nil
	}
	var err error
	if w.d.copy {
		err = t.copy(ctx, rec)
	} else {
		err = t.insert(ctx, rec)
	}
	if err != nil {
		return wrapf("write_sql", w.d, TableSubject(w.table), err, "rows %d-%d of the task", t.rows, t.rows+rec.NumRows()-1)
	}
	t.rows += rec.NumRows()
	return nil
}

func columnValues(rec arrow.RecordBatch, d Dialect, forCopy bool) ([]valueFunc, error) {
	vals := make([]valueFunc, rec.NumCols())
	for i := range vals {
		var err error
		if vals[i], err = values(rec.Column(i), d, forCopy); err != nil {
			return nil, fmt.Errorf("column %q: %w", rec.Schema().Field(i).Name, err)
		}
	}
	return vals, nil
}

func (t *TaskWriter) insert(ctx context.Context, rec arrow.RecordBatch) error {
	w := t.w
	vals, err := columnValues(rec, w.d, false)
	if err != nil {
		return err
	}
	ncols := len(vals)
	per := w.perStmt
	if per <= 0 {
		per = 1000
	}
	per = max(1, min(per, w.d.maxParams/max(ncols, 1)))
	args := make([]any, 0, per*ncols)
	n := int(rec.NumRows())
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		stmt, err := t.stmt(ctx, rec.Schema(), hi-lo)
		if err != nil {
			return err
		}
		args = args[:0]
		for r := lo; r < hi; r++ {
			for _, v := range vals {
				args = append(args, v(r))
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// stmt is the prepared INSERT of n rows into the staging table.
func (t *TaskWriter) stmt(ctx context.Context, schema *arrow.Schema, n int) (*sql.Stmt, error) {
	if s := t.stmts[n]; s != nil {
		return s, nil
	}
	w := t.w
	cols := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = w.d.Quote(f.Name)
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + w.d.Quote(w.stage) + " (" + strings.Join(cols, ", ") + ") VALUES ")
	p := 0
	for r := 0; r < n; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(w.d.placeholder(p))
			p++
		}
		sb.WriteByte(')')
	}
	s, err := t.tx.PrepareContext(ctx, sb.String())
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[int]*sql.Stmt{}
	}
	// Keep the full-size statement and one other (the tail of a batch).
	if len(t.stmts) >= 2 {
		for k, old := range t.stmts {
			if k != n {
				old.Close()
				delete(t.stmts, k)
				break
			}
		}
	}
	t.stmts[n] = s
	return s, nil
}

// pgxConn is what pgx's stdlib connections give: the pgx connection under database/sql.
type pgxConn interface{ Conn() *pgx.Conn }

func (t *TaskWriter) copy(ctx context.Context, rec arrow.RecordBatch) error {
	w := t.w
	vals, err := columnValues(rec, w.d, true)
	if err != nil {
		return err
	}
	cols := make([]string, rec.NumCols())
	for i, f := range rec.Schema().Fields() {
		cols[i] = f.Name
	}
	schemaName, name := splitTable(w.stage)
	ident := pgx.Identifier{name}
	if schemaName != "" {
		ident = pgx.Identifier{schemaName, name}
	}
	src := &recordSource{vals: vals, n: int(rec.NumRows()), i: -1, row: make([]any, len(vals))}
	// The COPY runs on the task's connection, inside its transaction.
	return t.conn.Raw(func(dc any) error {
		pc, ok := dc.(pgxConn)
		if !ok {
			return fmt.Errorf("the driver connection %T is not pgx's", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, ident, cols, src)
		return err
	})
}

// recordSource is a pgx.CopyFromSource over a record's rows.
type recordSource struct {
	vals []valueFunc
	n, i int
	row  []any
}

func (s *recordSource) Next() bool { s.i++; return s.i < s.n }
func (s *recordSource) Err() error { return nil }
func (s *recordSource) Values() ([]any, error) {
	for c, v := range s.vals {
		s.row[c] = v(s.i)
	}
	return s.row, nil
}

// Rows is how many rows the task has written.
func (t *TaskWriter) Rows() int64 { return t.rows }

// Commit commits the task's transaction.
func (t *TaskWriter) Commit() error {
	if t.closed {
		return nil
	}
	testPoint("task")
	err := t.tx.Commit()
	t.release()
	if err != nil {
		return wrapf("write_sql", t.w.d, TableSubject(t.w.table), err, "commit a task")
	}
	return nil
}

// Abort rolls the task's transaction back.
func (t *TaskWriter) Abort() {
	if t.closed {
		return
	}
	if t.tx != nil {
		t.tx.Rollback()
	}
	t.release()
}

func (t *TaskWriter) release() {
	for _, s := range t.stmts {
		s.Close()
	}
	t.stmts = nil
	if t.conn != nil {
		t.conn.Close()
	}
	t.closed = true
	if t.w.d.Name == "sqlite" {
		t.w.serial.Unlock()
	}
}

// Commit publishes the write in one transaction: Append inserts the staging table's rows
// into the target (or renames the staging table to the target when there was none), Replace
// drops the target and renames the staging table in its place. schema, used when no batch
// arrived, is the dataset's declared schema (nil when unknown: a Replace then empties the
// table, an Append writes nothing). It returns the rows the target gained.
func (w *Write) Commit(ctx context.Context, schema *arrow.Schema) (int64, error) {
	subject := TableSubject(w.table)
	w.mu.Lock()
	created := w.created
	w.mu.Unlock()
	if !created && schema != nil && (!w.exists || w.mode == Replace) {
		if err := w.prepare(ctx, schema); err != nil {
			return 0, wrapf("write_sql", w.d, subject, err, "")
		}
		created = true
	}
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
	target, stage := w.d.Quote(w.table), w.d.Quote(w.stage)
	_, bare := splitTable(w.table)
	var stmts []string
	switch {
	case !created && w.mode == Replace && w.exists:
		stmts = []string{"DELETE FROM " + target}
	case !created:
		return 0, nil
	case w.mode == Append && w.exists:
		cols := make([]string, w.schema.NumFields())
		for i, f := range w.schema.Fields() {
			cols[i] = w.d.Quote(f.Name)
		}
		list := strings.Join(cols, ", ")
		stmts = []string{"INSERT INTO " + target + " (" + list + ") SELECT " + list + " FROM " + stage, "DROP TABLE " + stage}
	default: // a new table, or Replace
		if w.exists {
			stmts = []string{"DROP TABLE " + target}
		}
		stmts = append(stmts, "ALTER TABLE "+stage+" RENAME TO "+w.d.Quote(bare))
	}
	testPoint("tasks")
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		w.dropStage()
		return 0, wrapf("write_sql", w.d, subject, err, "commit")
	}
	var n int64
	for i, s := range stmts {
		res, err := tx.ExecContext(ctx, s)
		if err != nil {
			tx.Rollback()
			w.dropStage()
			return 0, wrapf("write_sql", w.d, subject, err, "commit")
		}
		if i == 0 && strings.HasPrefix(s, "INSERT") {
			n, _ = res.RowsAffected()
		}
	}
	testPoint("commit")
	if err := tx.Commit(); err != nil {
		w.dropStage()
		return 0, wrapf("write_sql", w.d, subject, err, "commit")
	}
	return n, nil
}

// Abort drops the staging table; a no-op after Commit.
func (w *Write) Abort() {
	w.mu.Lock()
	done := w.done
	w.done = true
	w.mu.Unlock()
	if !done {
		w.dropStage()
	}
}

func (w *Write) dropStage() {
	w.mu.Lock()
	created := w.created
	w.mu.Unlock()
	if !created {
		return
	}
	// The run's context may be cancelled already: drop with a context of its own.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+w.d.Quote(w.stage))
}
