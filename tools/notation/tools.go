//go:build tools

// Package tools pins the notation CLI used to make test fixtures; the Go
// module proxy refuses its version list, so it cannot be `go install`ed.
package tools

import _ "github.com/notaryproject/notation/cmd/notation"
