package tensor

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Extension names of Ray Data's tensor types.
const (
	RayTensorName         = "ray.data.arrow_tensor"
	RayTensorV2Name       = "ray.data.arrow_tensor_v2"
	RayVariableTensorName = "ray.data.arrow_variable_shaped_tensor"
)

// ErrPickledMetadata is returned (wrapped) when a Ray tensor type carries Python pickle
// metadata instead of JSON. Ray 2.49-2.54 wrote it by default; Go cannot read it.
var ErrPickledMetadata = errors.New("tensor metadata is a Python pickle: the file was written by Ray 2.49-2.54 with pickled tensor metadata; rewrite it with RAY_DATA_ARROW_EXTENSION_SERIALIZATION_LEGACY_JSON_FORMAT=1 (Ray's legacy JSON format)")

// RayTensorType is Ray Data's fixed-shape tensor type, read for interoperability:
// ray.data.arrow_tensor (storage list<elem>) or ray.data.arrow_tensor_v2 (storage
// large_list<elem>), metadata the JSON list of the per-row shape. sluice writes the canonical
// FixedShapeTensorType instead; convert with ToCanonical.
type RayTensorType struct {
	arrow.ExtensionBase
	v2    bool
	elem  arrow.DataType
	shape []int
}

// RayTensorArray is an array of RayTensorType. Release it when done.
type RayTensorArray struct {
	array.ExtensionArrayBase
}

// RayVariableShapedTensorType is Ray Data's ray.data.arrow_variable_shaped_tensor: storage
// struct<data: list or large_list<elem>, shape: list<int64>>, metadata the JSON ndim.
type RayVariableShapedTensorType struct {
	arrow.ExtensionBase
	elem arrow.DataType
	ndim int
}

// RayVariableShapedTensorArray is an array of RayVariableShapedTensorType. Release it when
// done.
type RayVariableShapedTensorArray struct {
	array.ExtensionArrayBase
}

var (
	_ arrow.ExtensionType  = (*RayTensorType)(nil)
	_ arrow.ExtensionType  = (*RayVariableShapedTensorType)(nil)
	_ array.ExtensionArray = (*RayTensorArray)(nil)
	_ array.ExtensionArray = (*RayVariableShapedTensorArray)(nil)
)

// NewRayTensor returns Ray's fixed-shape tensor type: v2 selects ray.data.arrow_tensor_v2
// (large_list storage). It exists to build test data and to write for old Ray readers.
func NewRayTensor(elem arrow.DataType, shape []int, v2 bool) (*RayTensorType, error) {
	if err := checkElem(elem); err != nil {
		return nil, err
	}
	if _, err := shapeSize(shape, math.MaxInt32); err != nil {
		return nil, fmt.Errorf("sluice: tensor: %s: %w", rayFixedName(v2), err)
	}
	var storage arrow.DataType = arrow.ListOf(elem)
	if v2 {
		storage = elementNames(arrow.LargeListOf(elem))
	}
	return &RayTensorType{ExtensionBase: arrow.ExtensionBase{Storage: storage}, v2: v2, elem: elem, shape: slices.Clone(shape)}, nil
}

func rayFixedName(v2 bool) string {
	if v2 {
		return RayTensorV2Name
	}
	return RayTensorName
}

// Elem returns the element type.
func (t *RayTensorType) Elem() arrow.DataType { return t.elem }

// Shape returns a copy of the per-row shape.
func (t *RayTensorType) Shape() []int { return slices.Clone(t.shape) }

// ArrayType implements arrow.ExtensionType.
func (*RayTensorType) ArrayType() reflect.Type { return reflect.TypeOf(RayTensorArray{}) }

// ExtensionName implements arrow.ExtensionType.
func (t *RayTensorType) ExtensionName() string { return rayFixedName(t.v2) }

func (t *RayTensorType) String() string {
	return fmt.Sprintf("extension<%s[value_type=%s, shape=%v]>", t.ExtensionName(), t.elem, t.shape)
}

// Serialize implements arrow.ExtensionType: the JSON list of the shape, as Ray's legacy
// JSON format writes it.
func (t *RayTensorType) Serialize() string {
	s := t.shape
	if s == nil {
		s = []int{}
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// Deserialize implements arrow.ExtensionType. Pickled metadata yields ErrPickledMetadata.
func (t *RayTensorType) Deserialize(storage arrow.DataType, data string) (arrow.ExtensionType, error) {
	name := t.ExtensionName()
	if isPickle(data) {
		return nil, fmt.Errorf("sluice: tensor: %s: %w", name, ErrPickledMetadata)
	}
	var elem arrow.DataType
	switch s := storage.(type) {
	case *arrow.ListType:
		if t.v2 {
			return nil, fmt.Errorf("sluice: tensor: %s: storage must be large_list, got %v", name, storage)
		}
		elem = s.Elem()
	case *arrow.LargeListType:
		if !t.v2 {
			return nil, fmt.Errorf("sluice: tensor: %s: storage must be list, got %v", name, storage)
		}
		elem = s.Elem()
	default:
		return nil, fmt.Errorf("sluice: tensor: %s: storage must be a list, got %v", name, storage)
	}
	var shape []int
	if err := json.Unmarshal([]byte(data), &shape); err != nil || shape == nil {
		return nil, fmt.Errorf("sluice: tensor: %s: metadata %q is not a JSON list of dimensions", name, truncate(data))
	}
	out, err := NewRayTensor(elem, shape, t.v2)
	if err != nil {
		return nil, err
	}
	out.ExtensionBase = arrow.ExtensionBase{Storage: elementNames(storage)}
	return out, nil
}

// elementNames gives the child field of every large list in dt the form pqarrow infers from a
// Parquet file without field ids: named "element", nullable, with PARQUET:field_id -1. Ray's
// stored Arrow schema says "item" instead, and arrow.TypeEqual compares large lists field by
// field (reflect.DeepEqual), so pqarrow would refuse Ray's tensor columns as a storage
// mismatch. The field is only a label: the buffers are the same either way.
func elementNames(dt arrow.DataType) arrow.DataType {
	switch t := dt.(type) {
	case *arrow.LargeListType:
		f := t.ElemField()
		f.Name, f.Type, f.Nullable = "element", elementNames(f.Type), true
		f.Metadata = arrow.NewMetadata([]string{"PARQUET:field_id"}, []string{"-1"})
		return arrow.LargeListOfField(f)
	case *arrow.StructType:
		fields := t.Fields()
		for i := range fields {
			fields[i].Type = elementNames(fields[i].Type)
		}
		return arrow.StructOf(fields...)
	}
	return dt
}

// ExtensionEquals implements arrow.ExtensionType.
func (t *RayTensorType) ExtensionEquals(other arrow.ExtensionType) bool {
	o, ok := other.(*RayTensorType)
	return ok && t.v2 == o.v2 && arrow.TypeEqual(t.elem, o.elem) && slices.Equal(t.shape, o.shape)
}

// NewRayVariableShapedTensor returns Ray's variable-shaped tensor type with storage
// struct<data: large_list<elem>, shape: list<int64>>, as current Ray writes it.
func NewRayVariableShapedTensor(elem arrow.DataType, ndim int) (*RayVariableShapedTensorType, error) {
	if err := checkElem(elem); err != nil {
		return nil, err
	}
	if ndim < 0 {
		return nil, fmt.Errorf("sluice: tensor: %s: negative ndim %d", RayVariableTensorName, ndim)
	}
	storage := arrow.StructOf(
		arrow.Field{Name: "data", Type: arrow.LargeListOf(elem), Nullable: true},
		arrow.Field{Name: "shape", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	)
	return &RayVariableShapedTensorType{ExtensionBase: arrow.ExtensionBase{Storage: elementNames(storage)}, elem: elem, ndim: ndim}, nil
}

// Elem returns the element type.
func (t *RayVariableShapedTensorType) Elem() arrow.DataType { return t.elem }

// NDim returns the number of dimensions of every row.
func (t *RayVariableShapedTensorType) NDim() int { return t.ndim }

// ArrayType implements arrow.ExtensionType.
func (*RayVariableShapedTensorType) ArrayType() reflect.Type {
	return reflect.TypeOf(RayVariableShapedTensorArray{})
}

// ExtensionName implements arrow.ExtensionType.
func (*RayVariableShapedTensorType) ExtensionName() string { return RayVariableTensorName }

func (t *RayVariableShapedTensorType) String() string {
	return fmt.Sprintf("extension<%s[value_type=%s, ndim=%d]>", RayVariableTensorName, t.elem, t.ndim)
}

// Serialize implements arrow.ExtensionType: the JSON number ndim.
func (t *RayVariableShapedTensorType) Serialize() string { return fmt.Sprint(t.ndim) }

// Deserialize implements arrow.ExtensionType. Pickled metadata yields ErrPickledMetadata.
func (*RayVariableShapedTensorType) Deserialize(storage arrow.DataType, data string) (arrow.ExtensionType, error) {
	if isPickle(data) {
		return nil, fmt.Errorf("sluice: tensor: %s: %w", RayVariableTensorName, ErrPickledMetadata)
	}
	st, ok := storage.(*arrow.StructType)
	if !ok || st.NumFields() != 2 || st.Field(0).Name != "data" || st.Field(1).Name != "shape" {
		return nil, fmt.Errorf("sluice: tensor: %s: storage must be struct<data, shape>, got %v", RayVariableTensorName, storage)
	}
	var elem arrow.DataType
	switch d := st.Field(0).Type.(type) {
	case *arrow.ListType:
		elem = d.Elem()
	case *arrow.LargeListType:
		elem = d.Elem()
	default:
		return nil, fmt.Errorf("sluice: tensor: %s: data field must be a list, got %v", RayVariableTensorName, st.Field(0).Type)
	}
	switch s := st.Field(1).Type.(type) {
	case *arrow.ListType:
		if !arrow.IsInteger(s.Elem().ID()) {
			return nil, fmt.Errorf("sluice: tensor: %s: shape field must be a list of integers, got %v", RayVariableTensorName, s)
		}
	case *arrow.LargeListType:
		if !arrow.IsInteger(s.Elem().ID()) {
			return nil, fmt.Errorf("sluice: tensor: %s: shape field must be a list of integers, got %v", RayVariableTensorName, s)
		}
	default:
		return nil, fmt.Errorf("sluice: tensor: %s: shape field must be a list, got %v", RayVariableTensorName, st.Field(1).Type)
	}
	var ndim int
	if err := json.Unmarshal([]byte(data), &ndim); err != nil {
		return nil, fmt.Errorf("sluice: tensor: %s: metadata %q is not a JSON integer ndim", RayVariableTensorName, truncate(data))
	}
	out, err := NewRayVariableShapedTensor(elem, ndim)
	if err != nil {
		return nil, err
	}
	out.ExtensionBase = arrow.ExtensionBase{Storage: elementNames(storage)}
	return out, nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (t *RayVariableShapedTensorType) ExtensionEquals(other arrow.ExtensionType) bool {
	o, ok := other.(*RayVariableShapedTensorType)
	// Logical identity: the storage's field names and metadata are labels (see elementNames).
	return ok && t.ndim == o.ndim && arrow.TypeEqual(t.elem, o.elem)
}

// isPickle reports whether metadata looks like a Python pickle (protocol 2+ starts with
// the PROTO opcode 0x80).
func isPickle(data string) bool { return len(data) > 0 && data[0] == 0x80 }
