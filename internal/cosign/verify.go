package cosign

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
)

// PredicateCosignSign is the predicate type of cosign v3 signature bundles;
// any other predicate is an attestation, not a signature. (cosign's media
// types are in internal/mediatype.)
const PredicateCosignSign = "https://sigstore.dev/cosign/sign/v1"

// Formats reported in the "format" extension.
const (
	FormatLegacy = "legacy"
	FormatBundle = "bundle"
)

// Limits: cosign appends one layer per signature; payloads and bundles are
// a few kilobytes.
const (
	maxSignatureLayers          = 64
	maxSignatureBlobBytes int64 = 1 << 20
)

// Plugin is the wasm-cosign verifier.
var Plugin = plugin.Definition[Config]{
	Name:      "wasm-cosign",
	NewConfig: NewConfig,
	Verify:    verify,
}

func verify(ctx context.Context, req *plugin.Request, cfg *Config) (plugin.Report, error) {
	subject, err := req.LoadSignedSubject(ctx)
	if err != nil {
		return plugin.Report{}, err
	}
	policy, err := cfg.policies.ForSubject(req.Repository())
	if err != nil {
		return plugin.Report{}, failure.New(failure.TrustPolicy, "%w (subject %s); add a trust policy whose scopes cover it", err, subject.Ref)
	}
	rf, err := req.FetchReferrer(ctx)
	if err != nil {
		return plugin.Report{}, failure.New(failure.Referrer, "%w", err)
	}
	v := &verification{ctx: ctx, req: req, policy: policy, subject: subject.Descriptor, subjectRef: subject.Ref, rf: rf, layersRule: cfg.Layers, nonSignature: cfg.NonSignature}
	switch {
	case isBundle(rf):
		return v.bundle()
	case isLegacy(rf):
		return v.legacy()
	}
	var types []string
	for _, l := range rf.Manifest.Layers {
		types = append(types, l.MediaType)
	}
	return plugin.Report{Extensions: map[string]any{ExtFormat: "unknown"}}, failure.New(failure.Referrer,
		"referrer %s (artifactType %q, layers %v) is neither a cosign signature nor a sigstore bundle; do not route other artifact types to wasm-cosign",
		rf.Ref(req.Repository()), rf.ArtifactType(), types)
}

func isBundle(rf *plugin.Referrer) bool {
	if strings.HasPrefix(rf.ArtifactType(), mediatype.SigstoreBundlePrefix) {
		return true
	}
	for _, l := range rf.Manifest.Layers {
		if strings.HasPrefix(l.MediaType, mediatype.SigstoreBundlePrefix) {
			return true
		}
	}
	return false
}

func isLegacy(rf *plugin.Referrer) bool {
	if len(rf.Manifest.Layers) == 0 {
		return false
	}
	for _, l := range rf.Manifest.Layers {
		if l.MediaType != mediatype.CosignSimpleSigning {
			return false
		}
	}
	return true
}

type verification struct {
	ctx          context.Context
	req          *plugin.Request
	policy       *sigverify.Policy
	subject      ocispec.Descriptor
	subjectRef   string
	rf           *plugin.Referrer
	layersRule   string
	nonSignature string
}

// legacy verifies every simple-signing layer and combines them by the
// "layers" rule; no layer's outcome overrides another's.
func (v *verification) legacy() (plugin.Report, error) {
	layers := v.rf.Manifest.Layers
	discovery := "referrer"
	if v.rf.Manifest.Subject == nil {
		discovery = "tag"
	}
	base := map[string]any{ExtFormat: FormatLegacy, ExtDiscovery: discovery, ExtTrustPolicy: v.policy.Name, ExtLayers: v.layersRule}
	if len(layers) > maxSignatureLayers {
		return plugin.Report{Extensions: base}, failure.New(failure.Format, "signature manifest %s has %d layers, more than the %d this verifier reads", v.rf.Ref(v.req.Repository()), len(layers), maxSignatureLayers)
	}
	var reports []signatureReport
	var first *sigverify.Outcome
	var firstErr error
	for i, l := range layers {
		out, err := v.legacyLayer(l)
		reports = append(reports, report(i, l, out, err))
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("layer %d (%s): %w", i, l.Digest, err)
			}
			continue
		}
		if first == nil {
			first = out
		}
	}
	return v.combine(base, reports, first, firstErr, len(layers))
}

func (v *verification) legacyLayer(l ocispec.Descriptor) (*sigverify.Outcome, error) {
	payload, err := v.fetch(l)
	if err != nil {
		return nil, err
	}
	ent, err := sigverify.CosignSignature(payload, l.Annotations)
	if err != nil {
		return nil, failure.New(failure.Format, "%w", err)
	}
	return v.warnUnlogged(v.policy.Verify(ent, sigverify.Subject{Digest: v.subject.Digest}, sigverify.Expect{}))
}

// warnUnlogged logs a signature that passed only through the policy's
// insecureIgnoreTlog: operators should see that they accept it.
func (v *verification) warnUnlogged(out *sigverify.Outcome, err error) (*sigverify.Outcome, error) {
	if err == nil && out.Unlogged {
		v.req.Log.Warnf("signature %s for %s by %s has no transparency-log entry or timestamp; accepted only because trust policy %q sets insecureIgnoreTlog",
			v.rf.Ref(v.req.Repository()), v.subjectRef, out.Signer(), out.Policy)
	}
	return out, err
}

// bundle verifies a sigstore bundle referrer: one bundle layer, a DSSE
// statement of predicate type PredicateCosignSign about the subject.
func (v *verification) bundle() (plugin.Report, error) {
	base := map[string]any{ExtFormat: FormatBundle, ExtDiscovery: "referrer", ExtTrustPolicy: v.policy.Name}
	var layers []ocispec.Descriptor
	for _, l := range v.rf.Manifest.Layers {
		if strings.HasPrefix(l.MediaType, mediatype.SigstoreBundlePrefix) {
			layers = append(layers, l)
		}
	}
	if len(layers) != 1 {
		return plugin.Report{Extensions: base}, failure.New(failure.Format, "bundle referrer %s has %d bundle layers, expected exactly one", v.rf.Ref(v.req.Repository()), len(layers))
	}
	raw, err := v.fetch(layers[0])
	if err == nil && v.nonSignature == NonSignatureSkip {
		// Decided before any signature check: provenance is often signed by
		// someone these trust policies do not name, and a skip is no evidence.
		if pt := statementPredicateType(raw); pt != "" && pt != PredicateCosignSign {
			return plugin.Report{Extensions: map[string]any{ExtFormat: FormatBundle, ExtPredicateType: pt}},
				&failure.Skip{Reason: "not-a-signature", Msg: fmt.Sprintf("bundle %s is an attestation of predicate type %s, not a cosign signature (nonSignature: skip)", v.rf.Ref(v.req.Repository()), pt)}
		}
	}
	var out *sigverify.Outcome
	if err == nil {
		out, err = v.bundleLayer(raw)
	}
	reports := []signatureReport{report(0, layers[0], out, err)}
	if err != nil {
		err = fmt.Errorf("bundle %s: %w", layers[0].Digest, err)
	}
	return v.combine(base, reports, out, err, 1)
}

func (v *verification) bundleLayer(raw []byte) (*sigverify.Outcome, error) {
	ent, err := sigverify.ParseBundle(raw)
	if err != nil {
		return nil, failure.New(failure.Format, "%w", err)
	}
	return v.warnUnlogged(v.policy.Verify(ent, sigverify.Subject{Digest: v.subject.Digest}, sigverify.Expect{PredicateTypes: []string{PredicateCosignSign}}))
}

func (v *verification) fetch(l ocispec.Descriptor) ([]byte, error) {
	if l.Size > maxSignatureBlobBytes {
		return nil, failure.New(failure.Format, "layer size %d is above the %d-byte limit for signatures", l.Size, maxSignatureBlobBytes)
	}
	b, err := v.req.Registry.FetchBlob(v.ctx, v.req.Repository(), l)
	if err != nil {
		return nil, failure.New(failure.Referrer, "%w", err)
	}
	return b, nil
}

// combine applies the layers rule: "any" passes when one signature
// verified; "all" (and bundles, which hold one) needs every one.
func (v *verification) combine(ext map[string]any, reports []signatureReport, first *sigverify.Outcome, firstErr error, total int) (plugin.Report, error) {
	verified := 0
	for _, r := range reports {
		if r.Verified {
			verified++
		}
	}
	ext[ExtSignatures] = reports
	ext[ExtVerified] = verified
	ext[ExtTotal] = total
	where := fmt.Sprintf("%s (signature %s)", v.subjectRef, v.rf.Ref(v.req.Repository()))
	needAll := v.layersRule == LayersAll || ext[ExtFormat] == FormatBundle
	if firstErr != nil && (first == nil || needAll) {
		check := checkOf(firstErr)
		if first == nil {
			return plugin.Report{Extensions: ext}, failure.New(check, "no valid signature for %s: %w", where, firstErr)
		}
		return plugin.Report{Extensions: ext}, failure.New(check, "%d of %d signature layers verified for %s, but \"layers\" is \"all\": %w", verified, total, where, firstErr)
	}
	addOutcome(ext, first)
	return plugin.Report{Message: fmt.Sprintf("%d of %d cosign signature(s) verified for %s: %s format, signer %s, trust policy %q",
		verified, total, where, ext[ExtFormat], first.Signer(), first.Policy), Extensions: ext}, nil
}

// checkOf is the check a signature failed; signature when no check is named.
func checkOf(err error) failure.Check {
	if c, ok := failure.CheckOf(err); ok {
		return c
	}
	return failure.Signature
}

// signatureReport is one entry of the "signatures" extension.
type signatureReport struct {
	Index       int            `json:"index"`
	Digest      string         `json:"digest"`
	Verified    bool           `json:"verified"`
	Signer      map[string]any `json:"signer,omitempty"`
	TlogIndex   *int64         `json:"tlogIndex,omitempty"`
	Timestamps  []timestamp    `json:"timestamps,omitempty"`
	Notes       []string       `json:"notes,omitempty"`
	Unlogged    bool           `json:"unlogged,omitempty"`
	FailedCheck string         `json:"failedCheck,omitempty"`
	Error       string         `json:"error,omitempty"`
}

type timestamp struct {
	Source string `json:"source"`
	Time   string `json:"time"`
}

func report(i int, l ocispec.Descriptor, out *sigverify.Outcome, err error) signatureReport {
	r := signatureReport{Index: i, Digest: l.Digest.String()}
	if err != nil {
		r.FailedCheck = string(checkOf(err))
		r.Error = err.Error()
		return r
	}
	// Each signature's signer has the top-level shape without the
	// certificate's claims (those of the first are in the top-level
	// signer): 64 sets of claims could outgrow the extensions' bound.
	signer := out.SignerReport()
	signer.Certificate = nil
	r.Verified, r.Signer, r.Notes, r.Unlogged = true, signer.Extension(), out.Notes, out.Unlogged
	if len(out.Tlog) > 0 {
		idx := out.Tlog[0].LogIndex
		r.TlogIndex = &idx
	}
	for _, ts := range out.Timestamps {
		r.Timestamps = append(r.Timestamps, timestamp{Source: ts.Source, Time: ts.Time.Format(time.RFC3339)})
	}
	return r
}

// addOutcome sets the top-level extensions from the first verified
// signature, for policies that read one signer.
func addOutcome(ext map[string]any, o *sigverify.Outcome) {
	ext[ExtSigner] = o.SignerReport().Extension()
	if o.KeyID != "" {
		ext[ExtKeyID] = o.KeyID
	} else {
		ext[ExtIdentity], ext[ExtIssuer] = o.Identity, o.Issuer
	}
	if len(o.Tlog) > 0 {
		ext[ExtTlogIndex] = o.Tlog[0].LogIndex
	}
	ext[ExtTimestampSource] = "none"
	// The TSA time is the signer-independent proof; prefer it over the
	// log's integrated time, and never report the verifier's clock.
	for _, pref := range []string{sigverify.SourceRFC3161, sigverify.SourceTlog} {
		for _, ts := range o.Timestamps {
			if ts.Source == pref && ext[ExtTimestampSource] == "none" {
				ext[ExtTimestampSource], ext[ExtTimestamp] = ts.Source, ts.Time.Format(time.RFC3339)
			}
		}
	}
	if o.PredicateType != "" {
		ext[ExtPredicateType] = o.PredicateType
	}
	if o.Unlogged {
		ext[ExtUnlogged] = true
	}
}

// Extension keys (documented in plugins/wasm-cosign/README.md).
const (
	ExtFormat          = "format"
	ExtDiscovery       = "discovery"
	ExtTrustPolicy     = "trustPolicy"
	ExtLayers          = "layers"
	ExtSignatures      = "signatures"
	ExtVerified        = "verifiedSignatures"
	ExtTotal           = "totalSignatures"
	ExtSigner          = plugin.ExtSigner
	ExtKeyID           = "keyId"
	ExtIdentity        = "identity"
	ExtIssuer          = "issuer"
	ExtTlogIndex       = "tlogIndex"
	ExtTimestampSource = "timestampSource"
	ExtTimestamp       = "timestamp"
	ExtPredicateType   = "predicateType"
	// ExtUnlogged is true when the signature had no log entry or timestamp
	// and passed only through the trust policy's insecureIgnoreTlog.
	ExtUnlogged = "unlogged"
)

// statementPredicateType reads the predicate type of the (unverified) in-toto
// statement in a DSSE bundle, or "" when there is none to read.
func statementPredicateType(bundleJSON []byte) string {
	var b struct {
		DSSE struct {
			Payload []byte `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(bundleJSON, &b) != nil || json.Unmarshal(b.DSSE.Payload, &st) != nil {
		return ""
	}
	return st.PredicateType
}
