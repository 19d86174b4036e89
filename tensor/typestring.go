package tensor

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// TypeString prints a column type the way Ray Data prints tensor columns in a schema, with
// NumPy dtype names: "tensor(shape=(32, 32, 3), dtype=uint8)" for a fixed shape,
// "tensor(shape=(None, None, 3), dtype=uint8)" for a variable shape with a uniform_shape,
// and "tensor(ndim=3, dtype=uint8)" for a variable shape without one. The shape printed is
// the logical one (after any permutation). Other types print as arrow-go prints them.
func TypeString(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *FixedShapeTensorType:
		shape := t.shape
		if t.opts.permutation != nil {
			shape = make([]int, len(t.shape))
			for i, p := range t.opts.permutation {
				shape[i] = t.shape[p]
			}
		}
		return fmt.Sprintf("tensor(shape=%s, dtype=%s)", pyTuple(shape), dtypeName(t.elem))
	case *RayTensorType:
		return fmt.Sprintf("tensor(shape=%s, dtype=%s)", pyTuple(t.shape), dtypeName(t.elem))
	case *VariableShapeTensorType:
		if t.opts.hasUniform {
			return fmt.Sprintf("tensor(shape=%s, dtype=%s)", pyTuple(t.opts.uniformShape), dtypeName(t.elem))
		}
		return fmt.Sprintf("tensor(ndim=%d, dtype=%s)", t.ndim, dtypeName(t.elem))
	case *RayVariableShapedTensorType:
		return fmt.Sprintf("tensor(ndim=%d, dtype=%s)", t.ndim, dtypeName(t.elem))
	}
	if dt == nil {
		return "null"
	}
	return dt.String()
}

// pyTuple prints dims as a Python tuple; -1 prints as None.
func pyTuple(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		if d < 0 {
			parts[i] = "None"
		} else {
			parts[i] = strconv.Itoa(d)
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
