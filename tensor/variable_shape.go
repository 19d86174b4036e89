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

// VariableShapeTensorName is the canonical Arrow extension name of VariableShapeTensorType.
const VariableShapeTensorName = "arrow.variable_shape_tensor"

// VariableShapeTensorType is the canonical Arrow extension type arrow.variable_shape_tensor:
// each row is a tensor with the same number of dimensions but its own shape, stored as
// struct<data: list<elem>, shape: fixed_size_list<int32>[ndim]> (data row-major). Its
// metadata is JSON with optional "dim_names", "permutation" and "uniform_shape" (null for a
// dimension that varies). A VariableShapeTensorType is immutable.
type VariableShapeTensorType struct {
	arrow.ExtensionBase
	elem arrow.DataType
	ndim int
	opts typeOptions
}

// VariableShapeTensorArray is an array of VariableShapeTensorType. Release it when done.
type VariableShapeTensorArray struct {
	array.ExtensionArrayBase
}

var (
	_ arrow.ExtensionType  = (*VariableShapeTensorType)(nil)
	_ array.ExtensionArray = (*VariableShapeTensorArray)(nil)
)

// NewVariableShape returns the variable-shape tensor type of elem with ndim dimensions per
// row. Options WithDimNames, WithPermutation and WithUniformShape are accepted.
func NewVariableShape(elem arrow.DataType, ndim int, opts ...Option) (*VariableShapeTensorType, error) {
	if err := checkElem(elem); err != nil {
		return nil, err
	}
	if ndim < 1 || ndim > math.MaxInt32 {
		// ndim 0 would need fixed_size_list[0], which arrow-go cannot build.
		return nil, fmt.Errorf("sluice: tensor: %s: ndim %d out of range [1, 2^31)", VariableShapeTensorName, ndim)
	}
	o := applyOptions(opts)
	if err := o.validate(ndim); err != nil {
		return nil, fmt.Errorf("sluice: tensor: %s: %w", VariableShapeTensorName, err)
	}
	storage := arrow.StructOf(
		arrow.Field{Name: "data", Type: arrow.ListOf(elem), Nullable: true},
		arrow.Field{Name: "shape", Type: arrow.FixedSizeListOf(int32(ndim), arrow.PrimitiveTypes.Int32), Nullable: true},
	)
	return &VariableShapeTensorType{ExtensionBase: arrow.ExtensionBase{Storage: storage}, elem: elem, ndim: ndim, opts: o}, nil
}

// Elem returns the element type.
func (t *VariableShapeTensorType) Elem() arrow.DataType { return t.elem }

// NDim returns the number of dimensions of every row.
func (t *VariableShapeTensorType) NDim() int { return t.ndim }

// DimNames returns the dimension names, or nil.
func (t *VariableShapeTensorType) DimNames() []string { return slices.Clone(t.opts.dimNames) }

// Permutation returns the physical-to-logical permutation, or nil for the identity.
func (t *VariableShapeTensorType) Permutation() []int { return slices.Clone(t.opts.permutation) }

// UniformShape returns the dimensions shared by all rows (-1 where a dimension varies), or
// nil when the type does not declare them.
func (t *VariableShapeTensorType) UniformShape() []int {
	if !t.opts.hasUniform {
		return nil
	}
	return slices.Clone(t.opts.uniformShape)
}

// ArrayType implements arrow.ExtensionType.
func (*VariableShapeTensorType) ArrayType() reflect.Type {
	return reflect.TypeOf(VariableShapeTensorArray{})
}

// ExtensionName implements arrow.ExtensionType.
func (*VariableShapeTensorType) ExtensionName() string { return VariableShapeTensorName }

func (t *VariableShapeTensorType) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "extension<%s[value_type=%s, ndim=%d", VariableShapeTensorName, t.elem, t.ndim)
	if t.opts.hasUniform {
		fmt.Fprintf(&b, ", uniform_shape=%v", t.opts.uniformShape)
	}
	if t.opts.dimNames != nil {
		fmt.Fprintf(&b, ", dim_names=%v", t.opts.dimNames)
	}
	if t.opts.permutation != nil {
		fmt.Fprintf(&b, ", permutation=%v", t.opts.permutation)
	}
	b.WriteString("]>")
	return b.String()
}

type variableShapeMeta struct {
	DimNames     []string `json:"dim_names,omitempty"`
	Permutation  []int    `json:"permutation,omitempty"`
	UniformShape []*int   `json:"uniform_shape,omitempty"`
}

// Serialize implements arrow.ExtensionType; it returns the JSON metadata ("{}" when no
// optional parameter is set).
func (t *VariableShapeTensorType) Serialize() string {
	m := variableShapeMeta{DimNames: t.opts.dimNames, Permutation: t.opts.permutation}
	if t.opts.hasUniform {
		m.UniformShape = make([]*int, len(t.opts.uniformShape))
		for i, d := range t.opts.uniformShape {
			if d >= 0 {
				m.UniformShape[i] = &t.opts.uniformShape[i]
			}
		}
	}
	b, _ := json.Marshal(m) // cannot fail
	return string(b)
}

// Deserialize implements arrow.ExtensionType. Empty metadata means no optional parameters.
func (*VariableShapeTensorType) Deserialize(storage arrow.DataType, data string) (arrow.ExtensionType, error) {
	st, ok := storage.(*arrow.StructType)
	if !ok || st.NumFields() != 2 {
		return nil, fmt.Errorf("sluice: tensor: %s: storage must be struct<data, shape>, got %v", VariableShapeTensorName, storage)
	}
	dataField, shapeField := st.Field(0), st.Field(1)
	if dataField.Name != "data" || shapeField.Name != "shape" {
		return nil, fmt.Errorf("sluice: tensor: %s: storage must have fields data and shape, got %v", VariableShapeTensorName, storage)
	}
	list, ok := dataField.Type.(*arrow.ListType)
	if !ok {
		return nil, fmt.Errorf("sluice: tensor: %s: data field must be a list, got %v", VariableShapeTensorName, dataField.Type)
	}
	shp, ok := shapeField.Type.(*arrow.FixedSizeListType)
	if !ok || shp.Elem().ID() != arrow.INT32 {
		return nil, fmt.Errorf("sluice: tensor: %s: shape field must be fixed_size_list<int32>, got %v", VariableShapeTensorName, shapeField.Type)
	}
	var m variableShapeMeta
	if strings.TrimSpace(data) != "" {
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			return nil, fmt.Errorf("sluice: tensor: %s: metadata %q: %w", VariableShapeTensorName, truncate(data), err)
		}
	}
	var opts []Option
	if m.DimNames != nil {
		opts = append(opts, WithDimNames(m.DimNames...))
	}
	if m.Permutation != nil {
		opts = append(opts, WithPermutation(m.Permutation...))
	}
	if m.UniformShape != nil {
		dims := make([]int, len(m.UniformShape))
		for i, d := range m.UniformShape {
			dims[i] = -1
			if d != nil {
				if *d < 0 {
					return nil, fmt.Errorf("sluice: tensor: %s: metadata %q: negative uniform_shape dimension", VariableShapeTensorName, truncate(data))
				}
				dims[i] = *d
			}
		}
		opts = append(opts, WithUniformShape(dims...))
	}
	t, err := NewVariableShape(list.Elem(), int(shp.Len()), opts...)
	if err != nil {
		return nil, err
	}
	t.ExtensionBase = arrow.ExtensionBase{Storage: storage}
	return t, nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (t *VariableShapeTensorType) ExtensionEquals(other arrow.ExtensionType) bool {
	o, ok := other.(*VariableShapeTensorType)
	return ok && arrow.TypeEqual(t.elem, o.elem) && t.ndim == o.ndim &&
		slices.Equal(t.opts.dimNames, o.opts.dimNames) && slices.Equal(t.opts.permutation, o.opts.permutation) &&
		t.opts.hasUniform == o.opts.hasUniform && slices.Equal(t.opts.uniformShape, o.opts.uniformShape)
}
