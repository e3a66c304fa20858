// Command ratify-builtin is Ratify v1.4.6 with the four ratify-wasm
// verifiers built in: the same commands (verify, serve, discover, …),
// flags, configuration file, CRDs and Rego policy provider as stock Ratify,
// whose own main (cmd/ratify/main.go) it repeats, plus wasm-cosign,
// wasm-notation, wasm-slsa and wasm-composition registered as built-in
// verifiers (internal/builtin). A configuration that names them runs them
// in process instead of executing the plugin binaries.
package main

import (
	"os"

	"github.com/ratify-project/ratify/cmd/ratify/cmd"
	_ "github.com/ratify-project/ratify/pkg/cache/dapr"                  // register dapr cache
	_ "github.com/ratify-project/ratify/pkg/cache/ristretto"             // register ristretto cache
	_ "github.com/ratify-project/ratify/pkg/policyprovider/configpolicy" // register configpolicy policy provider
	_ "github.com/ratify-project/ratify/pkg/policyprovider/regopolicy"   // register regopolicy policy provider
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras"          // register oras referrer store
	_ "github.com/ratify-project/ratify/pkg/verifier/cosign"             // register cosign verifier
	_ "github.com/ratify-project/ratify/pkg/verifier/notation"           // register notation verifier

	"github.com/ratify-wasm/ratify-wasm/internal/builtin"
)

func main() {
	builtin.Register()
	if err := cmd.Root.Execute(); err != nil {
		os.Exit(1)
	}
}
