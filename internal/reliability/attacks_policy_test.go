package reliability_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/slsatest"
)

// policyAttack is an artifact that some verifiers pass but the project's
// Rego policy must refuse; it is verified by `ratify verify` with the
// plugins and policies/ratify/wasm.rego (defaults, except params).
type policyAttack struct {
	name, desc string
	// params are merged over the policy defaults (to leave out evidence the
	// case does not publish, e.g. provenance).
	params map[string]any
	// want matches one of the policy's reasons.
	want *regexp.Regexp
	// publish pushes the artifact and returns the subject reference and
	// Ratify's verifier entries.
	publish func(t *testing.T, e *policyEnv) (string, []map[string]any)
}

var policyAttacks = []policyAttack{
	{
		name:   "forged-bundle-truncated",
		desc:   "an unsigned sigstore-bundle referrer whose DSSE statement has a 70,000-character predicateType (wasm-cosign nonSignature: skip, as the chart sets it)",
		params: map[string]any{"provenance": map[string]any{"required": false}, "composition": map[string]any{"required": false}},
		want:   regexp.MustCompile(`has no passing signature report`),
		publish: func(t *testing.T, e *policyEnv) (string, []map[string]any) {
			d := e.pushWasm(t, "policy/forged")
			statement := `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://example.com/` + strings.Repeat("p", 70_000) + `","predicate":{}}`
			bundle, _ := json.Marshal(map[string]any{"mediaType": mediatype.SigstoreBundle, "dsseEnvelope": map[string]any{
				"payloadType": mediatype.InToto, "payload": base64.StdEncoding.EncodeToString([]byte(statement)), "signatures": []any{},
			}})
			if _, err := registrytest.Attach(context.Background(), e.reg, "policy/forged", d, mediatype.SigstoreBundle,
				[]registrytest.Blob{{MediaType: mediatype.SigstoreBundle, Data: bundle}}, nil, registrytest.WithConfigShape(registrytest.TypedConfig)); err != nil {
				t.Fatal(err)
			}
			return e.reg.Ref("policy/forged", d.Digest.String()), []map[string]any{e.wasmCosign()}
		},
	},
	{
		name:   "list-signature-copied",
		desc:   "a composition list whose sha256-<digest>.sig tag points at a .sig manifest the trusted key made for another artifact (cosign CLI), judged by Ratify's built-in cosign",
		params: map[string]any{"provenance": map[string]any{"required": false}},
		want:   regexp.MustCompile(`composition list sha256:[0-9a-f]{64} of .* carries no passing signature report \(from wasm-cosign or wasm-notation\)`),
		publish: func(t *testing.T, e *policyEnv) (string, []map[string]any) {
			ctx := context.Background()
			repo := "policy/copied"
			d := e.pushWasm(t, repo)
			ref := e.reg.Ref(repo, d.Digest.String())
			notationCLI(t).run(t, "sign", "--insecure-registry", "--force-referrers-tag=false", ref)
			raw, err := compositionList(e.good)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := e.reg.Repository(repo)
			if err != nil {
				t.Fatal(err)
			}
			list, err := list.Attach(ctx, rep, d, raw)
			if err != nil {
				t.Fatal(err)
			}
			// Another artifact, signed with the trusted key; its .sig is
			// copied to the list's signature tag.
			other, err := registrytest.PushWasm(ctx, e.reg, repo, "other", fixture(t, "hello.component.wasm"), registrytest.WasmLayout{})
			if err != nil {
				t.Fatal(err)
			}
			e.keys.run(t, "cosign2", nil, "sign", "--key", e.keys.key, "--tlog-upload=false", "--allow-http-registry", "-y", e.reg.Ref(repo, other.Digest.String()))
			_, sig, err := registrytest.Fetch(ctx, e.reg, repo, sigTag(other))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := registrytest.PushManifest(ctx, e.reg, repo, sigTag(list), sig, nil); err != nil {
				t.Fatal(err)
			}
			builtin := map[string]any{"name": "cosign", "artifactTypes": mediatype.CosignSignature, "trustPolicies": []map[string]any{{
				"name": "release", "version": "1.0.0", "scopes": []string{"*"}, "keys": []map[string]any{{"file": e.keys.pub}}, "tLogVerify": false,
			}}}
			return ref, []map[string]any{e.wasmNotation("strict", notationCLI(t).certPath()), e.composition(), builtin}
		},
	},
	{
		name:   "notation-audit-pass",
		desc:   "a notation signature by an untrusted self-signed certificate, under a trust policy statement of level audit",
		params: map[string]any{"provenance": map[string]any{"required": false}, "composition": map[string]any{"required": false}},
		want:   regexp.MustCompile(`has no passing signature report`),
		publish: func(t *testing.T, e *policyEnv) (string, []map[string]any) {
			repo := "policy/audit"
			d := e.pushWasm(t, repo)
			ref := e.reg.Ref(repo, d.Digest.String())
			attacker := clitest.NewNotation(t, t.TempDir())
			attacker.Run(t, "cert", "generate-test", "--default", "attacker.example")
			attacker.Run(t, "sign", "--insecure-registry", "--force-referrers-tag=false", ref)
			return ref, []map[string]any{e.wasmNotation("audit", notationCLI(t).certPath())}
		},
	},
	{
		name: "source-floor-copied-build",
		desc: "an old signed release (provenance: source tag v1.0.0) copied into another repository, payments-legacy, where no repository floor applies; minimumSourceVersions holds the floor on the source repository",
		params: map[string]any{"composition": map[string]any{"required": false},
			"minimumSourceVersions": map[string]any{slsaSourceRepo: "1.2.0"}},
		want: regexp.MustCompile(`refs/tags/v1\.0\.0.*below the minimum version 1\.2\.0 for source ` + regexp.QuoteMeta(slsaSourceRepo)),
		publish: func(t *testing.T, e *policyEnv) (string, []map[string]any) {
			repo := "policy/payments-legacy"
			d := e.pushWasm(t, repo)
			ref := e.reg.Ref(repo, d.Digest.String())
			e.keys.run(t, "cosign2", nil, "sign", "--key", e.keys.key, "--tlog-upload=false", "--allow-http-registry", "-y", ref)
			pred := e.keys.write(t, "old-provenance.json", slsatest.PredicateV1(slsaSourceRepo, slsaBuilderFlow, "v1.0.0"))
			e.keys.run(t, "cosign3", nil, "attest", "--key", e.keys.key, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "-y", "--type", "slsaprovenance1", "--predicate", pred, ref)
			slsaEntry := map[string]any{"name": "wasm-slsa", "artifactTypes": mediatype.SigstoreBundle + "," + ocispec.MediaTypeEmptyJSON, "trustPolicies": keyTrust(e.keys.pub),
				"builderIds": []string{slsaBuilderFlow}, "sourceUri": slsaSourceRepo, "sourceRef": "refs/tags/v1.*", "nonWasmSubjects": "skip", "timeout": ratifyDeadline.String()}
			return ref, []map[string]any{e.wasmCosign(), slsaEntry}
		},
	},
	{
		name:   "tag-subject",
		desc:   "a cosign-signed artifact asked about by tag (each verifier would resolve the tag on its own)",
		params: map[string]any{"provenance": map[string]any{"required": false}, "composition": map[string]any{"required": false}},
		want:   regexp.MustCompile(`:v1 is a tag reference; .* verify it by digest`),
		publish: func(t *testing.T, e *policyEnv) (string, []map[string]any) {
			repo := "policy/tag"
			d := e.pushWasm(t, repo)
			e.keys.run(t, "cosign2", nil, "sign", "--key", e.keys.key, "--tlog-upload=false", "--allow-http-registry", "-y", e.reg.Ref(repo, d.Digest.String()))
			return e.reg.Host + "/" + repo + ":v1", []map[string]any{e.wasmCosign()}
		},
	},
}

func init() {
	for _, c := range policyAttacks {
		policyAttackCaseIDs = append(policyAttackCaseIDs, "policy/"+c.name)
	}
}

// policyEnv is a referrers registry and a cosign key pair.
type policyEnv struct {
	reg  *registrytest.Registry
	good []byte
	keys *cosignKeys
}

func (e *policyEnv) pushWasm(t *testing.T, repo string) ocispec.Descriptor {
	t.Helper()
	d, err := registrytest.PushWasm(context.Background(), e.reg, repo, "v1", e.good, declaredLayout(t, e.good))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The verifier entries as the chart configures them.
func (e *policyEnv) wasmCosign() map[string]any {
	return map[string]any{"name": "wasm-cosign", "artifactTypes": mediatype.CosignSignature + "," + mediatype.SigstoreBundle,
		"trustPolicies": keyTrust(e.keys.pub), "nonWasmSubjects": "skip", "nonSignature": "skip", "timeout": ratifyDeadline.String()}
}

func (e *policyEnv) wasmNotation(level, cert string) map[string]any {
	return map[string]any{"name": "wasm-notation", "artifactTypes": mediatype.NotationSignature, "nonWasmSubjects": "skip", "timeout": ratifyDeadline.String(),
		"trustPolicyDoc": map[string]any{"version": "1.0", "trustPolicies": []any{map[string]any{
			"name": "wasm", "registryScopes": []string{"*"}, "signatureVerification": map[string]any{"level": level},
			"trustStores": []string{"ca:certs"}, "trustedIdentities": []string{notationIdentity}}}},
		"trustStores": map[string]any{"ca": map[string]any{"certs": []string{cert}}}}
}

func (e *policyEnv) composition() map[string]any {
	return map[string]any{"name": "wasm-composition", "artifactTypes": mediatype.CompositionList, "timeout": ratifyDeadline.String()}
}

// sigTag is cosign's signature tag of d.
func sigTag(d ocispec.Descriptor) string {
	return d.Digest.Algorithm().String() + "-" + d.Digest.Encoded() + ".sig"
}

// TestPolicyAttacks verifies each attack with `ratify verify`, the plugins
// and the project's Rego policy: Ratify's verdict must be a denial, and the
// policy's reasons (evaluated on the same report with OPA) must say why.
func TestPolicyAttacks(t *testing.T) {
	t.Parallel()
	e := &policyEnv{reg: registrytest.StartReferrers(t), good: fixture(t, "nested.wasm"), keys: newCosignKeys(t)}
	for _, c := range policyAttacks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			subject, verifiers := c.publish(t, e)
			policy := ratifytest.ProjectPolicy(t, c.params)
			env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: verifiers, Policy: ratifytest.RegoPolicy(policy), CosignEnabled: true})
			start := time.Now()
			rep := env.Verify(t, subject)
			elapsed := time.Since(start)
			reasons := policyReasons(t, policy, rep.Raw)
			matched := ""
			for _, r := range reasons {
				if c.want.MatchString(r) {
					matched = r
				}
			}
			t.Logf("isSuccess=%t in %v; policy reasons %q", rep.IsSuccess, elapsed.Round(time.Millisecond), reasons)
			if rep.IsSuccess || matched == "" {
				t.Errorf("%s: ratify verify isSuccess=%t, policy reasons %q; want a denial with a reason matching %s\nreport: %s", c.desc, rep.IsSuccess, reasons, c.want, rep.Raw)
			}
			recorder.Add(reliability.Outcome{Section: "policy", Case: "policy/" + c.name, Registry: e.reg.Name,
				Input: c.desc, Denied: !rep.IsSuccess && matched != "", Check: "policy", Message: matched, Elapsed: elapsed})
		})
	}
}

// policyReasons evaluates data.ratify.policy.reasons of the policy at path
// on a `ratify verify` report, with the OPA engine Ratify embeds.
func policyReasons(t *testing.T, path string, report []byte) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var input any
	if err := json.Unmarshal(report, &input); err != nil {
		t.Fatal(err)
	}
	rs, err := rego.New(rego.Query("data.ratify.policy.reasons"), rego.Module(path, string(src)), rego.Input(input)).Eval(context.Background())
	if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
		t.Fatalf("evaluating the policy's reasons: %v (%v)", err, rs)
	}
	var out []string
	for _, r := range rs[0].Expressions[0].Value.([]any) {
		out = append(out, r.(string))
	}
	sort.Strings(out)
	return out
}
