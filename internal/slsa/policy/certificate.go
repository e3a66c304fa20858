package policy

import (
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/ratify-wasm/ratify-wasm/internal/slsa/provenance"
)

// claim pairs a Fulcio certificate extension with the predicate field that
// must agree with it.
type claim struct {
	name      string // the extension's name in sigstore-go's certificate.Extensions JSON
	cert      string
	predicate string
	same      func(cert, predicate string) bool
}

func exact(a, b string) bool { return a == b }

func sameRepo(a, b string) bool { return canonicalRepo(a) == canonicalRepo(b) }

// checkCertificate compares the claims Fulcio put in the signing
// certificate (from the CI's OIDC token) with what the build wrote in the
// predicate. A claim is compared when both sides carry it; a disagreement
// means the predicate lies about how the artifact was built. It returns the
// names of the claims compared.
func checkCertificate(prov *provenance.Provenance, cert *certificate.Summary) ([]string, error) {
	sourceRepo, _ := provenance.SplitRef(prov.SourceURI)
	invocation := ""
	if strings.HasPrefix(prov.InvocationID, "https://") {
		// Fulcio's run invocation URI; slsa-github-generator v0.2 writes
		// "<run id>-<attempt>" instead, which has nothing to compare.
		invocation = prov.InvocationID
	}
	claims := []claim{
		{"buildSignerURI", cert.BuildSignerURI, prov.BuilderID, exact},
		{"sourceRepositoryURI", cert.SourceRepositoryURI, sourceRepo, sameRepo},
		{"sourceRepositoryRef", cert.SourceRepositoryRef, prov.Ref, exact},
		{"sourceRepositoryDigest", cert.SourceRepositoryDigest, prov.SourceCommit, strings.EqualFold},
		{"buildConfigURI", cert.BuildConfigURI, prov.Workflow, exact},
		{"buildTrigger", cert.BuildTrigger, prov.Event, exact},
		{"runnerEnvironment", cert.RunnerEnvironment, prov.RunnerEnvironment, exact},
		{"runInvocationURI", cert.RunInvocationURI, invocation, exact},
	}
	var compared []string
	for _, c := range claims {
		if c.cert == "" || c.predicate == "" {
			continue
		}
		if !c.same(c.cert, c.predicate) {
			return nil, violation(CheckCertificate, "the signing certificate's %s is %q but the predicate says %q", c.name, c.cert, c.predicate)
		}
		compared = append(compared, c.name)
	}
	return compared, nil
}
