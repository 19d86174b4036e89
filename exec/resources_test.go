package exec

import "testing"

func TestFractionalResourcesAddUpExactly(t *testing.T) {
	rt := newRuntime(t, Options{CPUs: 1, Resources: map[string]float64{"GPU": 2, "memory": 8 << 30}})
	defer rt.Close()
	tests := []struct {
		name   string
		cpus   float64
		custom map[string]float64
		fits   int // how many such requests fit in the runtime at once
	}{
		{"tenths of a CPU", 0.1, nil, 10},
		{"thirds of a CPU", 1.0 / 3, nil, 3},
		{"whole CPU", 1, nil, 1},
		{"half a GPU, no CPU", 0, map[string]float64{"GPU": 0.5}, 4},
		{"memory bytes", 0, map[string]float64{"memory": 3 << 30}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := rt.request(tt.cpus, tt.custom)
			if err != nil {
				t.Fatal(err)
			}
			avail := append(amounts(nil), rt.total...)
			n := 0
			for avail.fits(req) && n < 100 {
				avail.sub(req)
				n++
			}
			if n != tt.fits {
				t.Fatalf("%d requests fit, want %d", n, tt.fits)
			}
			for range n {
				avail.add(req)
			}
			for i := range avail {
				if avail[i] != rt.total[i] {
					t.Fatalf("resource %d: %d after giving everything back, want %d", i, avail[i], rt.total[i])
				}
			}
		})
	}
}
