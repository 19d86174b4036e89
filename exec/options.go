package exec

import (
	"fmt"
	"math"
	"runtime"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultObjectStoreBytes is the object store budget when Options leaves it zero.
const DefaultObjectStoreBytes = 2 << 30

// Options configure a Runtime. They are read once, by New; the zero value
// asks for every default (EnsureDefaults says which).
type Options struct {
	// CPUs is the number of CPU slots. Zero means runtime.GOMAXPROCS(0).
	// Fractions are allowed, as are tasks asking for fractions of a CPU.
	CPUs float64
	// Resources are custom resources by name, for example {"GPU": 1} or
	// {"memory": 8 << 30}; tasks ask for them with the Resources option.
	Resources map[string]float64
	// ObjectStoreBytes is the byte budget of objects held in memory by Put.
	// Zero means DefaultObjectStoreBytes.
	ObjectStoreBytes int64
	// SpillDir is an existing directory in which a private spill directory
	// is created, at the first spill, and removed by Close. Empty means
	// os.TempDir().
	SpillDir string
	// Allocator decodes spilled Arrow records. Nil means memory.DefaultAllocator.
	Allocator memory.Allocator
	// Logf receives the cumulative spill figures (like Ray's "Spilled 2163
	// MiB, 49 objects"), at most once a second while spilling and once more
	// at Close. Nil discards; log.Printf fits.
	Logf func(format string, args ...any)
}

// EnsureDefaults fills the zero fields of o with defaults and returns it.
func (o Options) EnsureDefaults() Options {
	if o.CPUs == 0 {
		o.CPUs = float64(runtime.GOMAXPROCS(0))
	}
	if o.ObjectStoreBytes == 0 {
		o.ObjectStoreBytes = DefaultObjectStoreBytes
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// validate reports the first option a Runtime cannot honour.
func (o Options) validate() error {
	if o.CPUs < 0 || math.IsNaN(o.CPUs) || math.IsInf(o.CPUs, 0) {
		return fmt.Errorf("sluice: exec: options: CPUs: %v is not a finite count >= 0", o.CPUs)
	}
	if o.ObjectStoreBytes < 0 {
		return fmt.Errorf("sluice: exec: options: ObjectStoreBytes: %d is negative", o.ObjectStoreBytes)
	}
	for _, name := range sortedNames(o.Resources) {
		v := o.Resources[name]
		if name == "" || name == cpuResource {
			return fmt.Errorf("sluice: exec: options: Resources: %q is not a custom resource name (use CPUs for CPUs)", name)
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) || v > maxResource {
			return fmt.Errorf("sluice: exec: options: Resources: %q: %v is not a finite amount >= 0", name, v)
		}
	}
	if o.CPUs > maxResource {
		return fmt.Errorf("sluice: exec: options: CPUs: %v is too large", o.CPUs)
	}
	return nil
}

func sortedNames(m map[string]float64) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
