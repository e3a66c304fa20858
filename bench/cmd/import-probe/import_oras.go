//go:build probe_oras || lean_cosign || lean_notation || lean_slsa || lean_composition

package main

import _ "oras.land/oras-go/v2/registry/remote" // registry client
