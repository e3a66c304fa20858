// Package bounded reads files that configuration or the command line names
// (keys, trust policies, certificates, allowlists, WASM binaries, bundles)
// without trusting their size: a file above its limit is refused before it
// is held in memory whole.
package bounded

import (
	"fmt"
	"io"
	"os"

	"oras.land/oras-go/v2/errdef"
)

// ReadFile reads path, refusing a file of more than limit bytes with an
// error that wraps errdef.ErrSizeExceedsLimit (as registry reads do).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return b, nil
}

// TooLargeError is a file above its limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is more than the limit of %d bytes", e.Path, e.Limit)
}

// Unwrap returns errdef.ErrSizeExceedsLimit.
func (e *TooLargeError) Unwrap() error { return errdef.ErrSizeExceedsLimit }
