package notation_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/notaryproject/notation-core-go/signature"
	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go/registry"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// TestArtifactTypeIsNotationGos: the table's notation signature type is the
// one notation-go writes and reads.
func TestArtifactTypeIsNotationGos(t *testing.T) {
	if mediatype.NotationSignature != registry.ArtifactTypeNotation {
		t.Errorf("mediatype.NotationSignature is %q, notation-go's registry.ArtifactTypeNotation %q", mediatype.NotationSignature, registry.ArtifactTypeNotation)
	}
}

// TestNonWasmSubject: a correctly signed container image is not accepted
// silently; it fails, or with nonWasmSubjects "skip" is an explicit skip.
func TestNonWasmSubject(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	c := newChain(t, "image.acme", leafOptions{})
	image, err := registrytest.PushWasm(context.Background(), r, "images/app", "v1", nil, registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	sig := c.sign(t, r, "images/app", image)
	ref := r.Ref("images/app", image.Digest.String())

	ratifytest.WantFail(t, runPlugin(t, ref, sig, c.config()), "subject", "not a WASM artifact", "nonWasmSubjects")
	res := runPlugin(t, ref, sig, with(c.config(), "nonWasmSubjects", "skip"))
	if !res.IsSuccess || res.Extensions["skipped"] != "not-wasm" {
		t.Fatalf("nonWasmSubjects skip: want an explicit skip, got %t %s %v", res.IsSuccess, res.Message, res.Extensions)
	}
}

// TestSignatureManifestShape: referrers that are not notation signature
// manifests, or carry something other than one envelope, are refused.
func TestSignatureManifestShape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := registrytest.StartReferrers(t)
	c := newChain(t, "shape.acme", leafOptions{})
	subject := pushWasm(t, r, "wasm/shape")
	ref := r.Ref("wasm/shape", subject.Digest.String())
	envelope := signatureEnvelope(t, r, "wasm/shape", c.sign(t, r, "wasm/shape", subject))

	attach := func(t *testing.T, artifactType string, layers ...registrytest.Blob) result {
		t.Helper()
		d, err := registrytest.Attach(ctx, r, "wasm/shape", subject, artifactType, layers, nil, registrytest.WithConfigShape(registrytest.TypedConfigOnly))
		if err != nil {
			t.Fatal(err)
		}
		d.ArtifactType = artifactType
		return runPlugin(t, ref, d, c.config())
	}
	t.Run("other-artifact-type", func(t *testing.T) {
		res := attach(t, "application/vnd.example.sbom.v1+json", registrytest.Blob{MediaType: jws.MediaTypeEnvelope, Data: envelope})
		ratifytest.WantFail(t, res, "signatureManifest", "application/vnd.example.sbom.v1+json", mediatype.NotationSignature)
	})
	t.Run("two-envelopes", func(t *testing.T) {
		res := attach(t, mediatype.NotationSignature, registrytest.Blob{MediaType: jws.MediaTypeEnvelope, Data: envelope}, registrytest.Blob{MediaType: jws.MediaTypeEnvelope, Data: append([]byte(" "), envelope...)})
		ratifytest.WantFail(t, res, "signatureManifest", "2 layers", "exactly one")
	})
	t.Run("unknown-envelope-type", func(t *testing.T) {
		res := attach(t, mediatype.NotationSignature, registrytest.Blob{MediaType: "application/json", Data: envelope})
		ratifytest.WantFail(t, res, "signatureManifest", `"application/json"`, jws.MediaTypeEnvelope, cose.MediaTypeEnvelope)
	})
	t.Run("no-subject", func(t *testing.T) {
		// notation's manifest shape, but attached to nothing.
		config := []byte("{}")
		m, _ := json.Marshal(ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2},
			MediaType: ocispec.MediaTypeImageManifest,
			Config:    ocispec.Descriptor{MediaType: mediatype.NotationSignature, Digest: digest.FromBytes(config), Size: int64(len(config))},
			Layers:    []ocispec.Descriptor{{MediaType: jws.MediaTypeEnvelope, Digest: digest.FromBytes(envelope), Size: int64(len(envelope))}},
		})
		d, err := registrytest.PushManifest(ctx, r, "wasm/shape", "loose", m, map[digest.Digest][]byte{digest.FromBytes(config): config, digest.FromBytes(envelope): envelope})
		if err != nil {
			t.Fatal(err)
		}
		ratifytest.WantFail(t, runPlugin(t, ref, d, c.config()), "signatureManifest", "no subject")
	})
	t.Run("jws-envelope-labelled-cose", func(t *testing.T) {
		res := attach(t, mediatype.NotationSignature, registrytest.Blob{MediaType: cose.MediaTypeEnvelope, Data: envelope})
		ratifytest.WantFail(t, res, "integrity")
	})
	t.Run("garbage-envelope", func(t *testing.T) {
		res := attach(t, mediatype.NotationSignature, registrytest.Blob{MediaType: jws.MediaTypeEnvelope, Data: []byte(`{"payload":"e30","protected":"e30","signature":"AAAA"}`)})
		ratifytest.WantFail(t, res, "integrity")
	})
}

// TestDeadline: a revocation server that never answers cannot hold the
// verification past the configured timeout.
func TestDeadline(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	c := newChain(t, "slow.acme", leafOptions{crlURL: hang.URL + "/ca.crl"})
	subject := pushWasm(t, r, "wasm/slow")
	sig := c.sign(t, r, "wasm/slow", subject)

	res := runPlugin(t, r.Ref("wasm/slow", subject.Digest.String()), sig, with(c.config(), "timeout", "500ms"))
	ratifytest.WantFail(t, res, "deadline", "500ms", `"timeout"`)
	if res.Elapsed > 1500*time.Millisecond {
		t.Errorf("took %v with a 500ms timeout", res.Elapsed)
	}
}

// TestSigningAuthorityScheme: a notary.x509.signingAuthority signature (what
// signing services produce; the notation CLI cannot, so it is made here with
// notation-core-go) chains to signingAuthority stores, never to ca stores.
func TestSigningAuthorityScheme(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	root := newRootCA(t, "Authority Root")
	inter := root.newIntermediateCA(t, "Authority Intermediate")
	leaf, key := inter.issueLeaf(t, "service.acme", leafOptions{})
	subject := pushWasm(t, r, "wasm/authority")

	payload, err := json.Marshal(map[string]any{"targetArtifact": ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.NewLocalSigner([]*x509.Certificate{leaf, inter.cert, root.cert}, key)
	if err != nil {
		t.Fatal(err)
	}
	env, err := signature.NewEnvelope(jws.MediaTypeEnvelope)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := env.Sign(&signature.SignRequest{
		Payload:       signature.Payload{ContentType: "application/vnd.cncf.notary.payload.v1+json", Content: payload},
		Signer:        signer,
		SigningTime:   time.Now(),
		SigningScheme: signature.SigningSchemeX509SigningAuthority,
		SigningAgent:  "ratify-wasm-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	sig := attachEnvelope(t, r, "wasm/authority", subject, blob)
	ref := r.Ref("wasm/authority", subject.Digest.String())
	rootPEM := writePEM(t, t.TempDir(), "root.pem", root.cert)
	id := fmt.Sprintf(testIdentityFmt, "service.acme")

	res := runPlugin(t, ref, sig, map[string]any{
		"trustPolicyDoc": strictPolicy([]string{"signingAuthority:service"}, id),
		"trustStores":    map[string]any{"signingAuthority": map[string]any{"service": []string{rootPEM}}},
	})
	ratifytest.WantPass(t, res)
	if res.Extensions["signingScheme"] != "notary.x509.signingAuthority" {
		t.Errorf("signingScheme = %v", res.Extensions["signingScheme"])
	}
	// The same root as a ca store does not vouch for this scheme.
	ratifytest.WantFail(t, runPlugin(t, ref, sig, map[string]any{
		"trustPolicyDoc": strictPolicy([]string{"ca:service"}, id),
		"trustStores":    map[string]any{"ca": map[string]any{"service": []string{rootPEM}}},
	}), "authenticity")
}
