package expr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Error is what Bind and Eval return: the expression that failed (the smallest one that
// explains it: Col("price").Mul("x"), not the whole predicate around it), the column
// involved when there is one, and why.
//
//	sluice: expr: Col("price").Mul("x"): multiply needs numbers: column "price" is int64, "x" is utf8
type Error struct {
	Expr   Expr
	Column string // "" when no one column is to blame
	Err    error
}

func (e *Error) Error() string { return "sluice: expr: " + e.Detail() }

// Detail is the message without the package prefix, for callers that print their own
// ("sluice: Where(...): file.parquet rows 0-99: " + Detail()).
func (e *Error) Detail() string { return e.Expr.String() + ": " + cause(e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// cause is an error's text without arrow-go's "invalid: " prefix, which tells a reader
// nothing here.
func cause(err error) string {
	return strings.TrimPrefix(err.Error(), arrow.ErrInvalid.Error()+": ")
}

func errorf(e Expr, column, format string, args ...any) *Error {
	return &Error{Expr: e, Column: column, Err: fmt.Errorf(format, args...)}
}

// wrap makes err an *Error about e, unless it already is one.
func wrap(e Expr, err error) error {
	var xe *Error
	if errors.As(err, &xe) {
		return err
	}
	return &Error{Expr: e, Err: err}
}
