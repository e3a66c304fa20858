package harness

import (
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
)

// RatifyConfig is what varies in Ratify's config.json here.
type RatifyConfig struct {
	// Verifiers are verifier entries exactly as in config.json.
	Verifiers []map[string]any
	// Policy is the Rego text of the regoPolicy provider (inline).
	Policy string
	// Timeout is Ratify's verificationRequestTimeout.
	Timeout time.Duration
}

// NewRatify writes a Ratify home with config.json for cfg into dir
// (ratifytest's config: the oras store over plain HTTP, here with cosign
// tags listed, the built plugins, and the regoPolicy provider with
// cfg.Policy inline). Its TryVerify runs `ratify verify`, its Serve
// `ratify serve`.
func NewRatify(t *Tools, dir string, cfg RatifyConfig) (*ratifytest.Env, error) {
	return ratifytest.WriteEnv(dir, t.Path("ratify"), t.Plugins, ratifytest.Config{
		Verifiers:     cfg.Verifiers,
		Policy:        map[string]any{"name": "regoPolicy", "policy": cfg.Policy, "passthroughEnabled": false},
		CosignEnabled: true,
		Timeout:       cfg.Timeout,
	})
}
