package notation

import (
	"context"
	"fmt"
	"time"

	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	notationgo "github.com/notaryproject/notation-go"
	notationlog "github.com/notaryproject/notation-go/log"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// Plugin is the wasm-notation verifier.
var Plugin = plugin.Definition[Config]{
	Name:      "wasm-notation",
	NewConfig: NewConfig,
	Verify:    verify,
}

// maxEnvelopeBytes is notation-go's own limit on a signature blob.
const maxEnvelopeBytes = 32 << 20

// envelope is a fetched signature envelope and where it came from.
type envelope struct {
	mediaType string
	blob      []byte
	manifest  ocispec.Descriptor
}

func verify(ctx context.Context, req *plugin.Request, cfg *Config) (plugin.Report, error) {
	subject, err := req.LoadSignedSubject(ctx)
	if _, skip := err.(*failure.Skip); skip { // nonWasmSubjects: skip; nothing was verified
		return plugin.Report{Extensions: map[string]any{ExtVerificationLevel: trustpolicy.LevelSkip.Name}}, err
	}
	if err != nil {
		return plugin.Report{}, err
	}
	ref := subject.Ref
	env, err := fetchEnvelope(ctx, req)
	if err != nil {
		return plugin.Report{}, err
	}
	// notation-go picks the statement the same way; asking first gives the
	// operator the statement's name and a clear message when none applies.
	policy, err := cfg.policy.GetApplicableTrustPolicy(ref)
	if err != nil {
		return plugin.Report{}, failure.New(failure.TrustPolicy, "no trust policy statement applies to %s: its repository %s is in no statement's registryScopes (expected the repository itself or \"*\")", ref, subject.Repository)
	}
	opts, err := cfg.Revocation.verifierOptions()
	if err != nil {
		return plugin.Report{}, failure.New(failure.Config, "%w", err)
	}
	// No plugin manager: a signature that demands a notation verification
	// plugin comes out inconclusive, which is a failure.
	v, err := verifier.NewWithOptions(cfg.policy, cfg.stores, nil, opts)
	if err != nil {
		return plugin.Report{}, failure.New(failure.Config, "cannot build the notation verifier: %w", err)
	}
	ctx = notationlog.WithLogger(ctx, logAdapter{req.Log})
	startedAt := time.Now()
	outcome, err := v.Verify(ctx, subject.Descriptor, env.blob, notationgo.VerifierVerifyOptions{
		ArtifactReference:  ref,
		SignatureMediaType: env.mediaType,
		UserMetadata:       cfg.UserMetadata,
	})
	return report(reportInput{
		ref:       ref,
		subject:   subject.Descriptor,
		envelope:  env,
		policy:    policy,
		outcome:   outcome,
		err:       err,
		metadata:  cfg.UserMetadata,
		startedAt: startedAt,

		revocationHint: cfg.Revocation.hint(),
	})
}

// fetchEnvelope reads the signature manifest Ratify listed and its one
// envelope, checking the shape notation produces.
func fetchEnvelope(ctx context.Context, req *plugin.Request) (*envelope, error) {
	fail := func(check failure.Check, format string, args ...any) (*envelope, error) {
		return nil, failure.New(check, format, args...)
	}
	rf, err := req.FetchReferrer(ctx)
	if err != nil {
		return fail(failure.Referrer, "cannot read signature manifest: %w", err)
	}
	where := rf.Ref(req.Repository())
	if at := rf.ArtifactType(); at != mediatype.NotationSignature {
		return fail(failure.SignatureManifest, "%s has artifact type %q; expected a notation signature (%s); list only that type in this verifier's artifactTypes", where, at, mediatype.NotationSignature)
	}
	if rf.Manifest.Subject == nil {
		return fail(failure.SignatureManifest, "%s has no subject; a notation signature manifest names the artifact it signs", where)
	}
	if n := len(rf.Manifest.Layers); n != 1 {
		return fail(failure.SignatureManifest, "%s has %d layers; expected exactly one signature envelope", where, n)
	}
	layer := rf.Manifest.Layers[0]
	if layer.MediaType != jws.MediaTypeEnvelope && layer.MediaType != cose.MediaTypeEnvelope {
		return fail(failure.SignatureManifest, "%s: envelope media type %q is not %s (JWS) or %s (COSE)", where, layer.MediaType, jws.MediaTypeEnvelope, cose.MediaTypeEnvelope)
	}
	if layer.Size > maxEnvelopeBytes {
		return fail(failure.SignatureManifest, "%s: envelope %s declares %d bytes; notation allows at most %d", where, layer.Digest, layer.Size, maxEnvelopeBytes)
	}
	blob, err := req.Registry.FetchBlob(ctx, req.Repository(), layer)
	if err != nil {
		return fail(failure.Referrer, "cannot read signature envelope of %s: %w", where, err)
	}
	return &envelope{mediaType: layer.MediaType, blob: blob, manifest: rf.Descriptor}, nil
}

// describe names a signature for messages.
func (e *envelope) describe(ref string) string {
	return fmt.Sprintf("notation signature %s of %s", e.manifest.Digest, ref)
}
