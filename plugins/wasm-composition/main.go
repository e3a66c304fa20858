// Command wasm-composition is the Ratify verifier plugin for composition
// lists of WebAssembly components; see README.md.
package main

import (
	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

func main() { plugin.Main(composition.Plugin) }
