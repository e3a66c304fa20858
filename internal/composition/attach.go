package composition

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
)

// Attach pushes a composition list as an OCI 1.1 referrer of subject:
// artifactType MediaType, the empty config, one layer holding raw. On a
// registry without the referrers API, oras-go's remote.Repository updates
// the sha256-<hex> referrers tag index itself. raw must decode; the caller
// checks that it describes one of subject's WASM layers.
func Attach(ctx context.Context, target oras.Target, subject ocispec.Descriptor, raw []byte) (ocispec.Descriptor, error) {
	if _, err := Decode(raw); err != nil {
		return ocispec.Descriptor{}, err
	}
	layer, err := oras.PushBytes(ctx, target, MediaType, raw)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push composition list: %w", err)
	}
	layer.Annotations = map[string]string{ocispec.AnnotationTitle: "composition.json"}
	// Refer to the subject by media type, digest and size only, as oras does.
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	desc, err := oras.PackManifest(ctx, target, oras.PackManifestVersion1_1, MediaType, oras.PackManifestOptions{
		Subject: &subj,
		Layers:  []ocispec.Descriptor{layer},
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push composition list manifest: %w", err)
	}
	return desc, nil
}
