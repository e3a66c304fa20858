//go:build unix

package admitted

import (
	"syscall"
	"testing"
)

// mkfifo makes a named pipe at path, with no writer.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
