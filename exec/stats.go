package exec

// Stats is a snapshot of a Runtime's counters, as numbers rather than a
// string so that programs and tests can read them.
type Stats struct {
	// Tasks.
	TasksSubmitted int64 // accepted by Go, Then, Then2, ThenAll
	TasksSucceeded int64
	TasksFailed    int64 // including cancelled
	TasksRetried   int64 // extra attempts made under MaxRetries
	TasksRunning   int64 // on a slot now
	TasksQueued    int64 // waiting for resources now

	// Resources.
	CPUs          float64 // total CPU slots
	CPUsAvailable float64 // not held by tasks or Acquire now

	// Object store.
	ObjectStoreBytes int64 // budget
	ObjectsStored    int64 // live objects, in memory or spilled
	ObjectsInMemory  int64
	BytesInMemory    int64
	ObjectsSpilled   int64 // spill files written, cumulative
	BytesSpilled     int64
	ObjectsRestored  int64 // reads back from spill files, cumulative
	BytesRestored    int64
	SpillDir         string // empty until the first spill
}

// Stats returns the runtime's counters now.
func (rt *Runtime) Stats() Stats {
	rt.ensure()
	s := Stats{
		TasksSubmitted:   rt.counts.submitted.Load(),
		TasksSucceeded:   rt.counts.succeeded.Load(),
		TasksFailed:      rt.counts.failed.Load(),
		TasksRetried:     rt.counts.retried.Load(),
		TasksRunning:     rt.counts.running.Load(),
		CPUs:             rt.opts.CPUs,
		ObjectStoreBytes: rt.opts.ObjectStoreBytes,
	}
	rt.mu.Lock()
	for _, t := range rt.queue[rt.head:] {
		if t.task != nil && t.state.Load() == stQueued {
			s.TasksQueued++
		}
	}
	s.CPUsAvailable = float64(rt.avail[0]) / resourceScale
	rt.mu.Unlock()

	st := &rt.store
	st.mu.Lock()
	s.ObjectsStored = int64(len(st.objects))
	s.ObjectsInMemory = int64(st.lru.Len())
	s.BytesInMemory = st.used
	s.ObjectsSpilled = st.spilledObjects
	s.BytesSpilled = st.spilledBytes
	s.ObjectsRestored = st.restoredObjects
	s.BytesRestored = st.restoredBytes
	s.SpillDir = st.dir
	st.mu.Unlock()
	return s
}
