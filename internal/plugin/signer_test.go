package plugin_test

import (
	"reflect"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

func TestSignerExtension(t *testing.T) {
	idx := int64(0)
	for _, tc := range []struct {
		name string
		in   plugin.Signer
		want map[string]any
	}{
		{"key", plugin.Signer{Summary: "key sha256:aa", TrustPolicy: "release", KeyID: "sha256:aa", Identity: "ignored", Issuer: "ignored"},
			map[string]any{"summary": "key sha256:aa", "trustPolicy": "release", "keyId": "sha256:aa"}},
		{"key, unlogged", plugin.Signer{Summary: "key sha256:aa", TrustPolicy: "release", KeyID: "sha256:aa", Unlogged: true},
			map[string]any{"summary": "key sha256:aa", "trustPolicy": "release", "keyId": "sha256:aa", "unlogged": true}},
		{"keyless", plugin.Signer{Summary: "a@example.com (issuer https://issuer)", TrustPolicy: "ci", Identity: "a@example.com", Issuer: "https://issuer",
			Certificate: map[string]any{"issuer": "https://issuer"}, RekorLogIndex: &idx},
			map[string]any{"summary": "a@example.com (issuer https://issuer)", "trustPolicy": "ci", "identity": "a@example.com", "issuer": "https://issuer",
				"certificate": map[string]any{"issuer": "https://issuer"}, "rekorLogIndex": int64(0)}},
		{"keyless, no claims", plugin.Signer{Summary: "s", TrustPolicy: "ci", Identity: "a", Issuer: "i", Certificate: map[string]any{}},
			map[string]any{"summary": "s", "trustPolicy": "ci", "identity": "a", "issuer": "i"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Extension(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}
