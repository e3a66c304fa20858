package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// errCompositionDiffers makes `composition diff` exit non-zero, like diff(1).
var errCompositionDiffers = errors.New("the composition list and the binary differ")

// compRegistryFlags reach registries the way the oras CLI does: docker
// credentials, HTTPS unless --plain-http.
type compRegistryFlags struct {
	plainHTTP bool
}

func (f *compRegistryFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.plainHTTP, "plain-http", false, "talk plain HTTP to the registry (for local test registries)")
}

func (f *compRegistryFlags) credential() (auth.CredentialFunc, error) {
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("docker credentials: %w", err)
	}
	return credentials.Credential(store), nil
}

func (f *compRegistryFlags) fetcher() (*oci.Client, error) {
	cred, err := f.credential()
	if err != nil {
		return nil, err
	}
	return oci.New(oci.Options{PlainHTTP: f.plainHTTP, Credential: cred}), nil
}

func (f *compRegistryFlags) repository(name string) (*remote.Repository, error) {
	cred, err := f.credential()
	if err != nil {
		return nil, err
	}
	repo, err := remote.NewRepository(name)
	if err != nil {
		return nil, err
	}
	repo.PlainHTTP = f.plainHTTP
	repo.Client = &auth.Client{Client: retry.DefaultClient, Cache: auth.NewCache(), Credential: cred}
	return repo, nil
}

// loadArtifact resolves ref and loads it as a WASM artifact.
func (f *compRegistryFlags) loadArtifact(ctx context.Context, ref string) (*artifact.Subject, *oci.Client, error) {
	client, err := f.fetcher()
	if err != nil {
		return nil, nil, err
	}
	parsed, err := registry.ParseReference(ref)
	if err != nil {
		return nil, nil, fmt.Errorf("%q is neither a file nor a registry reference: %w", ref, err)
	}
	desc, err := client.Resolve(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	s, err := artifact.Load(ctx, client, parsed.Registry+"/"+parsed.Repository, desc, artifact.Options{})
	if err != nil {
		return nil, nil, err
	}
	return s, client, nil
}

// compBinary reads a WASM binary from a file or from a WASM layer of an
// artifact in a registry (see compPickLayer) and returns its composition list.
func compBinary(ctx context.Context, source string, pick compLayerChoice, reg *compRegistryFlags) (*composition.List, error) {
	var (
		b   []byte
		err error
	)
	if st, serr := os.Stat(source); serr == nil && st.Mode().IsRegular() {
		b, err = compReadFile(source, wasm.DefaultLimits().MaxInputSize)
	} else {
		b, err = reg.fetchWasm(ctx, source, pick)
	}
	if err != nil {
		return nil, err
	}
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return composition.FromBinary(bin, composition.ThisGenerator()), nil
}

func (f *compRegistryFlags) fetchWasm(ctx context.Context, ref string, pick compLayerChoice) ([]byte, error) {
	s, client, err := f.loadArtifact(ctx, ref)
	if err != nil {
		return nil, err
	}
	i, err := compPickLayer(s, pick)
	if err != nil {
		return nil, err
	}
	return s.FetchWasm(ctx, client, i)
}

// compLayerChoice selects a WASM layer: the one with Digest, or, when
// Digest is empty or OrOnly is set and Digest is absent, the only one.
type compLayerChoice struct {
	Digest string
	OrOnly bool
}

func compPickLayer(s *artifact.Subject, pick compLayerChoice) (int, error) {
	var digests []string
	for i, l := range s.WasmLayers {
		if l.Digest.String() == pick.Digest {
			return i, nil
		}
		digests = append(digests, l.Digest.String())
	}
	if (pick.Digest == "" || pick.OrOnly) && len(s.WasmLayers) == 1 {
		return 0, nil
	}
	if pick.Digest == "" {
		return 0, fmt.Errorf("%s has %d WASM layers; choose one with --layer (%s)", s.Ref, len(s.WasmLayers), strings.Join(digests, ", "))
	}
	return 0, fmt.Errorf("%s has no WASM layer %s (it has %s)", s.Ref, pick.Digest, strings.Join(digests, ", "))
}

// compReadFile reads at most limit bytes of path.
func compReadFile(path string, limit int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

func compReadList(path string) (*composition.List, []byte, error) {
	raw, err := compReadFile(path, composition.MaxListBytes)
	if err != nil {
		return nil, nil, err
	}
	l, err := composition.Decode(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, raw, nil
}

func newCompositionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "composition",
		Short: "Create, attach and compare composition lists of WebAssembly components",
		Long: `A composition list (` + composition.MediaType + `) records the digest of a
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
		reg    compRegistryFlags
		output string
		layer  string
	)
	cmd := &cobra.Command{
		Use:          "create FILE|REFERENCE",
		SilenceUsage: true,
		Short:        "Write the composition list of a WASM binary (a file, or the WASM layer of an artifact)",
		Args:         cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := compBinary(cmd.Context(), args[0], compLayerChoice{Digest: layer}, &reg)
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
	var reg compRegistryFlags
	cmd := &cobra.Command{
		Use:          "attach REFERENCE LIST",
		SilenceUsage: true,
		Short:        "Push a composition list as an OCI referrer of the artifact it describes",
		Long: `Pushes LIST as a referrer of REFERENCE (artifact type ` + composition.MediaType + `).
The list must describe one of the artifact's WASM layers. Registries without
the referrers API get the referrers tag index (sha256-<hex>) instead.`,
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
			if _, err := compPickLayer(s, compLayerChoice{Digest: l.Layer.Digest}); err != nil {
				return fmt.Errorf("%s does not describe %s: %w", args[1], args[0], err)
			}
			repo, err := reg.repository(s.Repository)
			if err != nil {
				return err
			}
			desc, err := composition.Attach(ctx, repo, s.Descriptor, raw)
			if err != nil {
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
		reg    compRegistryFlags
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
			pick := compLayerChoice{Digest: layer}
			if layer == "" {
				pick = compLayerChoice{Digest: listed.Layer.Digest, OrOnly: true}
			}
			found, err := compBinary(cmd.Context(), args[1], pick, &reg)
			if err != nil {
				return err
			}
			d := composition.Compare(listed, found)
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
