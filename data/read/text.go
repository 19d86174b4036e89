package read

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TextColumn is the name of the column ReadText produces.
const TextColumn = "text"

// TextOptions configures ReadText. The zero value drops empty lines, as Ray's read_text does by
// default, and emits batches of DefaultBatchRows rows.
type TextOptions struct {
	// KeepEmptyLines keeps empty lines as rows (Ray's drop_empty_lines=False).
	KeepEmptyLines bool
	// BatchRows is the number of rows per emitted batch; zero means DefaultBatchRows.
	BatchRows int
	// Compression is the codec the file is compressed with: "" (the default) detects it by
	// extension (.gz, .zst, .bz2, .lz4, .xz; see OpenStream), "none" reads the file as it is.
	Compression string
}

// ReadText reads the UTF-8 text file f from st and calls emit with batches of one non-nullable
// string column "text", one row per line, without the line ending ("\n" or "\r\n"); emit owns
// (and releases) each batch. A file with no rows emits nothing.
//
// Errors start with "sluice: read_text: <path>: "; a line that is not valid UTF-8 is an error
// naming the line. An error from emit is returned unchanged.
func ReadText(ctx context.Context, mem memory.Allocator, st Storage, f File, opts TextOptions, emit Emit) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if opts.BatchRows < 0 {
		return readErrorf("text", f.Path, "BatchRows must not be negative")
	}
	if opts.BatchRows == 0 {
		opts.BatchRows = DefaultBatchRows
	}
	rc, err := OpenStream(ctx, st, f, opts.Compression)
	if err != nil {
		return readError("text", f.Path, err)
	}
	defer rc.Close()

	schema := arrow.NewSchema([]arrow.Field{{Name: TextColumn, Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	flush := func() error {
		col := b.NewArray()
		defer col.Release()
		if err := ctx.Err(); err != nil {
			return err
		}
		return emit(array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len())))
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	for line := 1; ; line++ {
		// ReadSlice avoids a copy per line; a line longer than the buffer falls back to
		// ReadBytes for the rest of it.
		raw, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			head := bytes.Clone(raw) // ReadSlice's buffer is reused by the next read
			var rest []byte
			rest, err = br.ReadBytes('\n')
			raw = append(head, rest...)
		}
		if err != nil && err != io.EOF {
			return readError("text", f.Path, err)
		}
		eof := err == io.EOF
		if eof && len(raw) == 0 {
			break
		}
		raw = bytes.TrimSuffix(raw, []byte{'\n'})
		raw = bytes.TrimSuffix(raw, []byte{'\r'})
		if len(raw) > 0 || opts.KeepEmptyLines {
			if !utf8.Valid(raw) {
				return readErrorf("text", f.Path, "line %d: not valid UTF-8", line)
			}
			b.BinaryBuilder.Append(raw)
			if b.Len() == opts.BatchRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if eof {
			break
		}
	}
	if b.Len() > 0 {
		return flush()
	}
	return nil
}
