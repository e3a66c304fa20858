package reliability_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// TestNoSecretsInLogs (not parallel: it sets DOCKER_CONFIG) runs failing verifications against a registry that
// requires a password, with debug logging, and with private key material
// put where public keys belong; neither the password nor the key may
// appear in the report or in any log line of Ratify and the plugin.
func TestNoSecretsInLogs(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	w := newWorld(t, reg, "wasm-cosign")
	p := w.plugin("wasm-cosign")
	const user, password = "alice", "pw-7Hq2-not-for-logs"
	keyPEM, err := os.ReadFile(w.keys.key)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"password":             password,
		"basic auth":           base64.StdEncoding.EncodeToString([]byte(user + ":" + password)),
		"private key (a line)": privateKeyLine(t, keyPEM),
	}
	otherKey := newCosignKeys(t)
	cases := []struct {
		name, desc string
		extra      map[string]any
		fault      faultproxy.Fault
	}{
		{"wrong-key", "registry password configured; signature by another key; logLevel debug", map[string]any{"trustPolicies": keyTrust(otherKey.pub)}, nil},
		{"registry-error", "registry password configured; HTTP 503 on the signature blob; logLevel debug", nil, faultproxy.Status(503)},
		{"private-key-file", "the signer's private key file given as a trusted public key", map[string]any{"trustPolicies": []map[string]any{{"name": "k", "scopes": []string{"*"}, "keys": []map[string]any{{"file": w.keys.key}}}}}, nil},
		{"private-key-inline", "the signer's private key PEM inlined as a trusted public key", map[string]any{"trustPolicies": []map[string]any{{"name": "k", "scopes": []string{"*"}, "keys": []map[string]any{{"pem": string(keyPEM)}}}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			px := faultproxy.Start(t, reg.Host)
			px.RequireBasicAuth(user, password)
			if c.fault != nil {
				px.Inject(w.object(p, objReferrerLayer), c.fault)
			}
			entry := p.withEntry(map[string]any{"logLevel": "debug", "timeout": ratifyDeadline.String()})
			for k, v := range c.extra {
				entry[k] = v
			}
			env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{entry}})
			docker := filepath.Join(env.Dir, "home", ".docker")
			if err := os.MkdirAll(docker, 0o700); err != nil {
				t.Fatal(err)
			}
			auth := `{"auths":{"` + px.Host + `":{"auth":"` + secrets["basic auth"] + `"}}}`
			if err := os.WriteFile(filepath.Join(docker, "config.json"), []byte(auth), 0o600); err != nil {
				t.Fatal(err)
			}
			// The in-process run reads the same docker config.
			t.Setenv("DOCKER_CONFIG", docker)
			start := time.Now()
			rep := env.Verify(t, w.ref(px.Host, p))
			elapsed := time.Since(start)
			got := rep.One(t, p.name)
			if rep.IsSuccess || got.IsSuccess {
				t.Fatalf("accepted: %s", got.Message)
			}
			// The credentials were in play: Ratify and the plugin both
			// read through the password-protected proxy.
			var ratifyOK, pluginOK bool
			for _, e := range px.Log() {
				if e.Status == 200 && e.Call.Kind != faultproxy.Ping {
					ratifyOK = ratifyOK || e.Call.Client == faultproxy.Ratify
					pluginOK = pluginOK || e.Call.Client == faultproxy.Plugin
				}
			}
			if !ratifyOK || (!pluginOK && !strings.HasPrefix(got.Message, "config: ")) {
				t.Fatalf("credentials not used (ratify %t, plugin %t):\n%s", ratifyOK, pluginOK, px.LogString())
			}
			everything := string(rep.Raw) + "\n" + rep.Stderr
			for what, s := range secrets {
				if strings.Contains(everything, s) {
					t.Errorf("the %s appears in the output:\n%s", what, everything)
				}
			}
			if c.extra == nil {
				// Ratify shows the plugin's debug lines only at its own
				// debug level: read them from the plugin run in process.
				res := p.run(t, w.ref(px.Host, p), p.referrer, entry)
				if res.IsSuccess || !strings.Contains(res.Stderr, "debug: ") {
					t.Fatalf("in process: want a failure with debug lines, got %t:\n%s", res.IsSuccess, res.Stderr)
				}
				for what, s := range secrets {
					if strings.Contains(res.Stderr+res.Message, s) {
						t.Errorf("the %s appears in the plugin's stderr:\n%s", what, res.Stderr)
					}
				}
			}
			recorder.Add(reliability.Outcome{Section: "secrets", Case: "secrets/" + c.name, Plugin: p.name, Registry: reg.Name,
				Input: c.desc + "; searched the report and all logs for the password, the basic-auth header and the key", Denied: true,
				Check: failedCheck(got.Extensions), Message: got.Message, Elapsed: elapsed})
		})
	}
}

// privateKeyLine is a full base64 line from the middle of a PEM block.
func privateKeyLine(t *testing.T, pem []byte) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(pem)), "\n")
	if len(lines) < 4 {
		t.Fatalf("unexpected key file:\n%s", pem)
	}
	return lines[len(lines)/2]
}

var secretsCaseIDs = []string{"secrets/wrong-key", "secrets/registry-error", "secrets/private-key-file", "secrets/private-key-inline"}
