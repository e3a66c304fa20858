package ratifyexec

import (
	"fmt"
	"io"
	"os"
)

// maxPolicyBytes bounds a policy file.
const maxPolicyBytes = 1 << 20

func readPolicy(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPolicyBytes+1))
	if err == nil && len(b) > maxPolicyBytes {
		err = fmt.Errorf("%s is larger than %d bytes", path, maxPolicyBytes)
	}
	return b, err
}
