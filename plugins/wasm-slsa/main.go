// Command wasm-slsa is a Ratify verifier plugin for SLSA build provenance
// of WASM artifacts; see README.md.
package main

import (
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
)

func main() { plugin.Main(slsa.Plugin) }
