package tensor

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// init registers the five tensor extension types with arrow-go so IPC and Parquet readers
// rebuild them from field metadata. Registration is process-wide and by name; a name that
// is already registered (another library got there first) is left alone.
func init() {
	for _, t := range []arrow.ExtensionType{
		&FixedShapeTensorType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.FixedSizeListOf(1, arrow.PrimitiveTypes.Float32)}, elem: arrow.PrimitiveTypes.Float32, shape: []int{1}},
		&VariableShapeTensorType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.StructOf()}, elem: arrow.PrimitiveTypes.Float32},
		&RayTensorType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.ListOf(arrow.PrimitiveTypes.Float32)}, elem: arrow.PrimitiveTypes.Float32},
		&RayTensorType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.LargeListOf(arrow.PrimitiveTypes.Float32)}, elem: arrow.PrimitiveTypes.Float32, v2: true},
		&RayVariableShapedTensorType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.StructOf()}, elem: arrow.PrimitiveTypes.Float32},
	} {
		if arrow.GetExtensionType(t.ExtensionName()) != nil {
			continue
		}
		if err := arrow.RegisterExtensionType(t); err != nil {
			panic(fmt.Sprintf("sluice: tensor: register %s: %v", t.ExtensionName(), err))
		}
	}
}
