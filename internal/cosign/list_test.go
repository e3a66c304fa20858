package cosign_test

import (
	"context"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
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
		doc, err := composition.FromBinary(bin, composition.ThisGenerator()).Encode()
		if err != nil {
			t.Fatal(err)
		}
		repo, err := r.Repository(s.repo)
		if err != nil {
			t.Fatal(err)
		}
		list, err := composition.Attach(ctx, repo, s.subject, doc)
		if err != nil {
			t.Fatal(err)
		}
		listRef := r.Ref(s.repo, list.Digest.String())

		c := newCLI(t, "cosign2")
		key, pub := c.keyPair(t, "lists")
		c.run(t, nil, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", listRef)
		sig := sigTag(t, r, s.repo, list)

		trusted := keyPolicy(pub)
		wantSuccess(t, runPlugin(t, listRef, sig, trusted), map[string]any{cosign.ExtFormat: cosign.FormatLegacy, cosign.ExtKeyID: keyID(t, pub)})

		_, otherPub := c.keyPair(t, "other")
		wantFailure(t, runPlugin(t, listRef, sig, keyPolicy(otherPub)), failure.Signature, listRef)
	})
}
