//go:build probe_wasm || lean_cosign || lean_notation || lean_slsa || lean_composition

package main

import _ "github.com/ratify-wasm/ratify-wasm/internal/wasm" // the WASM parser
