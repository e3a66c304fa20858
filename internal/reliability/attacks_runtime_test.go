package reliability_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// Attacks on the plugin runtime: what every plugin's result goes through.
func init() {
	attackCases = append(attackCases,
		hostileCase{name: "bundle-huge-predicate-type-skip", plugin: "wasm-cosign",
			desc: "unsigned sigstore bundle whose DSSE statement has a 70,000-character predicateType, verified with nonSignature: skip " +
				"(the skip's report no longer fits Ratify's line; cutting it must not leave a plain pass)",
			want:   regexp.MustCompile(`^result: the report holds a string longer than 1024 bytes \(at predicateType\).*verdict was: skipped: `),
			config: map[string]any{"nonSignature": "skip"},
			push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
				d := h.pushGood(t, repo)
				h.attach(t, repo, d, mediatype.SigstoreBundle, mediatype.SigstoreBundle, unsignedBundle(t, d, strings.Repeat("https://attacker.test/p", 70000/23)), nil)
				return d, nil, nil
			}},
	)
	runtimeAttackCaseIDs = append(runtimeAttackCaseIDs, "hostile/"+spellingCase)
}

// runtimeAttackCaseIDs are runtime attacks the hostile-case table cannot
// express (they need the subject spelled differently from the registry's
// host), run by their own tests and listed with the hostile inputs.
var runtimeAttackCaseIDs []string

const spellingCase = "notation-scope-host-spelling"

// TestRepositorySpellingAttack: a subject whose host is spelled in another
// case must be verified under the statement scoped to its repository, not
// fall to a catch-all "*" statement at level audit, which would pass a
// signature by a signer the repository's statement does not trust.
func TestRepositorySpellingAttack(t *testing.T) {
	t.Parallel()
	reg := registrytest.StartReferrers(t)
	repo := "hostile/" + spellingCase
	d, err := registrytest.PushWasm(context.Background(), reg, repo, "v1", fixture(t, "nested.wasm"), declaredLayout(t, fixture(t, "nested.wasm")))
	if err != nil {
		t.Fatal(err)
	}
	cli := notationCLI(t)
	cli.run(t, "sign", "--insecure-registry", "--force-referrers-tag=false", reg.Ref(repo, d.Digest.String()))
	_, port, _ := strings.Cut(reg.Host, ":")
	spelled := "LOCALHOST:" + port + "/" + repo
	entry := map[string]any{"name": "wasm-notation", "artifactTypes": mediatype.NotationSignature, "timeout": ratifyDeadline.String(),
		"trustPolicyDoc": map[string]any{"version": "1.0", "trustPolicies": []any{
			map[string]any{"name": "app", "registryScopes": []string{"localhost:" + port + "/" + repo}, "signatureVerification": map[string]any{"level": "strict"},
				"trustStores": []string{"ca:certs"}, "trustedIdentities": []string{"x509.subject: CN=release.example, O=Notary, L=Seattle, ST=WA, C=US"}},
			map[string]any{"name": "catch-all", "registryScopes": []string{"*"}, "signatureVerification": map[string]any{"level": "audit"},
				"trustStores": []string{"ca:certs"}, "trustedIdentities": []string{"*"}},
		}},
		"trustStores": map[string]any{"ca": map[string]any{"certs": []string{cli.certPath()}}}}
	env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{entry}})
	start := time.Now()
	rep := env.Verify(t, spelled+"@"+d.Digest.String())
	elapsed := time.Since(start)
	got := rep.One(t, "wasm-notation")
	checkDenied(t, rep, got, regexp.MustCompile(`^authenticity: .*statement "app" \(level strict\)`), elapsed, ratifyDeadline+ratifyOverhead)
	recorder.Add(reliability.Outcome{Section: "hostile", Case: "hostile/" + spellingCase, Plugin: "wasm-notation", Registry: reg.Name,
		Input:  "subject spelled LOCALHOST:<port>/… signed by a signer its repository's strict statement does not trust, with a catch-all audit statement (wasm-notation)",
		Denied: !got.IsSuccess && !rep.IsSuccess, Check: failedCheck(got.Extensions), Message: got.Message, Elapsed: elapsed, Deadline: ratifyDeadline + ratifyOverhead})
}

// unsignedBundle is a sigstore bundle holding a DSSE envelope with no
// signature around an in-toto statement about d.
func unsignedBundle(t *testing.T, d ocispec.Descriptor, predicateType string) []byte {
	t.Helper()
	statement, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": "wasm", "digest": map[string]string{d.Digest.Algorithm().String(): d.Digest.Encoded()}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{
		"mediaType":            mediatype.SigstoreBundle,
		"verificationMaterial": map[string]any{},
		"dsseEnvelope": map[string]any{
			"payload":     base64.StdEncoding.EncodeToString(statement),
			"payloadType": mediatype.InToto,
			"signatures":  []any{},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
