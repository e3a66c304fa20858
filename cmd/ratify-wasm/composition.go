package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/bounded"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// errCompositionDiffers makes `composition diff` exit non-zero, like diff(1).
var errCompositionDiffers = errors.New("the composition list and the binary differ")

// compBinary reads a WASM binary from a file or from a WASM layer of an
// artifact in a registry (see pickLayer) and returns its composition list.
func compBinary(ctx context.Context, source string, pick layerChoice, reg *registryFlags) (*list.List, error) {
	b, err := readWasm(ctx, source, pick, reg)
	if err != nil {
		return nil, err
	}
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return list.FromBinary(bin, list.ThisGenerator()), nil
}

func compReadList(path string) (*list.List, []byte, error) {
	raw, err := bounded.ReadFile(path, list.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	l, err := list.Decode(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, raw, nil
}

func newCompositionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "composition",
		Short: "Create, attach and compare composition lists of WebAssembly components",
		Long: `A composition list (` + mediatype.CompositionList + `) records the digest of a
WASM layer, every nested core module and component in it (path, kind, size,
sha256) and the component's top-level imports and exports. Attach it to the
artifact as an OCI referrer, sign it with cosign or notation, and let the
wasm-composition Ratify verifier check deployments against it.`,
	}
	cmd.AddCommand(newCompositionCreateCmd(), newCompositionAttachCmd(), newCompositionDiffCmd())
	return cmd
}

func newCompositionCreateCmd() *cobra.Command {
	var (
		reg    registryFlags
		output string
		layer  string
	)
	cmd := &cobra.Command{
		Use:          "create FILE|REFERENCE",
		SilenceUsage: true,
		Short:        "Write the composition list of a WASM binary (a file, or the WASM layer of an artifact)",
		Args:         cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := compBinary(cmd.Context(), args[0], layerChoice{Digest: layer}, &reg)
			if err != nil {
				return err
			}
			raw, err := l.Encode()
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			return os.WriteFile(output, raw, 0o644)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the list to this file instead of standard output")
	cmd.Flags().StringVar(&layer, "layer", "", "digest of the WASM layer to describe, for artifacts with several")
	reg.add(cmd)
	return cmd
}

func newCompositionAttachCmd() *cobra.Command {
	var reg registryFlags
	cmd := &cobra.Command{
		Use:          "attach REFERENCE LIST",
		SilenceUsage: true,
		Short:        "Push a composition list as an OCI referrer of the artifact it describes",
		Long: `Pushes LIST as a referrer of REFERENCE (artifact type ` + mediatype.CompositionList + `).
The list must describe one of the artifact's WASM layers. Registries without
the referrers API get the referrers tag index (sha256-<hex>) instead; if such
a registry refuses to delete the index it replaces, the list is attached and
a warning says so. Attaching a list the artifact already has pushes nothing
and prints the existing referrer.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			l, raw, err := compReadList(args[1])
			if err != nil {
				return err
			}
			s, _, err := reg.loadArtifact(ctx, args[0])
			if err != nil {
				return err
			}
			if _, err := pickLayer(s, layerChoice{Digest: l.Layer.Digest}); err != nil {
				return fmt.Errorf("%s does not describe %s: %w", args[1], args[0], err)
			}
			repo, err := reg.repository(s.Repository)
			if err != nil {
				return err
			}
			desc, err := list.Attach(ctx, repo, s.Descriptor, raw)
			if errors.Is(err, list.ErrCleanup) {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v\n", err)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s@%s\n", s.Repository, desc.Digest)
			return nil
		},
	}
	reg.add(cmd)
	return cmd
}

func newCompositionDiffCmd() *cobra.Command {
	var (
		reg    registryFlags
		layer  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:          "diff LIST FILE|REFERENCE",
		SilenceUsage: true,
		Short:        "Show what differs between a composition list and a WASM binary; exit 1 if anything does",
		Args:         cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			listed, _, err := compReadList(args[0])
			if err != nil {
				return err
			}
			// Compare the layer the list names, or else the only one, so a
			// rebuilt artifact shows what changed.
			pick := layerChoice{Digest: layer}
			if layer == "" {
				pick = layerChoice{Digest: listed.Layer.Digest, OrOnly: true}
			}
			found, err := compBinary(cmd.Context(), args[1], pick, &reg)
			if err != nil {
				return err
			}
			d := list.Compare(listed, found)
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				err = enc.Encode(d)
			} else {
				err = d.WriteText(out)
			}
			if err != nil {
				return err
			}
			if !d.Empty() {
				return errCompositionDiffers
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&layer, "layer", "", "digest of the WASM layer to compare (default: the one the list names, or the only one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the differences as JSON")
	reg.add(cmd)
	return cmd
}
