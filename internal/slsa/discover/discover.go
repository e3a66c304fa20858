// Package discover finds the signed provenance documents stored for an OCI
// subject, wherever producers put them:
//
//   - sigstore bundles attached as OCI 1.1 referrers (cosign v3 attest,
//     GitHub artifact attestations), including ones a registry lists with
//     artifactType application/vnd.oci.empty.v1+json;
//   - DSSE envelopes, in-toto statements and bundles attached with
//     `oras attach` (any layer media type; the content decides);
//   - cosign v2 attestations under the sha256-<hex>.att tag, which Ratify's
//     store never lists as referrers.
//
// It classifies content and reads unsigned hints (predicate type
// annotations); it verifies nothing. Every read is bounded.
package discover

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// Annotations of provenance in registries
// (https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md);
// the media types are in internal/mediatype.
const (
	// AnnotationBundlePredicateType is set on bundle referrer manifests by
	// cosign and GitHub; older GitHub versions used the "/" form.
	AnnotationBundlePredicateType       = "dev.sigstore.bundle.predicateType"
	annotationBundlePredicateTypeLegacy = "dev.sigstore.bundle/predicateType"
	// AnnotationCosignPredicateType is the (literal) key cosign sets on
	// .att layers.
	AnnotationCosignPredicateType = "predicateType"
	annotationInTotoPredicateType = "in-toto.io/predicate-type"
)

// Limits on what one referrer or tag may make the plugin read and verify.
const (
	MaxDocumentBytes = 8 << 20
	MaxLayers        = 16
	MaxDocuments     = 32
)

// Format is the shape of a provenance document.
type Format string

const (
	FormatBundle    Format = "bundle"    // sigstore bundle (any version)
	FormatDSSE      Format = "dsse"      // DSSE envelope
	FormatStatement Format = "statement" // bare in-toto statement: unsigned
)

// Storage says where a document was found; it is reported to policy.
type Storage string

const (
	StorageBundleReferrer    Storage = "bundle-referrer"
	StorageDSSEReferrer      Storage = "dsse-referrer"
	StorageStatementReferrer Storage = "statement-referrer"
	StorageAttTag            Storage = "att-tag"
)

// Document is one provenance document as found, not yet verified.
type Document struct {
	Format  Format
	Storage Storage
	// Manifest is the manifest holding the document (referrer or .att).
	Manifest digest.Digest
	// Layer is the layer holding it; Line is its 1-based line in a JSON
	// Lines layer (0 when the layer is one JSON document).
	Layer ocispec.Descriptor
	Line  int
	Data  []byte
	// Annotations are the layer's annotations (cosign puts the signing
	// certificate, chain and Rekor bundle there).
	Annotations map[string]string
	// PredicateType is an unsigned hint: an annotation or the unverified
	// payload's predicateType. Only the verified statement decides.
	PredicateType string
}

// Where names the document for messages: "layer sha256:… of manifest sha256:…".
func (d *Document) Where() string {
	s := "layer " + d.Layer.Digest.String()
	if d.Line > 0 {
		s += fmt.Sprintf(" line %d", d.Line)
	}
	return s + " of " + string(d.Storage) + " " + d.Manifest.String()
}

// FromReferrer returns the documents in a referrer manifest (already
// fetched and checked to refer to the subject). Layers whose content is not
// a bundle, DSSE envelope or in-toto statement are ignored; the caller
// decides what an empty result means.
func FromReferrer(ctx context.Context, f oci.Fetcher, repository string, desc ocispec.Descriptor, m ocispec.Manifest) ([]Document, error) {
	if len(m.Layers) > MaxLayers {
		return nil, fmt.Errorf("referrer %s@%s has %d layers, more than the %d this verifier reads", repository, desc.Digest, len(m.Layers), MaxLayers)
	}
	hint := m.Annotations[AnnotationBundlePredicateType]
	if hint == "" {
		hint = m.Annotations[annotationBundlePredicateTypeLegacy]
	}
	var docs []Document
	for _, l := range m.Layers {
		if !mayHoldProvenance(l.MediaType, m.ArtifactType) {
			continue
		}
		found, err := readLayer(ctx, f, repository, desc.Digest, l, hint, false)
		if err != nil {
			return nil, err
		}
		docs = append(docs, found...)
		if len(docs) > MaxDocuments {
			return nil, fmt.Errorf("referrer %s@%s holds more than %d documents", repository, desc.Digest, MaxDocuments)
		}
	}
	return docs, nil
}

// mayHoldProvenance skips layers that are clearly something else (WASM,
// tarballs, images) without fetching them.
func mayHoldProvenance(layerType, artifactType string) bool {
	switch {
	case strings.HasPrefix(layerType, mediatype.SigstoreBundlePrefix), layerType == mediatype.DSSE,
		layerType == mediatype.InToto, strings.Contains(layerType, "json"):
		return true
	case layerType == "application/octet-stream", layerType == ocispec.MediaTypeImageLayer, layerType == "":
		// oras attach of a file without ":<type>" yields a generic type;
		// read it only when the artifact says it is an attestation.
		return strings.HasPrefix(artifactType, mediatype.SigstoreBundlePrefix) || artifactType == mediatype.DSSE ||
			strings.Contains(artifactType, "in-toto") || strings.Contains(artifactType, "slsa") || strings.Contains(artifactType, "provenance")
	}
	return false
}

// AttestationTag is the tag cosign (legacy format) writes attestations of
// subject under: "sha256-<hex>.att".
func AttestationTag(subject digest.Digest) string {
	return subject.Algorithm().String() + "-" + subject.Encoded() + ".att"
}

// ErrNoAttestationTag reports that the subject has no .att tag.
var ErrNoAttestationTag = errors.New("no cosign attestation tag")

// FromAttestationTag resolves <repository>:sha256-<hex>.att and returns
// its DSSE layers with their annotations (certificate, chain, Rekor bundle,
// predicateType).
func FromAttestationTag(ctx context.Context, f oci.Fetcher, repository string, subject digest.Digest) ([]Document, error) {
	ref := repository + ":" + AttestationTag(subject)
	desc, err := f.Resolve(ctx, ref)
	if errors.Is(err, errdef.ErrNotFound) {
		return nil, fmt.Errorf("%w %s", ErrNoAttestationTag, ref)
	}
	if err != nil {
		return nil, err
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return nil, fmt.Errorf("%s is a %s, not the OCI image manifest cosign writes", ref, desc.MediaType)
	}
	raw, err := f.FetchManifest(ctx, repository, desc)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: manifest is not valid JSON: %w", ref, err)
	}
	if m.Subject != nil && m.Subject.Digest != subject {
		return nil, fmt.Errorf("%s names subject %s, not %s", ref, m.Subject.Digest, subject)
	}
	if len(m.Layers) > MaxDocuments {
		return nil, fmt.Errorf("%s has %d layers, more than the %d this verifier reads", ref, len(m.Layers), MaxDocuments)
	}
	var docs []Document
	for _, l := range m.Layers {
		if l.MediaType != mediatype.DSSE {
			continue
		}
		found, err := readLayer(ctx, f, repository, desc.Digest, l, l.Annotations[AnnotationCosignPredicateType], true)
		if err != nil {
			return nil, err
		}
		docs = append(docs, found...)
	}
	return docs, nil
}

func readLayer(ctx context.Context, f oci.Fetcher, repository string, manifest digest.Digest, l ocispec.Descriptor, hint string, attTag bool) ([]Document, error) {
	if l.Size > MaxDocumentBytes {
		return nil, &oci.TooLargeError{What: "provenance layer", Ref: repository + "@" + l.Digest.String(), Size: l.Size, Limit: MaxDocumentBytes}
	}
	b, err := f.FetchBlob(ctx, repository, l)
	if err != nil {
		return nil, err
	}
	if hint == "" {
		hint = l.Annotations[annotationInTotoPredicateType]
	}
	var docs []Document
	add := func(data []byte, line int) {
		format, pt := sniff(data)
		if format == "" {
			return
		}
		if attTag && format != FormatDSSE {
			return
		}
		d := Document{Format: format, Manifest: manifest, Layer: l, Line: line, Data: data, Annotations: l.Annotations, PredicateType: pt}
		if d.PredicateType == "" {
			d.PredicateType = hint
		}
		switch {
		case attTag:
			d.Storage = StorageAttTag
		case format == FormatBundle:
			d.Storage = StorageBundleReferrer
		case format == FormatDSSE:
			d.Storage = StorageDSSEReferrer
		default:
			d.Storage = StorageStatementReferrer
		}
		docs = append(docs, d)
	}
	if json.Valid(b) {
		add(b, 0)
		return docs, nil
	}
	// JSON Lines (.intoto.jsonl): one document per line.
	for i, line := range bytes.Split(b, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 && json.Valid(line) {
			add(line, i+1)
		}
		if len(docs) > MaxDocuments {
			break
		}
	}
	return docs, nil
}

// sniff classifies a JSON document by its top-level keys and reads the
// (unverified) predicate type where it is cheap to.
func sniff(b []byte) (Format, string) {
	var top struct {
		MediaType     string `json:"mediaType"`
		PayloadType   string `json:"payloadType"`
		Payload       string `json:"payload"`
		Signatures    []any  `json:"signatures"`
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		DSSE          *struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if json.Unmarshal(b, &top) != nil {
		return "", ""
	}
	switch {
	case strings.HasPrefix(top.MediaType, mediatype.SigstoreBundlePrefix):
		if top.DSSE != nil {
			return FormatBundle, payloadPredicateType(top.DSSE.Payload)
		}
		return FormatBundle, ""
	case top.PayloadType != "" && top.Signatures != nil:
		return FormatDSSE, payloadPredicateType(top.Payload)
	case strings.HasPrefix(top.Type, "https://in-toto.io/Statement/"):
		return FormatStatement, top.PredicateType
	}
	return "", ""
}

func payloadPredicateType(b64 string) string {
	payload, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ""
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	_ = json.Unmarshal(payload, &st)
	return st.PredicateType
}
