package expr

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine running (arrow-go's compute
// executor starts some per call).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
