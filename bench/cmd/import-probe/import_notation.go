//go:build probe_notation || lean_notation

package main

import _ "github.com/notaryproject/notation-go/verifier" // wasm-notation
