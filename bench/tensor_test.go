package bench

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/tensor"
)

// tensorColumn builds a float32 [rows, 3, 224, 224] fixed-shape tensor column.
func tensorColumn(b *testing.B, mem memory.Allocator, rows int) arrow.Array {
	b.Helper()
	data := make([]float32, rows*3*224*224)
	for i := range data {
		data[i] = float32(i % 251)
	}
	col, err := tensor.FromSlice(mem, []int{3, 224, 224}, data, rows)
	if err != nil {
		b.Fatal(err)
	}
	return col
}

// BenchmarkWriteNumpy writes a 32-row float32 [3,224,224] column (19 MB) as one .npy into
// memory. Goal: 1 GB/s per core (it is a copy).
func BenchmarkWriteNumpy(b *testing.B) {
	mem := memory.NewGoAllocator()
	col := tensorColumn(b, mem, 32)
	defer col.Release()
	nbytes := int64(col.Len()) * 3 * 224 * 224 * 4
	var buf bytes.Buffer
	buf.Grow(int(nbytes) + 4096)
	b.SetBytes(nbytes)
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := tensor.WriteNpyArray(&buf, col); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(nbytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// BenchmarkReadNumpy reads the same .npy back into an Arrow column.
func BenchmarkReadNumpy(b *testing.B) {
	mem := memory.NewGoAllocator()
	col := tensorColumn(b, mem, 32)
	var buf bytes.Buffer
	if err := tensor.WriteNpyArray(&buf, col); err != nil {
		b.Fatal(err)
	}
	col.Release()
	file := buf.Bytes()
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		arr, err := tensor.ReadNpyArray(mem, bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		arr.Release()
	}
	b.ReportMetric(float64(len(file))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// BenchmarkTensorColumnView takes a zero-copy [N,3,224,224] view of a column and sums it
// through the view's slice: the view costs nanoseconds, so the figure is memory bandwidth.
func BenchmarkTensorColumnView(b *testing.B) {
	mem := memory.NewGoAllocator()
	col := tensorColumn(b, mem, 32)
	defer col.Release()
	nbytes := int64(col.Len()) * 3 * 224 * 224 * 4
	b.SetBytes(nbytes)
	var sink float32
	b.ResetTimer()
	for b.Loop() {
		v, err := tensor.ColumnView[float32](col)
		if err != nil {
			b.Fatal(err)
		}
		sink += sum8(v.Data)
	}
	b.ReportMetric(float64(nbytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	if sink == -1 {
		b.Log(sink)
	}
}

// sum8 sums with eight independent accumulators so the loop is bound by memory, not by
// the latency of one floating-point add chain.
func sum8(d []float32) float32 {
	var a [8]float32
	i := 0
	for ; i+8 <= len(d); i += 8 {
		a[0] += d[i]
		a[1] += d[i+1]
		a[2] += d[i+2]
		a[3] += d[i+3]
		a[4] += d[i+4]
		a[5] += d[i+5]
		a[6] += d[i+6]
		a[7] += d[i+7]
	}
	for ; i < len(d); i++ {
		a[0] += d[i]
	}
	return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7]
}
