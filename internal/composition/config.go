package composition

import (
	"fmt"
	"path/filepath"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/capability"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/policy"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

// Config is the wasm-composition verifier entry (besides the keys every
// plugin accepts, see plugin.Common). Capability rules are flat keys:
// allowImports, denyImports, allowHostCodeImports, requireExports.
type Config struct {
	// AllowlistPath is an absolute path to a central allowlist of
	// known-good part digests (schema/allowlist.v1.schema.json, package
	// allowlist).
	AllowlistPath string `json:"allowlistPath,omitempty"`
	// TrustListParts counts the composition list's own parts as known
	// (default true). With false only allowlisted parts pass.
	TrustListParts bool `json:"trustListParts"`
	capability.Rules

	policy *policy.Policy
}

// NewConfig returns the defaults.
func NewConfig() *Config { return &Config{TrustListParts: true} }

// Validate parses the capability rules and loads the allowlist once, so a
// bad entry is reported as a configuration error naming its key.
func (c *Config) Validate() error {
	caps, err := capability.NewPolicy(c.Rules)
	if err != nil {
		return err
	}
	p := &policy.Policy{TrustListParts: c.TrustListParts, Capabilities: caps}
	switch {
	case c.AllowlistPath != "" && !filepath.IsAbs(c.AllowlistPath):
		return &failure.ConfigError{Key: "allowlistPath", Reason: fmt.Sprintf("is %q; expected an absolute path (Ratify's working directory is not defined)", c.AllowlistPath)}
	case c.AllowlistPath != "":
		if p.Allowlist, err = allowlist.Load(c.AllowlistPath); err != nil {
			return &failure.ConfigError{Key: "allowlistPath", Reason: fmt.Sprintf("cannot be used: %v", err)}
		}
	case !c.TrustListParts:
		return &failure.ConfigError{Key: "trustListParts", Reason: "is false but no allowlistPath is set, so no nested part could ever be known-good"}
	}
	c.policy = p
	return nil
}
