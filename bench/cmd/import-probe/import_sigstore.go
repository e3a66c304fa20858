//go:build probe_sigstore || lean_cosign || lean_slsa

package main

import _ "github.com/sigstore/sigstore-go/pkg/verify" // wasm-cosign, wasm-slsa
