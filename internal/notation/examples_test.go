package notation_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// TestExampleConfig runs plugins/wasm-notation/examples/config.json (the
// README's worked example, placeholders from docstest.Placeholders) with the
// real `ratify verify` on an artifact signed by the real notation CLI as the
// README signs it, then examples/policy.rego as the regoPolicy over the
// example's verifier entry. Its store has useHttp: the example's registry is
// a plain-HTTP local one, as here.
func TestExampleConfig(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		cli := testCertCLI(t)
		raw := docstest.Load(t, "plugins/wasm-notation/examples/config.json", map[string]string{
			"/opt/ratify-wasm/plugins":                   ratifytest.PluginDir(t, "wasm-notation"),
			"/etc/ratify-wasm/notation/wasm.example.crt": cli.testCertPath(),
			"/var/cache/ratify-wasm/crl":                 t.TempDir(),
		})
		env := ratifytest.NewEnvFile(t, raw)
		good := pushWasm(t, r, "wasm/hello")
		cli.sign(t, r, "wasm/hello", good, "-m", "buildId=42")
		rep := env.Verify(t, r.Ref("wasm/hello", "v1"))
		if !rep.IsSuccess {
			t.Fatalf("want success\n%s\n%s", rep.Raw, rep.Stderr)
		}
		if v := rep.One(t, "wasm-notation"); v.Extensions["verificationLevel"] != "strict" || v.Extensions["trustPolicy"] != "wasm-policy" {
			t.Errorf("report %+v", v)
		}
		other := pushWasm(t, r, "wasm/other-build")
		cli.sign(t, r, "wasm/other-build", other, "-m", "buildId=43")
		rep = env.Verify(t, r.Ref("wasm/other-build", "v1"))
		if v := rep.One(t, "wasm-notation"); rep.IsSuccess || v.Extensions[plugin.ExtFailedCheck] != "userMetadata" {
			t.Errorf("buildId 43: want a userMetadata failure\n%s", rep.Raw)
		}

		var doc struct {
			Verifier struct {
				Plugins []map[string]any `json:"plugins"`
			} `json:"verifier"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		policy := filepath.Join(testenv.RepoRoot(t), "plugins/wasm-notation/examples/policy.rego")
		cfg := ratifytest.Config{Policy: ratifytest.RegoPolicy(policy), Verifiers: doc.Verifier.Plugins}
		if rep := ratifytest.Verify(t, cfg, r.Ref("wasm/hello", "v1")); !rep.IsSuccess {
			t.Errorf("policy.rego: want success\n%s", rep.Raw)
		}
		if rep := ratifytest.Verify(t, cfg, r.Ref("wasm/other-build", "v1")); rep.IsSuccess {
			t.Errorf("policy.rego, buildId 43: want failure\n%s", rep.Raw)
		}
	})
}
