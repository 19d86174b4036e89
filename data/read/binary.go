package read

import (
	"context"
	"errors"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BytesColumn is the name of the column ReadBinary produces.
const BytesColumn = "bytes"

// BinaryOptions configures ReadBinary.
type BinaryOptions struct {
	// Compression is the codec the file is compressed with: "" (the default) detects it by
	// extension (.gz, .zst, .bz2, .lz4, .xz; see OpenStream), "none" reads the file's bytes as they are.
	Compression string
}

// ReadBinary reads the whole file f from st and calls emit once with a one-row batch of one
// non-nullable binary column "bytes" (Ray's read_binary_files); emit owns (and releases) it.
// The bytes are read straight into a buffer from mem, without an intermediate copy; f.Size is
// used as a size hint. A file over 2 GiB (the binary type's int32 offsets) is an error.
//
// Errors start with "sluice: read_binary: <path>: ". An error from emit is returned unchanged.
func ReadBinary(ctx context.Context, mem memory.Allocator, st Storage, f File, opts BinaryOptions, emit Emit) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rc, err := OpenStream(ctx, st, f, opts.Compression)
	if err != nil {
		return readError("binary", f.Path, err)
	}
	defer rc.Close()

	data := memory.NewResizableBuffer(mem)
	defer data.Release()
	size := int(max(f.Size, 0)) + 1 // one spare byte, to see EOF without growing
	n := 0
	for {
		if n == size {
			size *= 2
		}
		if size > math.MaxInt32+1 {
			return readErrorf("binary", f.Path, "file is larger than 2 GiB, the limit of a binary column")
		}
		if data.Len() < size {
			data.Resize(size)
		}
		m, err := rc.Read(data.Bytes()[n:size])
		n += m
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return readError("binary", f.Path, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if n > math.MaxInt32 {
		return readErrorf("binary", f.Path, "file is larger than 2 GiB, the limit of a binary column")
	}
	data.Resize(n)

	offsets := memory.NewResizableBuffer(mem)
	defer offsets.Release()
	offsets.Resize(8)
	copy(offsets.Bytes(), arrow.Int32Traits.CastToBytes([]int32{0, int32(n)}))

	ad := array.NewData(arrow.BinaryTypes.Binary, 1, []*memory.Buffer{nil, offsets, data}, nil, 0, 0)
	defer ad.Release()
	col := array.NewBinaryData(ad)
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: BytesColumn, Type: arrow.BinaryTypes.Binary}}, nil)
	return emit(array.NewRecordBatch(schema, []arrow.Array{col}, 1))
}
