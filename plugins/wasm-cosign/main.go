// Command wasm-cosign is a Ratify verifier plugin for cosign signatures
// (legacy .sig, OCI 1.1 referrers and sigstore bundles) on WASM artifacts;
// see README.md.
package main

import (
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

func main() { plugin.Main(cosign.Plugin) }
