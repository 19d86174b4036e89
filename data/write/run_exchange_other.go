//go:build !linux

package write

import (
	"context"
	"errors"
)

// beginExchange reports that the exchange committer exists on Linux only; BeginRun falls back
// to CommitterRename.
func beginExchange(ctx context.Context, r *Run) (proceed bool, why, err error) {
	return false, errors.New("renameat2(RENAME_EXCHANGE) exists on Linux only"), nil
}
