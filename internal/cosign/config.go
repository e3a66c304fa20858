package cosign

import (
	"errors"
	"fmt"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
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

	policies sigverify.Policies
}

// Layer rules.
const (
	LayersAny = "any"
	LayersAll = "all"
)

// NewConfig returns the defaults.
func NewConfig() *Config { return &Config{Layers: LayersAny} }

// Validate compiles the trust policies (reading key files and trusted
// roots); every error names the configuration key at fault.
func (c *Config) Validate() error {
	if c.Layers != LayersAny && c.Layers != LayersAll {
		return &plugin.ConfigError{Key: "layers", Reason: fmt.Sprintf("is %q; expected \"any\" or \"all\"", c.Layers)}
	}
	ps, err := sigverify.CompilePolicies("trustPolicies", c.TrustPolicies)
	var ce *plugin.ConfigError
	if err != nil && !errors.As(err, &ce) {
		return &plugin.ConfigError{Key: "trustPolicies", Reason: err.Error()}
	}
	if err != nil {
		return err
	}
	c.policies = ps
	return nil
}
