package discover

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

const repo = "wasm/app"

func setup(t *testing.T) (*registrytest.Registry, *oci.Client, ocispec.Descriptor) {
	t.Helper()
	r := registrytest.StartReferrers(t)
	subject, err := registrytest.PushWasm(context.Background(), r, repo, "v1", []byte("\x00asm\x01\x00\x00\x00"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	return r, oci.New(oci.Options{PlainHTTP: true}), subject
}

func statement(pt string) []byte {
	return []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}],"predicateType":"` + pt + `","predicate":{}}`)
}

func envelope(pt string) []byte {
	b, _ := json.Marshal(map[string]any{"payloadType": mediatype.InToto, "payload": base64.StdEncoding.EncodeToString(statement(pt)), "signatures": []any{map[string]string{"sig": "AA=="}}})
	return b
}

func bundle(pt string) []byte {
	b, _ := json.Marshal(map[string]any{"mediaType": mediatype.SigstoreBundle, "dsseEnvelope": json.RawMessage(envelope(pt))})
	return b
}

// attach pushes a referrer and returns what FromReferrer is given.
func attach(t *testing.T, r *registrytest.Registry, subject ocispec.Descriptor, artifactType string, layers []registrytest.Blob, ann map[string]string) (ocispec.Descriptor, ocispec.Manifest) {
	t.Helper()
	desc, err := registrytest.Attach(context.Background(), r, repo, subject, artifactType, layers, ann)
	if err != nil {
		t.Fatal(err)
	}
	_, raw, err := registrytest.Fetch(context.Background(), r, repo, desc.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return desc, m
}

func TestFromReferrerSniffsContent(t *testing.T) {
	r, f, subject := setup(t)
	const slsaV1 = "https://slsa.dev/provenance/v1"
	desc, m := attach(t, r, subject, mediatype.InToto, []registrytest.Blob{
		{MediaType: mediatype.CNCFLayer, Data: []byte("\x00asm\x01\x00\x00\x00")},                               // not read
		{MediaType: mediatype.SPDX, Data: []byte(`{"spdxVersion":"SPDX-2.3"}`)},                                 // read, not provenance
		{MediaType: mediatype.SigstoreBundle, Data: bundle(slsaV1)},                                             // bundle
		{MediaType: "application/octet-stream", Data: envelope("https://slsa.dev/provenance/v0.2")},             // oras attach without a type
		{MediaType: mediatype.InToto, Data: append(append(statement(slsaV1), '\n', '\n'), envelope(slsaV1)...)}, // JSON Lines
	}, nil)
	docs, err := FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Format  Format
		Storage Storage
		PT      string
		Line    int
	}
	want := []got{
		{FormatBundle, StorageBundleReferrer, slsaV1, 0},
		{FormatDSSE, StorageDSSEReferrer, "https://slsa.dev/provenance/v0.2", 0},
		{FormatStatement, StorageStatementReferrer, slsaV1, 1},
		{FormatDSSE, StorageDSSEReferrer, slsaV1, 3},
	}
	if len(docs) != len(want) {
		t.Fatalf("got %d documents, want %d: %+v", len(docs), len(want), docs)
	}
	for i, d := range docs {
		if g := (got{d.Format, d.Storage, d.PredicateType, d.Line}); g != want[i] {
			t.Errorf("document %d: %+v, want %+v", i, g, want[i])
		}
		if d.Manifest != desc.Digest {
			t.Errorf("document %d manifest %s", i, d.Manifest)
		}
	}
	if w := docs[3].Where(); !strings.Contains(w, "line 3 of dsse-referrer "+desc.Digest.String()) {
		t.Errorf("Where() = %q", w)
	}

	// A generic layer type is read only when the artifact type says attestation.
	desc, m = attach(t, r, subject, "application/vnd.example.readme", []registrytest.Blob{{MediaType: "application/octet-stream", Data: envelope(slsaV1)}}, nil)
	if docs, err := FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m); err != nil || len(docs) != 0 {
		t.Errorf("unrelated artifact: %d documents, %v", len(docs), err)
	}
}

func TestBundleAnnotationIsAHint(t *testing.T) {
	r, f, subject := setup(t)
	// A bundle without a readable payload takes its type from the manifest annotation.
	noPayload, _ := json.Marshal(map[string]any{"mediaType": mediatype.SigstoreBundle, "messageSignature": map[string]any{}})
	desc, m := attach(t, r, subject, mediatype.SigstoreBundle, []registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: noPayload}},
		map[string]string{AnnotationBundlePredicateType: "https://sigstore.dev/cosign/sign/v1"})
	docs, err := FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m)
	if err != nil || len(docs) != 1 || docs[0].PredicateType != "https://sigstore.dev/cosign/sign/v1" {
		t.Fatalf("docs %+v, err %v", docs, err)
	}
	// The payload's own type wins over the annotation.
	desc, m = attach(t, r, subject, mediatype.SigstoreBundle, []registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: bundle("https://slsa.dev/provenance/v1")}},
		map[string]string{AnnotationBundlePredicateType: "https://sigstore.dev/cosign/sign/v1"})
	docs, err = FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m)
	if err != nil || len(docs) != 1 || docs[0].PredicateType != "https://slsa.dev/provenance/v1" {
		t.Fatalf("docs %+v, err %v", docs, err)
	}
}

func TestLimits(t *testing.T) {
	r, f, subject := setup(t)
	var many []registrytest.Blob
	for i := 0; i <= MaxLayers; i++ {
		many = append(many, registrytest.Blob{MediaType: mediatype.DSSE, Data: []byte{byte('a' + i)}})
	}
	desc, m := attach(t, r, subject, mediatype.DSSE, many, nil)
	if _, err := FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m); err == nil || !strings.Contains(err.Error(), "more than the 16") {
		t.Errorf("too many layers: %v", err)
	}

	// A layer declaring more than MaxDocumentBytes is refused before it is read.
	desc, m = attach(t, r, subject, mediatype.DSSE, []registrytest.Blob{{MediaType: mediatype.DSSE, Data: envelope("x")}}, nil)
	m.Layers[0].Size = MaxDocumentBytes + 1
	var tooLarge *oci.TooLargeError
	if _, err := FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m); !errors.As(err, &tooLarge) {
		t.Errorf("oversized layer: %v", err)
	}

	// Too many JSON lines.
	var lines []byte
	for i := 0; i <= MaxDocuments+5; i++ {
		lines = append(append(lines, envelope("x")...), '\n')
	}
	desc, m = attach(t, r, subject, mediatype.InToto, []registrytest.Blob{{MediaType: mediatype.InToto, Data: lines}}, nil)
	if _, err := FromReferrer(context.Background(), f, r.Host+"/"+repo, desc, m); err == nil || !strings.Contains(err.Error(), "more than 32 documents") {
		t.Errorf("too many documents: %v", err)
	}
}

func TestFromAttestationTag(t *testing.T) {
	r, f, subject := setup(t)
	ctx := context.Background()
	repository := r.Host + "/" + repo
	if _, err := FromAttestationTag(ctx, f, repository, subject.Digest); !errors.Is(err, ErrNoAttestationTag) || !strings.Contains(err.Error(), AttestationTag(subject.Digest)) {
		t.Fatalf("missing tag: %v", err)
	}

	push := func(m ocispec.Manifest, blobs map[digest.Digest][]byte) {
		t.Helper()
		m.SchemaVersion = 2
		m.MediaType = ocispec.MediaTypeImageManifest
		raw, _ := json.Marshal(m)
		if _, err := registrytest.PushManifest(ctx, r, repo, AttestationTag(subject.Digest), raw, blobs); err != nil {
			t.Fatal(err)
		}
	}
	cfg := []byte("{}")
	env := envelope("https://slsa.dev/provenance/v1")
	sbom := []byte(`{"spdxVersion":"SPDX-2.3"}`)
	blobs := map[digest.Digest][]byte{digest.FromBytes(cfg): cfg, digest.FromBytes(env): env, digest.FromBytes(sbom): sbom}
	layer := func(mt string, b []byte, ann map[string]string) ocispec.Descriptor {
		return ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(b), Size: int64(len(b)), Annotations: ann}
	}
	config := layer(ocispec.MediaTypeImageConfig, cfg, nil)

	push(ocispec.Manifest{Config: config, Layers: []ocispec.Descriptor{
		layer(mediatype.SPDX, sbom, nil),
		layer(mediatype.DSSE, env, map[string]string{AnnotationCosignPredicateType: "https://slsa.dev/provenance/v0.2", "dev.sigstore.cosign/certificate": "PEM"}),
	}}, blobs)
	docs, err := FromAttestationTag(ctx, f, repository, subject.Digest)
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %+v, err %v", docs, err)
	}
	d := docs[0]
	if d.Storage != StorageAttTag || d.Format != FormatDSSE || d.Annotations["dev.sigstore.cosign/certificate"] != "PEM" || d.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("document %+v", d)
	}

	// An .att manifest that names another subject is refused.
	push(ocispec.Manifest{Config: config, Layers: []ocispec.Descriptor{layer(mediatype.DSSE, env, nil)},
		Subject: &ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("other"), Size: 1}}, blobs)
	if _, err := FromAttestationTag(ctx, f, repository, subject.Digest); err == nil || !strings.Contains(err.Error(), "names subject") {
		t.Errorf("foreign subject: %v", err)
	}
}
