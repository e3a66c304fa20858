package main

import (
	"context"
	"os"

	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// readWasm reads a WASM binary from a file, or else from the only WASM layer
// of the artifact a registry reference names (digest- and size-checked).
func readWasm(ctx context.Context, source string, reg *compRegistryFlags) ([]byte, error) {
	if st, err := os.Stat(source); err == nil && st.Mode().IsRegular() {
		return compReadFile(source, wasm.DefaultLimits().MaxInputSize)
	}
	return reg.fetchWasm(ctx, source, compLayerChoice{})
}
