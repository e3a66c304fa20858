// Command wasm-notation is a Ratify verifier plugin for Notary Project
// signatures on WASM artifacts; see README.md.
package main

import (
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

func main() { plugin.Main(notation.Plugin) }
