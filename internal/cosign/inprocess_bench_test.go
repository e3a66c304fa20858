package cosign_test

import (
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// BenchmarkVerifyInProcess is one wasm-cosign verification through the
// runtime, in process (the compiled-in path): a key-signed .sig.
func BenchmarkVerifyInProcess(b *testing.B) {
	r := registrytest.StartReferrers(b)
	subj := pushWasm(b, r, "wasm/bench", nil)
	ref := r.Ref("wasm/bench", subj.Digest.String())
	payload := sigtest.SimpleSigning(ref, subj.Digest)
	k := sigtest.NewKey(b, sigtest.ECDSAP256)
	cfg := map[string]any{"trustPolicies": []any{map[string]any{"name": "k", "scopes": []string{"*"}, "keys": []any{map[string]any{"pem": string(k.PublicPEM(b))}}, "insecureIgnoreTlog": true}}}
	sig := pushSigTag(b, r, "wasm/bench", subj.Digest, simpleSigningLayer(payload, k.SignCosign(b, payload)))
	for b.Loop() {
		if res := runPlugin(b, ref, sig, cfg); !res.IsSuccess {
			b.Fatal(res.Message)
		}
	}
}
