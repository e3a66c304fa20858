package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/version"
)

// versionTemplate is what `ratify-wasm --version` prints; `ratify-wasm
// version` prints the same line.
const versionTemplate = "ratify-wasm version {{.Version}}\n"

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the release version of ratify-wasm (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "ratify-wasm version %s\n", version.Version)
			return err
		},
	}
}
