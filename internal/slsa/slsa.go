// Package slsa is the wasm-slsa verifier plugin: it finds the SLSA build
// provenance stored for a WASM artifact (sigstore bundle referrers, DSSE or
// in-toto referrers, cosign .att tags; package discover), verifies its
// signature offline under a trust policy (package sigverify), binds its
// in-toto statement to the artifact (manifest or WASM layer digest),
// extracts the SLSA v0.2 or v1 fields (package provenance) and applies the
// provenance policy, including the Fulcio certificate cross-check (package
// policy). See plugins/wasm-slsa/README.md.
package slsa

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/discover"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/policy"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/provenance"
)

// Plugin is the wasm-slsa plugin definition.
var Plugin = plugin.Definition[Config]{
	Name:      "wasm-slsa",
	NewConfig: NewConfig,
	Verify:    Verify,
}

// Extension keys (documented in plugins/wasm-slsa/README.md).
const (
	ExtPredicateType     = "predicateType"
	ExtStatementType     = "statementType"
	ExtBuilderID         = "builderId"
	ExtBuilderRule       = "builderRule"
	ExtBuildType         = "buildType"
	ExtSourceURI         = "sourceUri"
	ExtSourceRef         = "sourceRef"
	ExtSourceCommit      = "sourceCommit"
	ExtTriggerURI        = "triggerUri"
	ExtBuildTrigger      = "buildTrigger"
	ExtRunnerEnvironment = "runnerEnvironment"
	ExtInvocationID      = "invocationId"
	ExtSubjectDigest     = "subjectDigest"
	ExtSubjectMatch      = "subjectMatch"
	ExtSigner            = plugin.ExtSigner
	ExtCertificateClaims = "certificateClaims"
	ExtStorage           = "storage"
	ExtProvenanceLayer   = "provenanceLayer"
	ExtDocuments         = "documents"
)

// slsaTypes are the predicate types this plugin verifies.
var slsaTypes = []string{provenance.PredicateSLSAV02, provenance.PredicateSLSAV1}

// Verify is the plugin's Verify.
func Verify(ctx context.Context, req *plugin.Request, cfg *Config) (plugin.Report, error) {
	subject, err := req.LoadWasmSubject(ctx)
	if err != nil {
		return plugin.Report{}, err
	}
	trust, err := cfg.policies.ForSubject(req.Repository())
	if err != nil {
		return plugin.Report{}, failure.New(failure.TrustPolicy, "%w (config key \"trustPolicies\")", err)
	}
	targets, err := subjectTargets(subject, cfg.SubjectDigest)
	if err != nil {
		return plugin.Report{}, failure.New(failure.Subject, "%w", err)
	}
	docs, where, err := discoverDocuments(ctx, req, cfg, subject)
	if err != nil {
		return plugin.Report{}, err
	}

	// The subject passes if one provenance document passes every check
	// (cosign's rule for .att layers); the others are reported on failure.
	var failures []*docFailure
	for i := range docs {
		pass, f := verifyDocument(&docs[i], trust, targets, cfg.policy)
		if f == nil {
			return passed(req, subject, &docs[i], pass, len(docs)), nil
		}
		req.Log.Infof("%s: %s: %s", subject.Ref, docs[i].Where(), f.err)
		failures = append(failures, f)
	}
	return refused(cfg, subject, where, failures)
}

// discoverDocuments reads the documents stored for subject: from its
// cosign .att tag when the referrer's type is routed there, else from the
// referrer. where names that place in messages.
func discoverDocuments(ctx context.Context, req *plugin.Request, cfg *Config, subject *artifact.Subject) (docs []discover.Document, where string, err error) {
	if slices.Contains(cfg.AttestationTagFor, req.Referrer.ArtifactType) {
		where = subject.Repository + ":" + discover.AttestationTag(subject.Descriptor.Digest)
		docs, err = discover.FromAttestationTag(ctx, req.Registry, subject.Repository, subject.Descriptor.Digest)
		if err != nil {
			return nil, "", failure.New(failure.Discovery, "cannot read cosign attestations of %s: %w", subject.Ref, err)
		}
	} else {
		rf, err := req.FetchReferrer(ctx)
		if err != nil {
			return nil, "", failure.New(failure.Referrer, "%w", err)
		}
		where = rf.Ref(subject.Repository)
		docs, err = discover.FromReferrer(ctx, req.Registry, subject.Repository, rf.Descriptor, rf.Manifest)
		if err != nil {
			return nil, "", failure.New(failure.Discovery, "%w", err)
		}
	}
	if len(docs) == 0 {
		return nil, "", failure.New(failure.Discovery, "%s holds no sigstore bundle, DSSE envelope or in-toto statement for %s", where, subject.Ref)
	}
	return docs, where, nil
}

// passed logs the document that passed and reports it with its
// extensions; docs is how many documents were found.
func passed(req *plugin.Request, subject *artifact.Subject, doc *discover.Document, ext map[string]any, docs int) plugin.Report {
	req.Log.Infof("%s: provenance %s verified: builder %s, source %s", subject.Ref, doc.Where(), ext[ExtBuilderID], ext[ExtSourceURI])
	sg := ext[ExtSigner].(map[string]any)
	if sg["unlogged"] == true {
		req.Log.Warnf("%s: provenance %s has no transparency-log entry or timestamp; accepted only because trust policy %q sets insecureIgnoreTlog", subject.Ref, doc.Where(), sg["trustPolicy"])
	}
	ext[ExtDocuments] = docs
	return plugin.Report{Message: fmt.Sprintf("SLSA provenance of %s verified: built by %s from %s at %s (%s, signed by %s)",
		subject.Ref, ext[ExtBuilderID], ext[ExtSourceURI], or(ext[ExtSourceCommit], "unknown commit"), doc.Where(), sg["summary"]), Extensions: ext}
}

// refused reports why no document at where passed: the provenance
// document that got furthest or, when none is provenance, the types the
// documents are.
func refused(cfg *Config, subject *artifact.Subject, where string, failures []*docFailure) (plugin.Report, error) {
	var slsaFailures []*docFailure
	for _, f := range failures {
		if f.other == "" {
			slsaFailures = append(slsaFailures, f)
		}
	}
	if len(slsaFailures) == 0 {
		return plugin.Report{}, notProvenance(cfg, subject, where, failures)
	}
	return closest(subject, slsaFailures, len(failures))
}

// notProvenance refuses, or skips if the configuration says so, a subject
// whose documents are all attestations of other types.
func notProvenance(cfg *Config, subject *artifact.Subject, where string, failures []*docFailure) error {
	types := map[string]bool{}
	for _, f := range failures {
		types[f.other] = true
	}
	msg := fmt.Sprintf("%s holds attestations of type %s for %s, not SLSA provenance (%s)", where, strings.Join(sortedKeys(types), ", "), subject.Ref, strings.Join(slsaTypes, " or "))
	if cfg.NonProvenance == NonProvenanceSkip {
		return &failure.Skip{Reason: "not-provenance", Msg: msg + " (nonProvenance: skip)"}
	}
	return failure.New(failure.PredicateType, "%s", msg)
}

// closest reports the failure of a provenance document that got furthest
// (the first of those that got as far): the most informative one. docs is
// how many documents were found.
func closest(subject *artifact.Subject, slsaFailures []*docFailure, docs int) (plugin.Report, error) {
	best := slsaFailures[0]
	for _, f := range slsaFailures {
		if f.stage > best.stage {
			best = f
		}
	}
	ext := best.ext
	ext[ExtDocuments] = docs
	where := fmt.Sprintf("provenance %s for %s", best.doc.Where(), subject.Ref)
	if n := len(slsaFailures); n > 1 {
		where = fmt.Sprintf("none of the %d provenance documents for %s passes; closest: %s", n, subject.Ref, best.doc.Where())
	}
	return plugin.Report{Extensions: ext}, failure.New(best.err.Check, "%s: %w", where, best.err.Err)
}

// target is a digest the statement subject may name.
type target struct {
	digest digest.Digest
	kind   string // SubjectManifest or SubjectWasmLayer
}

func subjectTargets(s *artifact.Subject, mode string) ([]target, error) {
	var out []target
	if mode != SubjectWasmLayer {
		out = append(out, target{s.Descriptor.Digest, SubjectManifest})
	}
	if mode != SubjectManifest {
		// A statement naming one of several WASM layers vouches for that
		// layer only, so layer matching needs a single-layer artifact.
		if len(s.WasmLayers) == 1 {
			out = append(out, target{s.WasmLayers[0].Digest, SubjectWasmLayer})
		} else if mode == SubjectWasmLayer {
			return nil, fmt.Errorf("%s has %d WASM layers; subjectDigest \"wasmLayer\" needs exactly one (use \"manifest\")", s.Ref, len(s.WasmLayers))
		}
	}
	return out, nil
}

// docFailure is why one document did not pass. stage orders failures by how
// far verification got, so the most informative one is reported.
type docFailure struct {
	doc   *discover.Document
	err   *failure.Error
	stage int
	other string // the predicate type of an attestation that is not provenance
	ext   map[string]any
}

const (
	stageFormat = iota
	stageSignature
	stageStatement
	stagePolicy
)

// verifyDocument runs every check on one document and returns the
// extensions of a pass or the failure.
func verifyDocument(doc *discover.Document, trust *sigverify.Policy, targets []target, pol *policy.Policy) (map[string]any, *docFailure) {
	ext := map[string]any{ExtStorage: string(doc.Storage), ExtProvenanceLayer: doc.Layer.Digest.String()}
	fail := func(stage int, check failure.Check, format string, args ...any) *docFailure {
		return &docFailure{doc: doc, stage: stage, ext: ext, err: &failure.Error{Check: check, Err: fmt.Errorf(format, args...)}}
	}
	if doc.PredicateType != "" && !provenance.IsSLSA(doc.PredicateType) {
		f := fail(stageFormat, failure.PredicateType, "predicate type %q is not SLSA provenance", doc.PredicateType)
		f.other = doc.PredicateType
		return nil, f
	}
	var entity *sigverify.Entity
	var err error
	switch doc.Format {
	case discover.FormatStatement:
		return nil, fail(stageSignature, failure.Unsigned, "an unsigned in-toto statement; provenance must be signed (DSSE envelope or sigstore bundle)")
	case discover.FormatBundle:
		entity, err = sigverify.ParseBundle(doc.Data)
	case discover.FormatDSSE:
		entity, err = sigverify.DSSE(doc.Data, doc.Annotations)
	}
	if err != nil {
		return nil, fail(stageFormat, failure.Format, "%w", err)
	}

	// Which digest to verify against is read from the unverified payload;
	// sigverify then binds the signature to it and everything below reads
	// only the verified statement.
	unverified, err := provenance.DecodeStatement(entity.Payload)
	if err != nil {
		return nil, fail(stageFormat, failure.Statement, "%w", err)
	}
	if pt := unverified.GetPredicateType(); !provenance.IsSLSA(pt) {
		f := fail(stageFormat, failure.PredicateType, "predicate type %q is not SLSA provenance", pt)
		f.other = pt
		return nil, f
	}
	want, ok := match(unverified, targets)
	if !ok {
		return nil, fail(stageFormat, failure.Subject, "statement subjects [%s] name neither %s", strings.Join(unverified.SubjectDigests(), ", "), describeTargets(targets))
	}
	out, err := trust.Verify(entity, sigverify.Subject{Digest: want.digest}, sigverify.Expect{PredicateTypes: slsaTypes})
	if err != nil {
		var fe *failure.Error
		if errors.As(err, &fe) {
			return nil, &docFailure{doc: doc, stage: stageSignature, ext: ext, err: fe}
		}
		return nil, fail(stageSignature, failure.Signature, "%w", err)
	}
	ext[ExtSigner] = out.SignerReport().Extension()

	st, err := provenance.DecodeStatement(out.Statement)
	if err != nil {
		return nil, fail(stageStatement, failure.Statement, "%w", err)
	}
	if got, ok := match(st, targets); !ok || got != want {
		return nil, fail(stageStatement, failure.Subject, "verified statement subjects [%s] do not name %s", strings.Join(st.SubjectDigests(), ", "), want.digest)
	}
	ext[ExtSubjectDigest], ext[ExtSubjectMatch] = want.digest.String(), want.kind
	ext[ExtPredicateType], ext[ExtStatementType] = st.GetPredicateType(), st.GetType()
	prov, err := provenance.Parse(st)
	if err != nil {
		return nil, fail(stageStatement, failure.Statement, "%w", err)
	}
	addProvenance(ext, prov)
	outcome, err := pol.Check(prov, out.CertSummary)
	if err != nil {
		var fe *failure.Error
		if errors.As(err, &fe) {
			return nil, &docFailure{doc: doc, stage: stagePolicy, ext: ext, err: fe}
		}
		return nil, fail(stagePolicy, failure.Statement, "%w", err)
	}
	ext[ExtBuilderRule] = outcome.BuilderRule
	ext[ExtCertificateClaims] = orEmpty(outcome.CertificateClaims)
	return ext, nil
}

func match(st *provenance.Statement, targets []target) (target, bool) {
	ds := make([]digest.Digest, len(targets))
	for i, t := range targets {
		ds[i] = t.digest
	}
	m, ok := st.MatchSubject(ds)
	if !ok {
		return target{}, false
	}
	for _, t := range targets {
		if t.digest == m.Digest {
			return t, true
		}
	}
	return target{}, false
}

func describeTargets(ts []target) string {
	var parts []string
	for _, t := range ts {
		kind := "the manifest digest"
		if t.kind == SubjectWasmLayer {
			kind = "the WASM layer digest"
		}
		parts = append(parts, kind+" "+t.digest.String())
	}
	return strings.Join(parts, " nor ")
}

func addProvenance(ext map[string]any, p *provenance.Provenance) {
	set := func(k, v string) {
		if v != "" {
			ext[k] = v
		}
	}
	set(ExtBuilderID, p.BuilderID)
	set(ExtBuildType, p.BuildType)
	set(ExtSourceURI, p.SourceURI)
	set(ExtSourceRef, p.Ref)
	set(ExtSourceCommit, p.SourceCommit)
	set(ExtTriggerURI, p.TriggerURI)
	set(ExtBuildTrigger, p.Event)
	set(ExtRunnerEnvironment, p.RunnerEnvironment)
	set(ExtInvocationID, p.InvocationID)
}

func or(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
