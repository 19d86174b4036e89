package main

import "fmt"

// cpuTime is a run's CPU time (user + system) over its process tree.
func cpuTime(r *run) (float64, bool) { return r.CPUSeconds, r.CPUSeconds > 0 }

// relPy runs bench/peers/relational.py with python.
func relPy(python string, e *env, args ...string) []string {
	return append([]string{python, "-W", "ignore", e.script("relational.py")}, args...)
}

// relationalPlan is issue 13's relational workloads (R1-R4) and issue 14's expression
// workload (E1): one query each over the Parquet files of `workloads gen-rel`, run by sluice
// and by Ray Data, Daft, Polars and DuckDB (and pyarrow.dataset for E1), outputs compared
// by their checksums (bench/cmd/workloads/relational.go, bench/peers/relational.py).
func relationalPlan(e *env) []workload {
	in := e.tablesDir
	metrics := func(id, what string) []metric {
		return []metric{
			{id, id + " " + what + ", work time", "s", false, seconds},
			{id + "-cpu", id + " " + what + ", CPU time (process tree)", "s", false, cpuTime},
			{id + "-wall", id + " " + what + ", whole process", "s", false, wall},
			{id + "-mem", id + " " + what + ", peak memory (PSS, process tree)", "MiB", false, peakMiB},
		}
	}
	systems := func(w string, pyarrow bool) []system {
		s := []system{
			{"sluice", "", func(e *env, out string) []string { return []string{e.workloads, w, "-in", in} }},
			{"Ray Data", "ray", func(e *env, out string) []string { return relPy(e.python, e, "ray", w, "--in", in) }},
			{"Daft", "daft", func(e *env, out string) []string { return relPy(e.daftPython, e, "daft", w, "--in", in) }},
			{"Polars", "polars", func(e *env, out string) []string { return relPy(e.python, e, "polars", w, "--in", in) }},
			{"DuckDB", "duckdb", func(e *env, out string) []string { return relPy(e.python, e, "duckdb", w, "--in", in) }},
		}
		if pyarrow {
			s = append(s, system{"pyarrow.dataset", "base", func(e *env, out string) []string {
				return relPy(e.python, e, "pyarrow", w, "--in", in)
			}})
		}
		return s
	}
	// Sums of floats are taken in each engine's own order; the outputs agree to a relative
	// 1e-9 (sameOutput), integer sums and counts exactly.
	return []workload{
		{ID: "R1", Title: "TPC-H Q1: 6M lineitem rows, filter on l_shipdate, two derived columns, group by the 2 keys with 8 aggregates, sorted",
			SampleMemory: true, Metrics: metrics("R1", "Q1 aggregate"), Systems: systems("r1", false)},
		{ID: "R2", Title: "inner hash join: 10M orders x 1M customers on o_custkey = c_custkey (6.67M rows out)",
			SampleMemory: true, Metrics: metrics("R2", "join"), Systems: systems("r2", false)},
		{ID: "R3", Title: "sort 10M rows (unique int64 key, int64 and float64 payload); the output order is checked",
			SampleMemory: true, Metrics: metrics("R3", "sort"), Systems: systems("r3", false)},
		{ID: "R4", Title: fmt.Sprintf("spill: group-by of 16M rows (512 MiB in Arrow, 4M keys) under a %d MiB budget (sluice MemoryBudget, DuckDB memory_limit, Ray's object store at its 75 MiB floor; Polars streaming and Daft have no limit)", spillBudgetMiB),
			SampleMemory: true, Metrics: metrics("R4", "spill group-by"), Systems: append(systems("r4", false),
				// DuckDB's own remedy for its out-of-memory error at this limit with 2 threads.
				system{"DuckDB, 1 thread", "duckdb", func(e *env, out string) []string {
					return relPy(e.python, e, "duckdb", "r4", "--in", in, "--threads", "1")
				}})},
		{ID: "E1", Title: "expressions: filter (Q6's predicate, 1.8% of 6M lineitem rows) + with_column (revenue) + select, Parquet in, Arrow out",
			SampleMemory: true, Metrics: metrics("E1", "filter/with_column/select"), Systems: systems("e1", true)},
	}
}

// spillBudgetMiB is R4's budget, the same as bench/cmd/workloads's spillBudget and
// bench/peers/relational.py's SPILL_BUDGET.
const spillBudgetMiB = 64
