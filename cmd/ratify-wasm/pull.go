package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/pull"
)

func newPullCmd() *cobra.Command {
	var configPath, dir string
	cmd := &cobra.Command{
		Use:   "pull REFERENCE -o DIR",
		Short: "Verify a WASM artifact as verify does, then write its WASM layers, fetched by the verified digest, to DIR",
		Long: `pull verifies REFERENCE as verify does and, only if the policy admits it, fetches every
WASM layer by the digest that was verified, checks its size and digest, and writes it
atomically as DIR/sha256-<hex>.wasm, with DIR/sha256-<manifest hex>.verified.json recording
what was verified (package admitted reads it). It prints each file and its digest. On any
failure it exits non-zero with one line saying why, and writes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := loadRatify(configPath)
			if err != nil {
				return err
			}
			verified, err := v.Verify(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			res, err := pull.Write(cmd.Context(), v.Registry, verified, dir, time.Now())
			if err != nil {
				return err
			}
			for i, f := range res.Files {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", f, res.Record.Layers[i].Digest)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", res.RecordPath, res.Record.ManifestDigest)
			return nil
		},
	}
	cmd.Flags().StringVarP(&configPath, "config", "c", "", "Ratify config.json (default: Ratify's, $RATIFY_CONFIG/config.json or ~/.ratify/config.json)")
	cmd.Flags().StringVarP(&dir, "output", "o", "", "directory to write the layers and the record into (created if missing)")
	cmd.MarkFlagRequired("output")
	return cmd
}
