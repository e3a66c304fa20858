package list

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
)

// maxReferrerManifest bounds the referrer manifests Attach reads while it
// looks for a list already attached.
const maxReferrerManifest = 4 << 20

// ErrCleanup is wrapped by Attach's error when the list was attached but
// the clean-up after it failed: a registry that refuses to delete the
// superseded referrers tag index, as distribution does by default. The
// descriptor Attach returns with it is valid; like oras and notation,
// callers report it as a warning.
var ErrCleanup = errors.New("attached, but removing the superseded referrers tag index failed")

// Attach pushes a composition list as an OCI 1.1 referrer of subject:
// artifactType mediatype.CompositionList, the empty config, one layer
// holding raw. On a registry without the referrers API, oras-go's
// remote.Repository updates the sha256-<hex> referrers tag index itself. raw must decode; the caller
// checks that it describes one of subject's WASM layers. A list the subject
// already has is not pushed again: its referrer is returned.
func Attach(ctx context.Context, target oras.GraphTarget, subject ocispec.Descriptor, raw []byte) (ocispec.Descriptor, error) {
	if _, err := Decode(raw); err != nil {
		return ocispec.Descriptor{}, err
	}
	// Refer to the subject by media type, digest and size only, as oras does.
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	if d, ok, err := findAttached(ctx, target, subj, digest.FromBytes(raw)); err != nil {
		return ocispec.Descriptor{}, err
	} else if ok {
		return d, nil
	}
	layer, err := oras.PushBytes(ctx, target, mediatype.CompositionList, raw)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push composition list: %w", err)
	}
	layer.Annotations = map[string]string{ocispec.AnnotationTitle: "composition.json"}
	if err := pushIfAbsent(ctx, target, ocispec.DescriptorEmptyJSON, ocispec.DescriptorEmptyJSON.Data); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push composition list config: %w", err)
	}
	// Pack in memory, then push the manifest bytes ourselves: the
	// descriptor must be known even when the push reports a failed clean-up.
	mem := memory.New()
	desc, err := oras.PackManifest(ctx, mem, oras.PackManifestVersion1_1, mediatype.CompositionList, oras.PackManifestOptions{
		Subject: &subj,
		Layers:  []ocispec.Descriptor{layer},
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("pack composition list manifest: %w", err)
	}
	manifest, err := content.FetchAll(ctx, mem, desc)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	err = target.Push(ctx, desc, bytes.NewReader(manifest))
	var re *remote.ReferrersError
	switch {
	case err == nil:
		return desc, nil
	case errors.As(err, &re) && re.IsReferrersIndexDelete():
		return desc, fmt.Errorf("%w: %w", ErrCleanup, err)
	default:
		return ocispec.Descriptor{}, fmt.Errorf("push composition list manifest: %w", err)
	}
}

// findAttached returns subject's composition referrer whose one layer is
// the list with digest list, if there is one.
func findAttached(ctx context.Context, target oras.GraphTarget, subject ocispec.Descriptor, list digest.Digest) (ocispec.Descriptor, bool, error) {
	refs, err := registry.Referrers(ctx, target, subject, mediatype.CompositionList)
	if err != nil {
		return ocispec.Descriptor{}, false, fmt.Errorf("list the composition lists already attached to %s: %w", subject.Digest, err)
	}
	for _, r := range refs {
		if r.Size > maxReferrerManifest {
			continue
		}
		raw, err := content.FetchAll(ctx, target, r)
		if err != nil {
			return ocispec.Descriptor{}, false, fmt.Errorf("read composition referrer %s: %w", r.Digest, err)
		}
		var m ocispec.Manifest
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		if len(m.Layers) == 1 && m.Layers[0].Digest == list && m.Subject != nil && m.Subject.Digest == subject.Digest {
			return r, true, nil
		}
	}
	return ocispec.Descriptor{}, false, nil
}

// pushIfAbsent pushes a small blob unless the target has it.
func pushIfAbsent(ctx context.Context, target content.Storage, desc ocispec.Descriptor, data []byte) error {
	err := target.Push(ctx, desc, bytes.NewReader(data))
	if errors.Is(err, errdef.ErrAlreadyExists) {
		return nil
	}
	return err
}
