package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/bounded"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// readWasm reads a WASM binary from a file, or else from the WASM layer pick
// selects of the artifact a registry reference names (digest- and
// size-checked). inspect and composition share it.
func readWasm(ctx context.Context, source string, pick layerChoice, reg *registryFlags) ([]byte, error) {
	if st, err := os.Stat(source); err == nil && st.Mode().IsRegular() {
		return bounded.ReadFile(source, wasm.DefaultLimits().MaxInputSize)
	}
	return reg.fetchWasm(ctx, source, pick)
}

// registryFlags reach registries the way the oras CLI does: docker
// credentials, HTTPS unless --plain-http.
type registryFlags struct {
	plainHTTP bool
}

func (f *registryFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.plainHTTP, "plain-http", false, "talk plain HTTP to the registry (for local test registries)")
}

func (f *registryFlags) credential() (auth.CredentialFunc, error) {
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("docker credentials: %w", err)
	}
	return credentials.Credential(store), nil
}

func (f *registryFlags) fetcher() (*oci.Client, error) {
	cred, err := f.credential()
	if err != nil {
		return nil, err
	}
	return oci.New(oci.Options{PlainHTTP: f.plainHTTP, Credential: cred}), nil
}

func (f *registryFlags) repository(name string) (*remote.Repository, error) {
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
func (f *registryFlags) loadArtifact(ctx context.Context, ref string) (*artifact.Subject, *oci.Client, error) {
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

func (f *registryFlags) fetchWasm(ctx context.Context, ref string, pick layerChoice) ([]byte, error) {
	s, client, err := f.loadArtifact(ctx, ref)
	if err != nil {
		return nil, err
	}
	i, err := pickLayer(s, pick)
	if err != nil {
		return nil, err
	}
	return s.FetchWasm(ctx, client, i)
}

// layerChoice selects a WASM layer: the one with Digest, or, when
// Digest is empty or OrOnly is set and Digest is absent, the only one.
type layerChoice struct {
	Digest string
	OrOnly bool
}

func pickLayer(s *artifact.Subject, pick layerChoice) (int, error) {
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
