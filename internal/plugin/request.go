package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// Request is one invocation of a plugin by Ratify: verify Referrer, an
// artifact attached to Subject.
type Request struct {
	// SubjectRef is RATIFY_VERIFIER_SUBJECT parsed. Ratify v1.4.6 passes the
	// reference as the user or Gatekeeper wrote it, normalised by
	// distribution/reference.ParseDockerRef (Docker Hub names completed,
	// ":latest" added, the tag dropped when a digest is also given):
	// for a tag it is "host/path:tag" only. Ratify's executor resolves the
	// tag once and lists referrers of that digest, but puts the digest into
	// the Reference's Digest field, which common.Reference.String() does not
	// print (it returns Original), so every plugin must resolve the tag
	// again. For nested verifications it is "host/path@<referrer digest>".
	SubjectRef common.Reference
	// Referrer is the descriptor Ratify listed (artifactType as the registry
	// reported it, which may be application/vnd.oci.empty.v1+json).
	Referrer ocispecs.ReferenceDescriptor
	// Registry reads manifests and blobs with bounds and digest checks.
	Registry oci.Fetcher
	Common   Common
	Log      *Logger

	// repository is the canonical spelling of SubjectRef.Path.
	repository string
	// subject is set once by ResolveSubject; the runtime reads it when the
	// verification ends, possibly while an abandoned one still runs.
	subject atomic.Pointer[ocispec.Descriptor]
}

// Repository is the subject's "host/path" in canonical form
// (oci.CanonicalRepository): the one spelling under which trust policies,
// floors and denylists are looked up. Registry reads of this repository
// still go to the registry as the subject names it (see namedRegistry).
func (r *Request) Repository() string { return r.repository }

// ResolveSubject returns the subject's manifest descriptor. A tag is resolved
// once per invocation; a digest reference is checked against the registry.
func (r *Request) ResolveSubject(ctx context.Context) (ocispec.Descriptor, error) {
	if d := r.subject.Load(); d != nil {
		return *d, nil
	}
	ref := r.SubjectRef.Original
	if r.SubjectRef.Digest != "" {
		ref = r.SubjectRef.Path + "@" + r.SubjectRef.Digest.String()
	}
	desc, err := r.Registry.Resolve(ctx, ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	r.subject.Store(&desc)
	return desc, nil
}

// resolved is the subject's descriptor if ResolveSubject succeeded.
func (r *Request) resolved() *ocispec.Descriptor {
	if r == nil {
		return nil
	}
	return r.subject.Load()
}

// namedRegistry reads the subject's repository, which verifiers name by its
// canonical spelling, from the registry the subject reference names: for
// "ghcr.io:443" the two are the same server, but canonical "docker.io"
// stands for several hosts, and the host Ratify listed referrers from is
// the one that must answer. Other repositories pass through unchanged.
type namedRegistry struct {
	oci.Fetcher
	canonical, named string
}

func (n namedRegistry) at(repository string) string {
	if repository == n.canonical {
		return n.named
	}
	return repository
}

func (n namedRegistry) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	if repo := oci.Repository(ref); repo == n.canonical {
		ref = n.named + ref[len(repo):]
	}
	return n.Fetcher.Resolve(ctx, ref)
}

func (n namedRegistry) FetchManifest(ctx context.Context, repository string, desc ocispec.Descriptor) ([]byte, error) {
	return n.Fetcher.FetchManifest(ctx, n.at(repository), desc)
}

func (n namedRegistry) FetchBlob(ctx context.Context, repository string, desc ocispec.Descriptor) ([]byte, error) {
	return n.Fetcher.FetchBlob(ctx, n.at(repository), desc)
}

// SubjectDigestRef is "host/path@sha256:…" for the resolved subject.
func (r *Request) SubjectDigestRef(ctx context.Context) (string, error) {
	d, err := r.ResolveSubject(ctx)
	if err != nil {
		return "", err
	}
	return r.Repository() + "@" + d.Digest.String(), nil
}

// Referrer is a fetched, digest-checked referrer manifest.
type Referrer struct {
	Descriptor ocispec.Descriptor
	Manifest   ocispec.Manifest
}

// ArtifactType is the manifest's artifactType, else its config media type
// (the image-spec fallback), whatever the registry's listing claimed.
func (rf *Referrer) ArtifactType() string {
	if rf.Manifest.ArtifactType != "" {
		return rf.Manifest.ArtifactType
	}
	return rf.Manifest.Config.MediaType
}

// Ref is "host/path@digest" of the referrer.
func (rf *Referrer) Ref(repository string) string {
	return repository + "@" + rf.Descriptor.Digest.String()
}

// FetchReferrer fetches the referrer manifest Ratify asked about. When the
// manifest names a subject, it must be the subject this request is about
// (a referrer listed for one artifact but attached to another is refused).
func (r *Request) FetchReferrer(ctx context.Context) (*Referrer, error) {
	desc := r.Referrer.Descriptor
	raw, err := r.Registry.FetchManifest(ctx, r.Repository(), desc)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("referrer %s@%s: manifest is not valid JSON: %w", r.Repository(), desc.Digest, err)
	}
	if m.Subject != nil {
		subject, err := r.ResolveSubject(ctx)
		if err != nil {
			return nil, err
		}
		if m.Subject.Digest != subject.Digest {
			return nil, fmt.Errorf("referrer %s@%s is attached to %s, not to the subject %s", r.Repository(), desc.Digest, m.Subject.Digest, subject.Digest)
		}
	}
	return &Referrer{Descriptor: desc, Manifest: m}, nil
}

// LoadWasmSubject loads and classifies the subject. When it is not a WASM
// artifact the error is what the plugin must return: a failure (check
// subject) by default, or with nonWasmSubjects "skip" a *failure.Skip,
// which the runtime reports as a success marked skipped (extension
// "skipped") that policies can tell from a verification.
func (r *Request) LoadWasmSubject(ctx context.Context) (*artifact.Subject, error) {
	return r.loadSubject(ctx, false)
}

// LoadSignedSubject is LoadWasmSubject for signature verifiers: it also
// accepts a ratify-wasm composition list (a referrer of a WASM artifact),
// whose signature is what makes the list trustworthy. Other verifiers must
// not use it: a list has no provenance or nested parts of its own.
func (r *Request) LoadSignedSubject(ctx context.Context) (*artifact.Subject, error) {
	return r.loadSubject(ctx, true)
}

func (r *Request) loadSubject(ctx context.Context, acceptLists bool) (*artifact.Subject, error) {
	desc, err := r.ResolveSubject(ctx)
	if err != nil {
		return nil, failure.New(failure.Subject, "cannot resolve subject %s: %w", r.SubjectRef.Original, err)
	}
	s, err := artifact.Load(ctx, r.Registry, r.Repository(), desc, artifact.Options{})
	if err == nil && s.Layout == artifact.LayoutCompositionList && !acceptLists {
		err = &artifact.NotWasmError{Ref: s.Ref, Reason: "it is a composition list"}
	}
	var notWasm *artifact.NotWasmError
	switch {
	case errors.As(err, &notWasm) && r.Common.NonWasmSubjects == NonWasmSkip:
		return nil, &failure.Skip{Reason: "not-wasm", Msg: notWasm.Error() + " (nonWasmSubjects: skip)"}
	case errors.As(err, &notWasm):
		return nil, failure.New(failure.Subject, "%w; this verifier only accepts WASM artifacts (set nonWasmSubjects: skip to skip other artifacts)", notWasm)
	case err != nil:
		return nil, failure.New(failure.Subject, "%w", err)
	}
	return s, nil
}
