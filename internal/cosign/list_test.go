package cosign_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// TestCompositionListSignature signs a composition list (a JSON referrer of
// a WASM artifact, not WASM itself) with the real cosign CLI: wasm-cosign
// verifies it, so the list's signature can be a nested report the Rego
// policy counts, while other non-WASM subjects stay refused.
func TestCompositionListSignature(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		ctx := context.Background()
		raw := testenv.Fixture(t, "nested.wasm")
		s := newSubject(t, r, "wasm/listed")
		bin, err := wasm.Parse(raw, wasm.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		doc, err := list.FromBinary(bin, list.ThisGenerator()).Encode()
		if err != nil {
			t.Fatal(err)
		}
		repo, err := r.Repository(s.repo)
		if err != nil {
			t.Fatal(err)
		}
		list, err := list.Attach(ctx, repo, s.subject, doc)
		if err != nil {
			t.Fatal(err)
		}
		listRef := r.Ref(s.repo, list.Digest.String())

		c := newCLI(t, "cosign2")
		key, pub := c.keyPair(t, "lists")
		c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", listRef)
		sig := sigTag(t, r, s.repo, list)

		trusted := keyPolicy(pub)
		res := runPlugin(t, listRef, sig, trusted)
		wantSuccess(t, res, map[string]any{cosign.ExtFormat: cosign.FormatLegacy, cosign.ExtKeyID: keyID(t, pub)})
		// A list's signer is reported in the shape every plugin uses.
		want := map[string]any{"summary": "key " + keyID(t, pub), "keyId": keyID(t, pub), "trustPolicy": "default", "unlogged": true}
		if got := res.Extensions[cosign.ExtSigner]; !reflect.DeepEqual(got, want) {
			t.Errorf("signer %#v, want %#v", got, want)
		}

		_, otherPub := c.keyPair(t, "other")
		wantFailure(t, runPlugin(t, listRef, sig, keyPolicy(otherPub)), failure.Signature, listRef)
	})
}
