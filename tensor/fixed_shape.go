package tensor

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// FixedShapeTensorName is the canonical Arrow extension name of FixedShapeTensorType.
const FixedShapeTensorName = "arrow.fixed_shape_tensor"

// FixedShapeTensorType is the canonical Arrow extension type arrow.fixed_shape_tensor: every
// row is a tensor of the same shape, stored row-major as FixedSizeList<elem>[prod(shape)].
// Its metadata is JSON {"shape":[...]} with optional "dim_names" and "permutation".
// A FixedShapeTensorType is immutable and safe to share between goroutines.
type FixedShapeTensorType struct {
	arrow.ExtensionBase
	elem  arrow.DataType
	shape []int
	opts  typeOptions
}

// FixedShapeTensorArray is an array of FixedShapeTensorType. Release it when done, like any
// arrow.Array.
type FixedShapeTensorArray struct {
	array.ExtensionArrayBase
}

var (
	_ arrow.ExtensionType  = (*FixedShapeTensorType)(nil)
	_ array.ExtensionArray = (*FixedShapeTensorArray)(nil)
)

// NewFixedShape returns the fixed-shape tensor type of elem with the given per-row shape.
// Options WithDimNames and WithPermutation are accepted; WithUniformShape is an error. A
// shape holding no elements (a zero dimension) is an error: arrow-go has no
// fixed_size_list[0].
func NewFixedShape(elem arrow.DataType, shape []int, opts ...Option) (*FixedShapeTensorType, error) {
	if err := checkElem(elem); err != nil {
		return nil, err
	}
	o := applyOptions(opts)
	if o.hasUniform {
		return nil, fmt.Errorf("sluice: tensor: %s: uniform_shape is only for variable-shape tensors", FixedShapeTensorName)
	}
	if err := o.validate(len(shape)); err != nil {
		return nil, fmt.Errorf("sluice: tensor: %s: %w", FixedShapeTensorName, err)
	}
	size, err := shapeSize(shape, math.MaxInt32)
	if err != nil {
		return nil, fmt.Errorf("sluice: tensor: %s: %w", FixedShapeTensorName, err)
	}
	if size == 0 {
		// arrow-go has no fixed_size_list of size 0 (arrow.FixedSizeListOf panics).
		return nil, fmt.Errorf("sluice: tensor: %s: shape %v holds no elements; arrow-go cannot store fixed_size_list[0]", FixedShapeTensorName, shape)
	}
	return &FixedShapeTensorType{
		ExtensionBase: arrow.ExtensionBase{Storage: arrow.FixedSizeListOf(int32(size), elem)},
		elem:          elem,
		shape:         slices.Clone(shape),
		opts:          o,
	}, nil
}

// Elem returns the element type.
func (t *FixedShapeTensorType) Elem() arrow.DataType { return t.elem }

// Shape returns a copy of the per-row physical (row-major) shape.
func (t *FixedShapeTensorType) Shape() []int { return slices.Clone(t.shape) }

// NDim returns the number of dimensions of one row.
func (t *FixedShapeTensorType) NDim() int { return len(t.shape) }

// Size returns the number of elements in one row, prod(Shape()).
func (t *FixedShapeTensorType) Size() int { return int(t.Storage.(*arrow.FixedSizeListType).Len()) }

// DimNames returns the dimension names, or nil.
func (t *FixedShapeTensorType) DimNames() []string { return slices.Clone(t.opts.dimNames) }

// Permutation returns the physical-to-logical permutation, or nil for the identity.
func (t *FixedShapeTensorType) Permutation() []int { return slices.Clone(t.opts.permutation) }

// ArrayType implements arrow.ExtensionType.
func (*FixedShapeTensorType) ArrayType() reflect.Type {
	return reflect.TypeOf(FixedShapeTensorArray{})
}

// ExtensionName implements arrow.ExtensionType.
func (*FixedShapeTensorType) ExtensionName() string { return FixedShapeTensorName }

func (t *FixedShapeTensorType) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "extension<%s[value_type=%s, shape=%v", FixedShapeTensorName, t.elem, t.shape)
	if t.opts.dimNames != nil {
		fmt.Fprintf(&b, ", dim_names=%v", t.opts.dimNames)
	}
	if t.opts.permutation != nil {
		fmt.Fprintf(&b, ", permutation=%v", t.opts.permutation)
	}
	b.WriteString("]>")
	return b.String()
}

type fixedShapeMeta struct {
	Shape       []int    `json:"shape"`
	DimNames    []string `json:"dim_names,omitempty"`
	Permutation []int    `json:"permutation,omitempty"`
}

// Serialize implements arrow.ExtensionType; it returns the JSON metadata.
func (t *FixedShapeTensorType) Serialize() string {
	m := fixedShapeMeta{Shape: t.shape, DimNames: t.opts.dimNames, Permutation: t.opts.permutation}
	if m.Shape == nil {
		m.Shape = []int{}
	}
	b, _ := json.Marshal(m) // cannot fail: ints and strings only
	return string(b)
}

// Deserialize implements arrow.ExtensionType. It checks the metadata against the storage
// type and returns an error, never panics, on a mismatch.
func (*FixedShapeTensorType) Deserialize(storage arrow.DataType, data string) (arrow.ExtensionType, error) {
	fsl, ok := storage.(*arrow.FixedSizeListType)
	if !ok {
		return nil, fmt.Errorf("sluice: tensor: %s: storage must be fixed_size_list, got %v", FixedShapeTensorName, storage)
	}
	var m fixedShapeMeta
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		return nil, fmt.Errorf("sluice: tensor: %s: metadata %q: %w", FixedShapeTensorName, truncate(data), err)
	}
	if m.Shape == nil {
		return nil, fmt.Errorf("sluice: tensor: %s: metadata %q has no shape", FixedShapeTensorName, truncate(data))
	}
	opts := []Option{}
	if m.DimNames != nil {
		opts = append(opts, WithDimNames(m.DimNames...))
	}
	if m.Permutation != nil {
		opts = append(opts, WithPermutation(m.Permutation...))
	}
	t, err := NewFixedShape(fsl.Elem(), m.Shape, opts...)
	if err != nil {
		return nil, err
	}
	if t.Size() != int(fsl.Len()) {
		return nil, fmt.Errorf("sluice: tensor: %s: shape %v holds %d elements but storage %v holds %d", FixedShapeTensorName, m.Shape, t.Size(), storage, fsl.Len())
	}
	// Keep the storage exactly as read (field name, nullability) so arrays validate.
	t.ExtensionBase = arrow.ExtensionBase{Storage: storage}
	return t, nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (t *FixedShapeTensorType) ExtensionEquals(other arrow.ExtensionType) bool {
	o, ok := other.(*FixedShapeTensorType)
	return ok && arrow.TypeEqual(t.elem, o.elem) && slices.Equal(t.shape, o.shape) &&
		slices.Equal(t.opts.dimNames, o.opts.dimNames) && slices.Equal(t.opts.permutation, o.opts.permutation)
}

// truncate shortens metadata quoted in error messages.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
