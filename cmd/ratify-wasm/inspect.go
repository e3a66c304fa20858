package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

func newInspectCmd() *cobra.Command {
	var (
		asJSON bool
		reg    registryFlags
	)
	cmd := &cobra.Command{
		Use:   "inspect FILE|REFERENCE",
		Short: "Print the module/component tree with offsets, sizes and sha256 digests, and the imports and exports",
		Long: `inspect parses a WASM core module or component, from a file or from the
WASM layer of an artifact in a registry, and prints every nested core module
and component (path, kind, offset, size, sha256) and the top-level imports and
exports. Malformed input exits non-zero with a one-line reason.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := readWasm(cmd.Context(), args[0], layerChoice{}, &reg)
			if err != nil {
				return err
			}
			bin, err := wasm.Parse(b, wasm.DefaultLimits())
			if err != nil {
				return fmt.Errorf("inspect %s: %w", args[0], err)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(bin)
			}
			printBinary(cmd.OutOrStdout(), bin)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	reg.add(cmd)
	return cmd
}

func printBinary(w io.Writer, bin *wasm.Binary) {
	width := len("PATH")
	for _, p := range bin.Parts {
		width = max(width, 2*p.Depth+len(p.Path))
	}
	fmt.Fprintf(w, "%-*s  %-9s %10s %10s  %s\n", width, "PATH", "KIND", "OFFSET", "SIZE", "SHA256")
	for _, p := range bin.Parts {
		indent := strings.Repeat("  ", p.Depth)
		fmt.Fprintf(w, "%-*s  %-9s %10d %10d  %s\n", width, indent+p.Path, p.Kind, p.Offset, p.Size, strings.TrimPrefix(p.Digest, "sha256:"))
	}
	printExterns(w, "IMPORTS", bin.Imports)
	printExterns(w, "EXPORTS", bin.Exports)
}

func printExterns(w io.Writer, title string, externs []wasm.Extern) {
	if len(externs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	for _, e := range externs {
		line := fmt.Sprintf("  %-12s %s", e.Kind, wasm.Printable(e.Name))
		if e.Implements != "" {
			line += " (implements " + wasm.Printable(e.Implements) + ")"
		}
		if e.VersionSuffix != "" {
			line += " (versionsuffix " + wasm.Printable(e.VersionSuffix) + ")"
		}
		switch {
		case e.HostCodeVia != "":
			line += "  [host-supplied code: " + e.HostCodeVia + "]"
		case e.HostCode:
			line += "  [host-supplied code]"
		}
		fmt.Fprintln(w, line)
	}
}
