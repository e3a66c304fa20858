//go:build lean_slsa

package main

import _ "github.com/in-toto/attestation/go/v1" // in-toto statements (wasm-slsa)
