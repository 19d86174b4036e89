package exec

import (
	"math"
	"strings"
	"testing"
)

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"negative CPUs", Options{CPUs: -1}, "CPUs: -1"},
		{"NaN CPUs", Options{CPUs: math.NaN()}, "CPUs: NaN"},
		{"infinite CPUs", Options{CPUs: math.Inf(1)}, "CPUs: +Inf"},
		{"negative store", Options{ObjectStoreBytes: -5}, "ObjectStoreBytes: -5"},
		{"empty resource name", Options{Resources: map[string]float64{"": 1}}, `Resources: ""`},
		{"CPU as a custom resource", Options{Resources: map[string]float64{"CPU": 1}}, `Resources: "CPU"`},
		{"negative resource", Options{Resources: map[string]float64{"GPU": -1}}, `Resources: "GPU": -1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := New(tt.opts)
			if err == nil {
				rt.Close()
				t.Fatalf("New(%+v) = nil error, want one containing %q", tt.opts, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "sluice: exec: options: ") {
				t.Fatalf("New error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	rt, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	o := rt.Options()
	if o.CPUs < 1 || o.ObjectStoreBytes != DefaultObjectStoreBytes || o.Allocator == nil || o.Logf == nil {
		t.Fatalf("defaults not filled: %+v", o)
	}
}
