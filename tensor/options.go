package tensor

import "fmt"

// Option sets an optional parameter of a tensor extension type (NewFixedShape,
// NewVariableShape, FromSlice, FromRows).
type Option func(*typeOptions)

type typeOptions struct {
	dimNames     []string
	permutation  []int
	uniformShape []int // -1 marks a dimension that varies; variable-shape types only
	hasUniform   bool
}

// WithDimNames names the dimensions (for example "H", "W", "C"); one name per dimension.
func WithDimNames(names ...string) Option {
	return func(o *typeOptions) { o.dimNames = append([]string(nil), names...) }
}

// WithPermutation sets the permutation from the physical (row-major) layout to the logical
// one: logical dimension i is physical dimension perm[i]. It must be a permutation of
// 0..ndim-1.
func WithPermutation(perm ...int) Option {
	return func(o *typeOptions) { o.permutation = append([]int(nil), perm...) }
}

// WithUniformShape declares, for a variable-shape type, the dimensions that are the same in
// every row; -1 marks a dimension that varies. It is an error on a fixed-shape type.
func WithUniformShape(dims ...int) Option {
	return func(o *typeOptions) {
		o.uniformShape = append([]int(nil), dims...)
		o.hasUniform = true
	}
}

func applyOptions(opts []Option) typeOptions {
	var o typeOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// validate checks the optional parameters against ndim.
func (o *typeOptions) validate(ndim int) error {
	if o.dimNames != nil && len(o.dimNames) != ndim {
		return fmt.Errorf("dim_names %q has %d names for %d dimensions", o.dimNames, len(o.dimNames), ndim)
	}
	if o.permutation != nil {
		if len(o.permutation) != ndim {
			return fmt.Errorf("permutation %v has %d entries for %d dimensions", o.permutation, len(o.permutation), ndim)
		}
		seen := make([]bool, ndim)
		for _, p := range o.permutation {
			if p < 0 || p >= ndim || seen[p] {
				return fmt.Errorf("permutation %v is not a permutation of 0..%d", o.permutation, ndim-1)
			}
			seen[p] = true
		}
	}
	if o.hasUniform {
		if len(o.uniformShape) != ndim {
			return fmt.Errorf("uniform_shape %v has %d entries for %d dimensions", o.uniformShape, len(o.uniformShape), ndim)
		}
		for _, d := range o.uniformShape {
			if d < -1 {
				return fmt.Errorf("uniform_shape %v has a negative dimension", o.uniformShape)
			}
		}
	}
	return nil
}
