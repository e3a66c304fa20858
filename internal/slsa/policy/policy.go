// Package policy is the SLSA provenance policy of wasm-slsa: which builders,
// build types, source repository, ref and commit a verified provenance must
// name, and, for keyless signatures, that the predicate (written by the
// build) agrees with the Fulcio certificate (issued to the workflow, which
// the build cannot forge). It implements slsa-verifier's provenance checks
// and adds the certificate cross-check; see plugins/wasm-slsa/README.md.
//
// The policy sees provenance only after its signature and subject have been
// verified; it decides nothing about trust in keys or identities.
package policy

import (
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/provenance"
)

// Config is the provenance policy as written in the verifier configuration.
type Config struct {
	// BuilderIDs are the allowed builders. An entry with "@" is a builder ID
	// whose ref part may use "*" (path.Match), e.g.
	// "https://github.com/org/repo/.github/workflows/build.yml@refs/tags/v2.*";
	// "@v2.1.0" is short for "@refs/tags/v2.1.0". An entry without "@" allows
	// that builder exactly, or at any release tag "@refs/tags/vX.Y.Z"
	// (slsa-verifier's rule for trusted builders).
	BuilderIDs []string `json:"builderIds"`
	// BuildTypes are the allowed build types. When empty, a builder
	// slsa-verifier knows must use its registered build type; others any.
	BuildTypes []string `json:"buildTypes,omitempty"`
	// SourceURI is the repository the artifact must be built from, e.g.
	// "github.com/org/repo" or "git+https://github.com/org/repo".
	SourceURI string `json:"sourceUri"`
	// SourceRef is a pattern (path.Match) for the git ref built, e.g.
	// "refs/tags/v*" or "refs/heads/main".
	SourceRef string `json:"sourceRef,omitempty"`
	// SourceVersionedTag requires a semver tag matching "vX", "vX.Y" or
	// "vX.Y.Z" in the components given (slsa-verifier --source-versioned-tag).
	SourceVersionedTag string `json:"sourceVersionedTag,omitempty"`
	// SourceCommit is the exact git commit (hex) the build must have used.
	SourceCommit string `json:"sourceCommit,omitempty"`
}

// violation is a provenance that does not satisfy the policy: a
// *failure.Error naming the check.
func violation(check failure.Check, format string, args ...any) error {
	return failure.New(check, format, args...)
}

// Policy is a validated Config.
type Policy struct {
	cfg      Config
	builders []builderPattern
	source   string
	tag      *version
}

// New validates cfg and returns the policy.
func New(cfg Config) (*Policy, error) {
	p := &Policy{cfg: cfg}
	if len(cfg.BuilderIDs) == 0 {
		return nil, &failure.ConfigError{Key: "builderIds", Reason: "must list at least one allowed builder ID"}
	}
	for _, id := range cfg.BuilderIDs {
		b, err := parseBuilder(id)
		if err != nil {
			return nil, &failure.ConfigError{Key: "builderIds", Reason: err.Error()}
		}
		p.builders = append(p.builders, b)
	}
	if slices.Contains(cfg.BuildTypes, "") {
		return nil, &failure.ConfigError{Key: "buildTypes", Reason: "contains an empty build type"}
	}
	if cfg.SourceURI == "" {
		return nil, &failure.ConfigError{Key: "sourceUri", Reason: "is required (the repository the artifact must be built from, e.g. \"github.com/org/repo\")"}
	}
	if _, ref := provenance.SplitRef(cfg.SourceURI); ref != "" {
		return nil, &failure.ConfigError{Key: "sourceUri", Reason: fmt.Sprintf("%q names a ref; give the repository only and the ref in \"sourceRef\"", cfg.SourceURI)}
	}
	p.source = canonicalRepo(cfg.SourceURI)
	if cfg.SourceRef != "" {
		if !strings.HasPrefix(cfg.SourceRef, "refs/") {
			return nil, &failure.ConfigError{Key: "sourceRef", Reason: fmt.Sprintf("%q must be a full ref pattern such as \"refs/tags/v*\" or \"refs/heads/main\"", cfg.SourceRef)}
		}
		if _, err := path.Match(cfg.SourceRef, ""); err != nil {
			return nil, &failure.ConfigError{Key: "sourceRef", Reason: fmt.Sprintf("%q is not a valid pattern: %v", cfg.SourceRef, err)}
		}
	}
	if cfg.SourceVersionedTag != "" {
		v, ok := parseVersion(cfg.SourceVersionedTag)
		if !ok {
			return nil, &failure.ConfigError{Key: "sourceVersionedTag", Reason: fmt.Sprintf("%q is not a semantic version such as \"v1\", \"v1.2\" or \"v1.2.3\"", cfg.SourceVersionedTag)}
		}
		p.tag = &v
	}
	if c := cfg.SourceCommit; c != "" {
		if _, err := hex.DecodeString(c); err != nil || (len(c) != 40 && len(c) != 64) {
			return nil, &failure.ConfigError{Key: "sourceCommit", Reason: fmt.Sprintf("%q is not a full git commit hash (40 or 64 hex digits)", c)}
		}
	}
	return p, nil
}

// Outcome says what a provenance was checked against.
type Outcome struct {
	// BuilderRule is the builderIds entry that allowed the builder.
	BuilderRule string
	// CertificateClaims lists the Fulcio certificate claims that were
	// compared with the predicate (empty for key-signed provenance).
	CertificateClaims []string
}

// Check applies the policy to prov. cert is the signing certificate's
// summary for keyless signatures and nil for key-signed provenance. Checks
// run in a fixed order and the first violation is returned.
func (p *Policy) Check(prov *provenance.Provenance, cert *certificate.Summary) (*Outcome, error) {
	out := &Outcome{}
	rule, ok := p.matchBuilder(prov.BuilderID)
	if !ok {
		why := ""
		if strings.Count(prov.BuilderID, "@") != 1 {
			why = ` (it must name a ref, "<builder>@<ref>", as slsa-verifier requires)`
		}
		return nil, violation(failure.Builder, "builder ID %q is not allowed%s (builderIds: %s)", prov.BuilderID, why, strings.Join(p.cfg.BuilderIDs, ", "))
	}
	out.BuilderRule = rule
	if err := p.checkBuildType(prov); err != nil {
		return nil, err
	}
	if err := checkSelfConsistent(prov); err != nil {
		return nil, err
	}
	if err := p.checkSource(prov); err != nil {
		return nil, err
	}
	if err := p.checkRef(prov); err != nil {
		return nil, err
	}
	if p.cfg.SourceCommit != "" && !strings.EqualFold(prov.SourceCommit, p.cfg.SourceCommit) {
		return nil, violation(failure.SourceCommit, "provenance source commit is %q, expected %q", prov.SourceCommit, p.cfg.SourceCommit)
	}
	if cert != nil {
		claims, err := checkCertificate(prov, cert)
		if err != nil {
			return nil, err
		}
		out.CertificateClaims = claims
	}
	return out, nil
}

func (p *Policy) checkBuildType(prov *provenance.Provenance) error {
	if len(p.cfg.BuildTypes) > 0 {
		if !slices.Contains(p.cfg.BuildTypes, prov.BuildType) {
			return violation(failure.BuildType, "build type %q is not allowed (buildTypes: %s)", prov.BuildType, strings.Join(p.cfg.BuildTypes, ", "))
		}
		return nil
	}
	name, _ := splitBuilder(prov.BuilderID)
	if known, ok := knownBuildTypes[name]; ok && !slices.Contains(known, prov.BuildType) {
		return violation(failure.BuildType, "build type %q is not one builder %s produces (%s)", prov.BuildType, name, strings.Join(known, ", "))
	}
	return nil
}

// checkSelfConsistent is slsa-verifier's verifySourceURI minus the expected
// value: the source material and the trigger must name the same repository
// and ref, so a predicate cannot claim one source and have built another.
func checkSelfConsistent(prov *provenance.Provenance) error {
	if prov.SourceURI == "" {
		return violation(failure.ProvenanceConsistency, "provenance names no source (materials[0] / resolvedDependencies[0] is missing)")
	}
	if prov.TriggerURI == "" {
		return nil
	}
	srcRepo, srcRef := provenance.SplitRef(prov.SourceURI)
	trgRepo, trgRef := provenance.SplitRef(prov.TriggerURI)
	if canonicalRepo(srcRepo) != canonicalRepo(trgRepo) {
		return violation(failure.ProvenanceConsistency, "provenance source %q and trigger %q name different repositories", prov.SourceURI, prov.TriggerURI)
	}
	// BYOB builders may build a commit made by the release process, so the
	// source has no ref (slsa-verifier makes the same exception).
	if srcRef == "" && prov.BuildType == buildTypeBYOB {
		return nil
	}
	if trgRef == "" || srcRef != trgRef {
		return violation(failure.ProvenanceConsistency, "provenance source %q and trigger %q name different refs", prov.SourceURI, prov.TriggerURI)
	}
	return nil
}

func (p *Policy) checkSource(prov *provenance.Provenance) error {
	repo, _ := provenance.SplitRef(prov.SourceURI)
	if canonicalRepo(repo) != p.source {
		return violation(failure.Source, "provenance source repository is %q, expected %q", repo, p.cfg.SourceURI)
	}
	return nil
}

func (p *Policy) checkRef(prov *provenance.Provenance) error {
	if _, uriRef := provenance.SplitRef(prov.SourceURI); uriRef != "" && prov.Ref != uriRef && prov.BuildType != buildTypeBYOB {
		return violation(failure.ProvenanceConsistency, "provenance records ref %q but its source material is %q", prov.Ref, prov.SourceURI)
	}
	if p.cfg.SourceRef != "" {
		if ok, _ := path.Match(p.cfg.SourceRef, prov.Ref); !ok {
			return violation(failure.SourceRef, "provenance ref is %q, expected a ref matching %q", prov.Ref, p.cfg.SourceRef)
		}
	}
	if p.tag != nil {
		tag, isTag := strings.CutPrefix(prov.Ref, "refs/tags/")
		if !isTag || (prov.RefType != "" && prov.RefType != "tag") {
			return violation(failure.SourceRef, "provenance ref %q is not a tag, expected a tag matching %s", prov.Ref, p.cfg.SourceVersionedTag)
		}
		v, ok := parseVersion(tag)
		if !ok {
			return violation(failure.SourceRef, "provenance tag %q is not a semantic version, expected one matching %s", tag, p.cfg.SourceVersionedTag)
		}
		if !p.tag.matches(v) {
			return violation(failure.SourceRef, "provenance tag %q does not match %s", tag, p.cfg.SourceVersionedTag)
		}
	}
	return nil
}

// canonicalRepo reduces the spellings of a repository URI in configs,
// predicates and certificates ("github.com/o/r", "https://github.com/o/r",
// "git+https://github.com/o/r") to one, and compares nothing else loosely.
func canonicalRepo(uri string) string {
	uri = strings.TrimPrefix(uri, "git+")
	return strings.TrimPrefix(uri, "https://")
}
