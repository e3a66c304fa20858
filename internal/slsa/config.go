package slsa

import (
	"errors"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/policy"
)

// Config is the plugin's part of a verifier entry (Ratify's keys and the
// runtime's common keys are handled by plugin.DecodeConfig). The provenance
// policy keys (builderIds, buildTypes, sourceUri, sourceRef,
// sourceVersionedTag, sourceCommit) are policy.Config's.
type Config struct {
	policy.Config

	// TrustPolicies say whose signatures on provenance are trusted for which
	// subjects (keys, keyless identities with an offline trusted root);
	// shared with wasm-cosign.
	TrustPolicies []sigverify.TrustPolicy `json:"trustPolicies"`
	// SubjectDigest says which digest the statement subject must name:
	// "either" (default), "manifest" or "wasmLayer".
	SubjectDigest string `json:"subjectDigest,omitempty"`
	// AttestationTagFor lists referrer artifact types for which the plugin
	// verifies the subject's cosign sha256-<hex>.att tag instead of the
	// referrer itself (Ratify never lists .att tags). Default: cosign's
	// signature type, which Ratify lists for .sig tags (cosignEnabled).
	AttestationTagFor []string `json:"attestationTagFor"`
	// NonProvenance is what a referrer holding only other attestations
	// (e.g. a cosign v3 signature bundle) gets: "fail" (default) or "skip"
	// (a pass marked skipped, for configurations that route all bundles to
	// this verifier).
	NonProvenance string `json:"nonProvenance,omitempty"`

	policy   *policy.Policy
	policies sigverify.Policies
}

// Values of SubjectDigest and NonProvenance.
const (
	SubjectEither    = "either"
	SubjectManifest  = "manifest"
	SubjectWasmLayer = "wasmLayer"

	NonProvenanceFail = "fail"
	NonProvenanceSkip = "skip"
)

// NewConfig returns the defaults.
func NewConfig() *Config {
	return &Config{
		SubjectDigest:     SubjectEither,
		AttestationTagFor: []string{mediatype.CosignSignature},
		NonProvenance:     NonProvenanceFail,
	}
}

// Validate compiles the provenance policy and the trust policies (reading
// key files and trusted roots); every error names the key at fault.
func (c *Config) Validate() error {
	if err := failure.OneOf("subjectDigest", c.SubjectDigest, SubjectEither, SubjectManifest, SubjectWasmLayer); err != nil {
		return err
	}
	if err := failure.OneOf("nonProvenance", c.NonProvenance, NonProvenanceFail, NonProvenanceSkip); err != nil {
		return err
	}
	for _, at := range c.AttestationTagFor {
		if at == "" {
			return &failure.ConfigError{Key: "attestationTagFor", Reason: "contains an empty artifact type"}
		}
	}
	pol, err := policy.New(c.Config)
	if err != nil {
		return err
	}
	ps, err := sigverify.CompilePolicies("trustPolicies", c.TrustPolicies)
	if err != nil {
		var ce *failure.ConfigError
		if errors.As(err, &ce) {
			return ce
		}
		return &failure.ConfigError{Key: "trustPolicies", Reason: err.Error()}
	}
	c.policy, c.policies = pol, ps
	return nil
}
