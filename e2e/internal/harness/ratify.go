package harness

import (
	"os"
	"path/filepath"
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
	return newRatify(t.Path("ratify"), t.Plugins, dir, cfg)
}

// NewRatifyBuiltin is NewRatify for bin/ratify-builtin, Ratify with the
// four verifiers built in, and an empty plugin directory: a verification
// that passes there ran in process.
func NewRatifyBuiltin(t *Tools, dir string, cfg RatifyConfig) (*ratifytest.Env, error) {
	empty := filepath.Join(dir, "no-plugins")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		return nil, err
	}
	return newRatify(t.Path("ratify-builtin"), empty, dir, cfg)
}

func newRatify(ratify, plugins, dir string, cfg RatifyConfig) (*ratifytest.Env, error) {
	return ratifytest.WriteEnv(dir, ratify, plugins, ratifytest.Config{
		Verifiers:     cfg.Verifiers,
		Policy:        map[string]any{"name": "regoPolicy", "policy": cfg.Policy, "passthroughEnabled": false},
		CosignEnabled: true,
		Timeout:       cfg.Timeout,
	})
}
