package reliability_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// configCase is a bad verifier entry: extra keys over a passing entry.
type configCase struct {
	name, plugin, desc string
	extra              map[string]any
	key                string // the key the message must name
}

var configCases = []configCase{
	{"unknown-key", "wasm-cosign", "a misspelt key (trustPolicy)", map[string]any{"trustPolicy": []any{}}, "trustPolicy"},
	{"timeout-number", "wasm-notation", `"timeout": 5 (a number, not a duration)`, map[string]any{"timeout": 5}, "timeout"},
	{"negative-limit", "wasm-composition", `"maxBlobBytes": -1`, map[string]any{"maxBlobBytes": -1}, "maxBlobBytes"},
	{"missing-key-file", "wasm-slsa", "a trusted key file that does not exist", map[string]any{"trustPolicies": keyTrust("/nonexistent/cosign.pub")}, `trustPolicies\[0\]\.keys\[0\]\.file`},
	{"relative-allowlist", "wasm-composition", "a relative allowlistPath", map[string]any{"allowlistPath": "allow.json"}, "allowlistPath"},
	{"bad-trust-policy", "wasm-notation", "a trust policy document of version 9", map[string]any{"trustPolicyDoc": map[string]any{"version": "9", "trustPolicies": []any{}}}, "trustPolicyDoc"},
	{"deep-value", "wasm-cosign", "a key whose value nests 5,000 lists", map[string]any{"layers": deepList(5000)}, "layers"},
}

func deepList(n int) any {
	var v any = []any{}
	for range n {
		v = []any{v}
	}
	return v
}

// TestHostileConfigs runs each bad entry through `ratify verify`: the plugin
// must refuse it with a message naming the key.
func TestHostileConfigs(t *testing.T) {
	t.Parallel()
	reg := registrytest.StartReferrers(t)
	w := newWorld(t, reg)
	for _, c := range configCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := w.plugin(c.plugin)
			entry := p.withEntry(c.extra)
			env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{entry}})
			start := time.Now()
			rep := env.Verify(t, w.ref(reg.Host, p))
			elapsed := time.Since(start)
			got := rep.One(t, p.name)
			checkDenied(t, rep, got, regexp.MustCompile(`^config: .*`+c.key), elapsed, ratifyDeadline+ratifyOverhead)
			recorder.Add(reliability.Outcome{Section: "config", Case: "config/" + c.name, Plugin: p.name, Registry: reg.Name,
				Input: c.desc + " (" + p.name + ")", Denied: !got.IsSuccess && !rep.IsSuccess, Check: failedCheck(got.Extensions),
				Message: got.Message, Elapsed: elapsed})
		})
	}
}

func configCaseIDs() []string {
	var out []string
	for _, c := range configCases {
		out = append(out, "config/"+c.name)
	}
	return out
}
