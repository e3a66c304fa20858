// Command ratify-wasm is the user CLI of ratify-wasm: it inspects WASM
// modules and components, creates, attaches and compares composition lists,
// verifies sigstore bundles with the same code the plugins use, and
// verifies (verify) and fetches (pull) WASM artifacts with Ratify in
// process, the four verifiers built in.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/version"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "ratify-wasm",
		Short:         "Inspect and verify WebAssembly artifacts for Ratify",
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate(versionTemplate)
	root.AddCommand(newInspectCmd(), newCompositionCmd(), newVerifyBundleCmd(), newVerifyCmd(), newPullCmd(), newVersionCmd())
	return root
}

func main() {
	if err := newRootCmd().Execute(); err != nil {
		// One line: operators and scripts read the reason, not a stack.
		fmt.Fprintln(os.Stderr, "ratify-wasm: "+strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(1)
	}
}
