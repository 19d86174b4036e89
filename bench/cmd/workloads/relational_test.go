package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/data"
	"github.com/sluicedata/sluice/internal/memcheck"
	"go.uber.org/goleak"
)

const relTestScale = 0.001

// relOracle computes every relational workload's checksums with plain Go loops over the
// records the generator builds, independently of sluice's operators.
func relOracle(t *testing.T) map[string]*checksum {
	t.Helper()
	mem := memory.NewGoAllocator()
	sets := map[string][]arrow.RecordBatch{}
	for _, s := range relSets(relTestScale) {
		perFile := (s.rows + relFiles - 1) / relFiles
		for f := 0; f*perFile < s.rows; f++ {
			sets[s.name] = append(sets[s.name], s.file(mem, f, f*perFile, min(perFile, s.rows-f*perFile)))
		}
	}
	defer func() {
		for _, recs := range sets {
			for _, r := range recs {
				r.Release()
			}
		}
	}()
	i64 := func(r arrow.RecordBatch, i int) []int64 { return r.Column(i).(*array.Int64).Int64Values() }
	f64 := func(r arrow.RecordBatch, i int) []float64 { return r.Column(i).(*array.Float64).Float64Values() }
	out := map[string]*checksum{}

	// R1 and E1 over lineitem.
	type q1acc struct{ qty, price, disc, discPrice, charge, n float64 }
	groups := map[string]*q1acc{}
	e := newChecksum()
	cutoff, from, to := days(1998, 9, 2), days(1994, 1, 1), days(1995, 1, 1)
	for _, r := range sets["lineitem"] {
		ok, qty, price, disc, tax := i64(r, 0), f64(r, 1), f64(r, 2), f64(r, 3), f64(r, 4)
		flag, status := r.Column(5).(*array.String), r.Column(6).(*array.String)
		ship := r.Column(7).(*array.Date32).Date32Values()
		for i := range qty {
			if sd := int32(ship[i]); sd >= from && sd < to && disc[i] >= 0.05 && disc[i] <= 0.07 && qty[i] < 24 {
				e.rows++
				e.ints["l_orderkey"] += ok[i]
				e.floats["l_quantity"] += qty[i]
				e.floats["revenue"] += price[i] * disc[i]
			}
			if int32(ship[i]) > cutoff {
				continue
			}
			k := flag.Value(i) + "|" + status.Value(i)
			g := groups[k]
			if g == nil {
				g = &q1acc{}
				groups[k] = g
			}
			dp := price[i] * (1 - disc[i])
			g.qty += qty[i]
			g.price += price[i]
			g.disc += disc[i]
			g.discPrice += dp
			g.charge += dp * (1 + tax[i])
			g.n++
		}
	}
	q := newChecksum()
	for k, g := range groups {
		q.rows++
		for name, v := range map[string]float64{"sum_qty": g.qty, "sum_base_price": g.price, "sum_disc_price": g.discPrice,
			"sum_charge": g.charge, "avg_qty": g.qty / g.n, "avg_price": g.price / g.n, "avg_disc": g.disc / g.n, "count_order": g.n} {
			q.floats[k+"|"+name] = v
		}
	}
	out["r1"], out["e1"] = q, e

	// R2: a map from c_custkey to the customer's row.
	type cust struct {
		nation int64
		bal    float64
	}
	custs := map[int64]cust{}
	for _, r := range sets["customers"] {
		ck, nk, bal := i64(r, 0), i64(r, 1), f64(r, 2)
		for i := range ck {
			custs[ck[i]] = cust{nk[i], bal[i]}
		}
	}
	j := newChecksum()
	for _, r := range sets["orders"] {
		ok, ck, tp := i64(r, 0), i64(r, 1), f64(r, 2)
		for i := range ok {
			c, found := custs[ck[i]]
			if !found {
				continue
			}
			j.rows++
			j.ints["o_orderkey"] += ok[i]
			j.ints["o_custkey"] += ck[i]
			j.ints["c_nationkey"] += c.nation
			j.ints["pair"] += ok[i] % 1000 * c.nation
			j.floats["o_totalprice"] += tp[i]
			j.floats["c_acctbal"] += c.bal
		}
	}
	out["r2"] = j

	// R3: sort.Slice over (key, p, v).
	type srow struct {
		k, p int64
		v    float64
	}
	var rows []srow
	for _, r := range sets["sort"] {
		k, p, v := i64(r, 0), i64(r, 1), f64(r, 2)
		for i := range k {
			rows = append(rows, srow{k[i], p[i], v[i]})
		}
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].k < rows[b].k })
	s := newChecksum()
	for i, r := range rows {
		s.rows++
		s.ints["key"] += r.k
		s.ints["p"] += r.p
		s.floats["v"] += r.v
		s.order += uint64(i) * uint64(r.p)
	}
	out["r3"] = s

	// R4: a map from k to its aggregates.
	type sacc struct {
		n, a int64
		x, y float64
	}
	agg := map[int64]*sacc{}
	for _, r := range sets["spill"] {
		k, a, x, y := i64(r, 0), i64(r, 1), f64(r, 2), f64(r, 3)
		for i := range k {
			g := agg[k[i]]
			if g == nil {
				g = &sacc{}
				agg[k[i]] = g
			}
			g.n++
			g.a += a[i]
			g.x += x[i]
			g.y += y[i]
		}
	}
	sp := newChecksum()
	for k, g := range agg {
		sp.rows++
		sp.ints["k"] += k
		sp.ints["n"] += g.n
		sp.ints["sum_a"] += g.a
		sp.ints["pair"] += k % 1000 * g.n
		sp.floats["sum_x"] += g.x
		sp.floats["mean_y"] += g.y / float64(g.n)
	}
	out["r4"] = sp
	return out
}

// sameChecksums compares two checksum maps: equal keys, values to a relative 1e-9.
func sameChecksums(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: checksum keys %v, want %v", what, keysOf(got), keysOf(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no checksum %s", what, k)
			continue
		}
		if math.Abs(g-w) > 1e-9*math.Max(math.Abs(g), math.Abs(w)) {
			t.Errorf("%s: %s = %v, want %v", what, k, g, w)
		}
	}
}

func keysOf(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestRelational runs R1-R4 and E1 on inputs at 1/1000 of their size and compares each
// output's checksums with the plain-Go oracle, on a checked allocator.
func TestRelational(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	if err := generateRelational(context.Background(), dir, relTestScale, mem); err != nil {
		t.Fatal(err)
	}
	want := relOracle(t)
	for _, w := range []string{"r1", "r2", "r3", "r4", "e1"} {
		res, err := relational(context.Background(), w, dir, &data.Context{Allocator: mem, NoProgress: true})
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		if res.Rows != want[w].rows || res.Rows == 0 {
			t.Errorf("%s: %d rows, want %d (and more than 0)", w, res.Rows, want[w].rows)
		}
		sameChecksums(t, w, res.Checksum, want[w].values())
		if w == "r3" && res.Checksum["descents"] != 0 {
			t.Errorf("r3: %v descending steps", res.Checksum["descents"])
		}
	}
}

// TestRelationalErrors: a missing input directory fails naming the workload.
func TestRelationalErrors(t *testing.T) {
	for _, w := range []string{"r1", "r4"} {
		_, err := relational(context.Background(), w, "", &data.Context{NoProgress: true})
		if err == nil || !strings.Contains(err.Error(), "sluice: workloads "+w) {
			t.Errorf("%s without -in: %v", w, err)
		}
	}
	if _, err := relational(context.Background(), "r1", filepath.Join(t.TempDir(), "none"), &data.Context{NoProgress: true}); err == nil {
		t.Error("r1 over a missing directory: no error")
	}
}

// TestRelationalPeers runs bench/peers/relational.py with the peers' venv on the same small
// inputs and compares every engine's checksums with sluice's: the peers' programs and the
// checksums they share are checked here, not only in the report. An engine that is not
// installed is skipped with a message (bash bench/peers/install.sh).
func TestRelationalPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	// The peers' venv, else the python3 of scripts/install-python-deps.sh (same pins).
	python := filepath.Join(repo, "bench", "peers", ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		if python, err = exec.LookPath("python3"); err != nil {
			t.Skipf("no peers venv and no python3 (%v): bash bench/peers/install.sh or scripts/install-python-deps.sh", err)
		}
	}
	dir := t.TempDir()
	if err := generateRelational(context.Background(), dir, relTestScale, memory.NewGoAllocator()); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range []struct{ system, workloads string }{
		{"polars", "r1 r2 r3 r4 e1"}, {"duckdb", "r1 r2 r3 r4 e1"}, {"pyarrow", "e1"},
	} {
		if err := exec.Command(python, "-c", "import numpy, pyarrow, "+c.system).Run(); err != nil {
			t.Logf("%s: %s not importable (%v): skipped", python, c.system, err)
			continue
		}
		ran++
		for _, w := range strings.Fields(c.workloads) {
			ours, err := relational(context.Background(), w, dir, &data.Context{NoProgress: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(python, "-W", "ignore", filepath.Join(repo, "bench", "peers", "relational.py"), c.system, w, "--in", dir).Output()
			if err != nil {
				t.Fatalf("%s %s: %v", c.system, w, err)
			}
			var theirs result
			if err := json.Unmarshal(out, &theirs); err != nil {
				t.Fatalf("%s %s: %v: %s", c.system, w, err, out)
			}
			if theirs.Rows != ours.Rows {
				t.Errorf("%s %s: %d rows, sluice %d", c.system, w, theirs.Rows, ours.Rows)
			}
			sameChecksums(t, c.system+" "+w, theirs.Checksum, ours.Checksum)
		}
	}
	if ran == 0 {
		t.Skipf("%s has none of polars, duckdb, pyarrow: run scripts/install-python-deps.sh", python)
	}
}
