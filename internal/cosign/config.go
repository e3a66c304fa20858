package cosign

import (
	"errors"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
)

// Config is the plugin's part of a verifier entry (Ratify's keys and the
// runtime's common keys are handled by plugin.DecodeConfig).
type Config struct {
	// TrustPolicies say whom to trust for which subjects; the key is the
	// one Ratify's built-in cosign verifier uses.
	TrustPolicies []sigverify.TrustPolicy `json:"trustPolicies"`
	// Layers decides how the signature layers of one legacy signature
	// manifest combine: "any" (default, as cosign: one verified signature
	// suffices) or "all" (every layer must verify).
	Layers string `json:"layers,omitempty"`
	// NonSignature decides what happens to a sigstore bundle whose statement
	// is not a cosign signature (provenance, SBOMs: cosign v3 `attest` and
	// GitHub attestations share the bundle artifact type): "fail" (default)
	// or "skip", an explicit skip that policies do not count as a signature.
	NonSignature string `json:"nonSignature,omitempty"`

	policies sigverify.Policies
}

// Layer rules.
const (
	LayersAny = "any"
	LayersAll = "all"
)

// NonSignature rules.
const (
	NonSignatureFail = "fail"
	NonSignatureSkip = "skip"
)

// NewConfig returns the defaults.
func NewConfig() *Config { return &Config{Layers: LayersAny, NonSignature: NonSignatureFail} }

// Validate compiles the trust policies (reading key files and trusted
// roots); every error names the configuration key at fault.
func (c *Config) Validate() error {
	if err := failure.OneOf("layers", c.Layers, LayersAny, LayersAll); err != nil {
		return err
	}
	if err := failure.OneOf("nonSignature", c.NonSignature, NonSignatureFail, NonSignatureSkip); err != nil {
		return err
	}
	ps, err := sigverify.CompilePolicies("trustPolicies", c.TrustPolicies)
	var ce *failure.ConfigError
	if err != nil && !errors.As(err, &ce) {
		return &failure.ConfigError{Key: "trustPolicies", Reason: err.Error()}
	}
	if err != nil {
		return err
	}
	c.policies = ps
	return nil
}
