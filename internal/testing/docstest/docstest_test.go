package docstest

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSubstitute: a placeholder outside the table, one the file does not
// contain, and one left in the file are errors; values are JSON-escaped in
// JSON files, so a PEM with newlines stays valid JSON.
func TestSubstitute(t *testing.T) {
	const pemPlaceholder = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…\n-----END PUBLIC KEY-----\n"
	doc := `{"keys": [{"file": "/etc/ratify-wasm/cosign.pub"}, {"pem": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…\n-----END PUBLIC KEY-----\n"}]}`
	out, err := substitute("x.json", doc, map[string]string{
		"/etc/ratify-wasm/cosign.pub": "/tmp/k.pub",
		pemPlaceholder:                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if v.Keys[0]["file"] != "/tmp/k.pub" || v.Keys[1]["pem"] != "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n" {
		t.Errorf("substituted: %s", out)
	}

	for _, c := range []struct {
		name   string
		values map[string]string
		want   string
	}{
		{"not in the table", map[string]string{"/etc/ratify-wasm/cosign.pub": "a", pemPlaceholder: "b", "/etc/other": "c"}, "not in the placeholder table"},
		{"stale", map[string]string{"/etc/ratify-wasm/cosign.pub": "a", pemPlaceholder: "b", "/opt/ratify-wasm/plugins": "c"}, "does not occur"},
		{"left", map[string]string{"/etc/ratify-wasm/cosign.pub": "a"}, "left unsubstituted"},
	} {
		if _, err := substitute("x.json", doc, c.values); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
