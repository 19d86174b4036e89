// Package tensor holds sluice's n-dimensional array support over Apache Arrow:
//
//   - Arrow extension types for tensor columns: the canonical arrow.fixed_shape_tensor and
//     arrow.variable_shape_tensor (written by sluice), and Ray Data's ray.data.arrow_tensor,
//     ray.data.arrow_tensor_v2 and ray.data.arrow_variable_shaped_tensor (read and converted
//     with ToCanonical). All five are registered with arrow-go when the package loads, so IPC
//     and Parquet readers rebuild them from their field metadata.
//   - Zero-copy typed views (View) over one row or a whole column.
//   - A NumPy .npy codec (ReadNpy, WriteNpy) and conversions between .npy data and columns.
//
// Element types are bool, int8-int64, uint8-uint64, float16, float32 and float64. Bool
// elements are bit-packed in Arrow, so they cannot be viewed in place; the other types can.
//
// Memory: every function that builds an Arrow array takes a memory.Allocator (nil means
// memory.DefaultAllocator) and returns an array the caller must Release.
package tensor
