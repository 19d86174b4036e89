package write

import "time"

// Hooks for the external tests (package write_test): the kill tests stop a writer at a named
// point, the full-disk test wraps the Storage a Run gives its tasks.

// SetTestHook sets the function called at each protocol point (see hook.go); nil clears it.
func SetTestHook(f func(point string)) { hook = f }

// SetWrapStorage sets the wrapper of Run.Storage; nil clears it.
func SetWrapStorage(f func(Storage) Storage) { wrapStorage = f }

// StopHeartbeat stops refreshing r's ledger (manifest committers), as a killed process does.
func StopHeartbeat(r *Run) {
	if m, ok := r.impl.(*manifestRun); ok {
		m.halt()
	}
}

// SetForceCommitter makes runs that name no committer use c ("" restores the choice).
func SetForceCommitter(c string) { forceCommitter = c }

// SetDefaultLease sets the lease of runs that set none (0 restores DefaultLease).
func SetDefaultLease(d time.Duration) {
	if d == 0 {
		d = DefaultLease
	}
	defaultLease = d
}
