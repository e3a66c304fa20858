package policy

import (
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/provenance"
)

// claim pairs a Fulcio certificate extension with the predicate field that
// must agree with it.
type claim struct {
	name      string // the extension's name in sigstore-go's certificate.Extensions JSON
	cert      string
	predicate string
	same      func(cert, predicate string) bool
	// stated is true when every provenance format GitHub builders write
	// states the claim (runner environment and a run URI are optional).
	stated bool
}

// githubActionsIssuer is the OIDC issuer of GitHub Actions workflow tokens.
// Fulcio writes every claim of the table below into the certificates it
// issues for them, so a GitHub Actions certificate without one is not
// what Fulcio issues, and nothing may be skipped for it.
const githubActionsIssuer = "https://token.actions.githubusercontent.com"

func exact(a, b string) bool { return a == b }

func sameRepo(a, b string) bool { return canonicalRepo(a) == canonicalRepo(b) }

// checkCertificate compares the claims Fulcio put in the signing
// certificate (from the CI's OIDC token) with what the build wrote in the
// predicate; a disagreement means the predicate lies about how the artifact
// was built. For GitHub Actions certificates every claim must be in the
// certificate, and every claim the provenance formats always state must be
// in the predicate; for other issuers a claim is compared when both sides
// carry it. It returns the names of the claims compared.
func checkCertificate(prov *provenance.Provenance, cert *certificate.Summary) ([]string, error) {
	sourceRepo, _ := provenance.SplitRef(prov.SourceURI)
	invocation := ""
	if strings.HasPrefix(prov.InvocationID, "https://") {
		// Fulcio's run invocation URI; slsa-github-generator v0.2 writes
		// "<run id>-<attempt>" instead, which has nothing to compare.
		invocation = prov.InvocationID
	}
	claims := []claim{
		{"buildSignerURI", cert.BuildSignerURI, prov.BuilderID, exact, true},
		{"sourceRepositoryURI", cert.SourceRepositoryURI, sourceRepo, sameRepo, true},
		{"sourceRepositoryRef", cert.SourceRepositoryRef, prov.Ref, exact, true},
		{"sourceRepositoryDigest", cert.SourceRepositoryDigest, prov.SourceCommit, strings.EqualFold, true},
		{"buildConfigURI", cert.BuildConfigURI, prov.Workflow, exact, true},
		{"buildTrigger", cert.BuildTrigger, prov.Event, exact, true},
		{"runnerEnvironment", cert.RunnerEnvironment, prov.RunnerEnvironment, exact, false},
		{"runInvocationURI", cert.RunInvocationURI, invocation, exact, false},
	}
	github := cert.Issuer == githubActionsIssuer
	var compared []string
	for _, c := range claims {
		switch {
		case github && c.cert == "":
			return nil, violation(failure.CertificateConsistency, "the signing certificate was issued for a GitHub Actions workflow but lacks the %s claim, which Fulcio always writes for GitHub Actions; the predicate cannot be cross-checked", c.name)
		case github && c.stated && c.predicate == "":
			return nil, violation(failure.CertificateConsistency, "the predicate does not state the %s the GitHub Actions signing certificate carries (%q); the predicate cannot be cross-checked", c.name, c.cert)
		case c.cert == "" || c.predicate == "":
			continue
		}
		if !c.same(c.cert, c.predicate) {
			return nil, violation(failure.CertificateConsistency, "the signing certificate's %s is %q but the predicate says %q", c.name, c.cert, c.predicate)
		}
		compared = append(compared, c.name)
	}
	return compared, nil
}
