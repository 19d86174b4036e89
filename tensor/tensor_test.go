package tensor

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedata/sluice/internal/memcheck"
)

func TestColumnTensor(t *testing.T) {
	mem := memcheck.New(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col, err := FromSlice(mem, []int{2}, []uint32{1, 2, 3, 4, 5, 6}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Release()
	bools, err := FromBools(mem, []int{1}, []bool{true}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer bools.Release()

	tests := []struct {
		name    string
		arr     arrow.Array
		shape   []int
		nbytes  int
		wantErr string
	}{
		{name: "uint32", arr: col, shape: []int{3, 2}, nbytes: 24},
		{name: "bool", arr: bools, wantErr: "no byte view"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten, err := ColumnTensor(tt.arr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(ten.Shape, tt.shape) || len(ten.Data) != tt.nbytes || ten.ItemSize() != 4 {
				t.Fatalf("tensor %v %d bytes", ten.Shape, len(ten.Data))
			}
			v, err := ViewOf[uint32](ten)
			if err != nil {
				t.Fatal(err)
			}
			if v.At(2, 1) != 6 {
				t.Fatalf("At(2,1) = %d", v.At(2, 1))
			}
			if _, err := ViewOf[int32](ten); err == nil {
				t.Fatal("ViewOf with the wrong element type succeeded")
			}
		})
	}
}
