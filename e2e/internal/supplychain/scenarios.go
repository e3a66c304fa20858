package supplychain

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
)

// Scenario is one row of the threat matrix: an artifact as a pipeline or
// an attacker left it in the registry, and what admission must decide.
type Scenario struct {
	// Name is the golden report's name (policies/ratify/testdata/golden/<Name>).
	Name string
	// Threat is the row as the issue names it.
	Threat string
	// Image is the reference a Pod uses and Ratify is asked about.
	Image string
	// Admit is the expected admission decision; Why are substrings one
	// denial message must contain (which check, which artifact).
	Admit bool
	Why   []string
	// Valid is what the Ratify policy alone decides (`ratify verify`); it
	// differs from Admit only where a Gatekeeper reference rule denies.
	Valid bool
	// For a tag reference: the admission decision once Gatekeeper's
	// mutation (Ratify's mutation provider) has pinned the tag to the
	// digest it names, as in a cluster (e2e/cluster), and substrings of
	// that denial.
	AdmitPinned bool
	WhyPinned   []string
}

// World is a registry full of scenarios and the verification settings that
// judge them: Ratify's verifier entries and the policy parameters shared by
// the Ratify policy and the Gatekeeper constraints.
type World struct {
	Registry  *harness.Registry
	Publisher *Publisher
	Scenarios []Scenario
	// Verifiers are Ratify verifier entries for the four plugins
	// (wasm-cosign also verifies the composition lists' signatures).
	Verifiers []map[string]any
	// Params are the policy parameters (policies/README.md).
	Params map[string]any
	// AllowedPrefixes are the registry/repository prefixes pods may use.
	AllowedPrefixes []string
}

// Scenario returns the scenario called name.
func (w *World) Scenario(name string) Scenario {
	for _, s := range w.Scenarios {
		if s.Name == name {
			return s
		}
	}
	panic("no scenario " + name)
}

// Build starts nothing itself: it publishes every scenario into reg.
func Build(ctx context.Context, t *harness.Tools, reg *harness.Registry, dir string) (*World, error) {
	p, err := NewPublisher(ctx, t, reg, dir)
	if err != nil {
		return nil, err
	}
	fixture := func(name string) ([]byte, error) { return os.ReadFile(t.Fixture(name)) }
	nested, err := fixture("nested.wasm")
	if err != nil {
		return nil, err
	}
	sockets, err := fixture("sockets.wasm")
	if err != nil {
		return nil, err
	}
	plug, err := fixture("plug.wasm")
	if err != nil {
		return nil, err
	}
	// One constant in the innermost module changed: the binary stays
	// well-formed, three nested parts (that module and the two components
	// around it) get digests no composition list knows.
	old, changed := []byte{0x41, 0x15, 0x0b}, []byte{0x41, 0x16, 0x0b}
	if bytes.Count(nested, old) != 1 {
		return nil, fmt.Errorf("nested.wasm: expected exactly one i32.const 21 to change")
	}
	tampered := bytes.Replace(nested, old, changed, 1)

	w := &World{Registry: reg, Publisher: p}
	host := reg.Host
	release := Provenance{Builder: ReleaseWorkflow, Tag: "v1.2.0"}

	// release publishes like the real pipeline: push, both signatures,
	// provenance, composition list made from the same binary, list signed.
	type step func(a *Artifact) error
	publish := func(repo, tag string, wasm []byte, steps ...step) (*Artifact, error) {
		a, err := p.Push(ctx, repo, tag, wasm)
		if err != nil {
			return nil, err
		}
		for _, s := range steps {
			if err := s(a); err != nil {
				return nil, fmt.Errorf("%s: %w", a.Ref(), err)
			}
		}
		return a, nil
	}
	cosignSig := func(a *Artifact) error { return p.CosignSign(ctx, a.Ref()) }
	notationSig := func(a *Artifact) error { return p.NotationSign(ctx, a.Ref()) }
	attest := func(b Provenance) step { return func(a *Artifact) error { return p.Attest(ctx, a.Ref(), b) } }
	listOf := func(describes []byte, own bool) step {
		return func(a *Artifact) error { return p.AttachList(ctx, a, describes, own) }
	}
	signList := func(a *Artifact) error { return p.CosignSign(ctx, a.List) }
	full := func(wasm []byte, b Provenance) []step {
		return []step{cosignSig, notationSig, attest(b), listOf(wasm, true), signList}
	}

	verified, err := publish("myorg/payments", "v1.2.0", nested, full(nested, release)...)
	if err != nil {
		return nil, err
	}
	unsigned, err := publish("myorg/unsigned", "v1.2.0", nested, listOf(nested, true), signList)
	if err != nil {
		return nil, err
	}
	// Signed, attested and listed at v1, then the tag is pushed over with
	// another binary: the tag now names a digest nobody signed.
	replaced, err := publish("myorg/replaced", "v1", nested, full(nested, release)...)
	if err != nil {
		return nil, err
	}
	swapped, err := publish("myorg/replaced", "v1", plug)
	if err != nil {
		return nil, err
	}
	// A correctly signed copy in a look-alike repository.
	typosquat, err := publish("myorg-payments", "v1.2.0", nested, full(nested, release)...)
	if err != nil {
		return nil, err
	}
	// A genuine, signed older release with a known vulnerability.
	older, err := publish("myorg/payments", "v1.0.0", plug, cosignSig, attest(Provenance{Builder: ReleaseWorkflow, Tag: "v1.0.0"}), listOf(plug, true), signList)
	if err != nil {
		return nil, err
	}
	denied, err := publish("myorg/payments", "v1.1.0", plug, full(plug, Provenance{Builder: ReleaseWorkflow, Tag: "v1.2.1"})...)
	if err != nil {
		return nil, err
	}
	unknownPart, err := publish("myorg/payments", "v1.2.0-patched", tampered, cosignSig, notationSig, attest(release), listOf(nested, false), signList)
	if err != nil {
		return nil, err
	}
	socketsA, err := publish("myorg/payments", "v1.2.0-sockets", sockets, full(sockets, release)...)
	if err != nil {
		return nil, err
	}
	unsignedList, err := publish("myorg/payments", "v1.2.0-unsigned-list", nested, cosignSig, notationSig, attest(release), listOf(nested, true))
	if err != nil {
		return nil, err
	}
	forked, err := publish("myorg/payments", "v1.2.0-fork", nested, full(nested, Provenance{Builder: ForkWorkflow, Tag: "v1.2.0"})...)
	if err != nil {
		return nil, err
	}

	// Not WASM at all, on a WASM runtime class: the WASM plugins skip it
	// and a skip is no evidence, even with a valid signature next to it.
	image, err := p.PushContainerImage(ctx, "myorg/tools", "v1")
	if err != nil {
		return nil, err
	}
	if err := p.CosignSign(ctx, image.Ref()); err != nil {
		return nil, err
	}

	w.AllowedPrefixes = []string{host + "/myorg"}
	w.Params = map[string]any{
		"allowedRepositories": w.AllowedPrefixes,
		"deniedDigests":       []string{denied.Digest},
		"minimumVersions":     map[string]string{host + "/myorg/payments": "1.2.0"},
	}
	w.Verifiers = p.Verifiers()
	w.Scenarios = []Scenario{
		{Name: "verified", Threat: "fully verified artifact", Image: verified.Ref(), Admit: true, Valid: true},
		{Name: "verified_tag", Threat: "the verified artifact referenced by tag", Image: verified.TagRef(),
			Why: []string{verified.TagRef(), "is not pinned by digest"}, AdmitPinned: true},
		{Name: "unsigned", Threat: "unsigned artifact", Image: unsigned.Ref(),
			Why: []string{unsigned.Ref(), "no passing signature report"}},
		{Name: "replaced", Threat: "artifact replaced in the registry after signing (same tag, new digest)", Image: replaced.TagRef(),
			Why: []string{replaced.TagRef(), "not pinned by digest"}, WhyPinned: []string{swapped.Ref(), "no passing signature report"}},
		{Name: "typosquat", Threat: "typosquatted repository", Image: typosquat.Ref(),
			Why: []string{host + "/myorg-payments", "not under an allowed prefix"}},
		{Name: "older", Threat: "older signed version below the floor", Image: older.Ref(),
			Why: []string{older.Ref(), "refs/tags/v1.0.0", "below the minimum version 1.2.0"}},
		{Name: "denylisted", Threat: "denylisted digest", Image: denied.Ref(),
			Why: []string{denied.Digest, "deniedDigests"}},
		{Name: "unknown_part", Threat: "composition with an unknown part", Image: unknownPart.Ref(),
			Why: []string{"wasm-composition", "parts: "}},
		{Name: "sockets", Threat: "component that gained a wasi:sockets import", Image: socketsA.Ref(),
			Why: []string{"wasm-composition", "wasi:sockets/tcp@0.2.0"}},
		{Name: "unsigned_list", Threat: "composition list unsigned", Image: unsignedList.Ref(),
			Why: []string{"composition list " + digestOf(unsignedList.List), "no passing signature report"}},
		{Name: "container_image", Threat: "a container image (not WASM) on a WASM runtime class, signed with the release key", Image: image.Ref(),
			Why: []string{image.Ref(), "no passing signature report"}},
		{Name: "forked_builder", Threat: "provenance from a disallowed builder", Image: forked.Ref(),
			Why: []string{"wasm-slsa", "builder: ", ForkWorkflow}},
	}
	// Equal manifests would share referrers and blur the rows.
	seen := map[string]string{}
	for _, s := range w.Scenarios {
		if d := digestOf(s.Image); strings.HasPrefix(d, "sha256:") {
			if other, dup := seen[d]; dup {
				return nil, fmt.Errorf("scenarios %s and %s are the same manifest %s", other, s.Name, d)
			}
			seen[d] = s.Name
		}
	}
	return w, nil
}

func digestOf(ref string) string {
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '@' {
			return ref[i+1:]
		}
	}
	return ref
}

// pluginTimeout replaces the plugins' 2.5 s default deadline: on a loaded
// 2-core CI machine a plugin process can take longer to start, and these
// tests are about decisions (latency is measured and logged separately).
const pluginTimeout = "10s"

// Verifiers returns Ratify verifier entries trusting this publisher's keys.
func (p *Publisher) Verifiers() []map[string]any {
	// The publisher signs with cosign --tlog-upload=false (no Rekor on
	// loopback): the explicit opt-out, never a default.
	keyTrust := []map[string]any{{"name": "release", "scopes": []string{"*"}, "keys": []map[string]any{{"file": p.CosignPub}}, "insecureIgnoreTlog": true}}
	entries := []map[string]any{
		{
			"name": "wasm-cosign", "artifactTypes": TypeCosignSignature,
			"trustPolicies": keyTrust, "nonWasmSubjects": "skip",
		},
		{
			"name": "wasm-notation", "artifactTypes": TypeNotationSignature, "nonWasmSubjects": "skip",
			"trustPolicyDoc": map[string]any{"version": "1.0", "trustPolicies": []any{map[string]any{
				"name": "release", "registryScopes": []string{"*"},
				"signatureVerification": map[string]any{"level": "strict"},
				"trustStores":           []string{"ca:wasm.example"}, "trustedIdentities": []string{NotationIdentity},
			}}},
			"trustStores": map[string]any{"ca": map[string]any{"wasm.example": []string{p.NotationCert}}},
		},
		{
			// cosign attest writes the .att tag, which Ratify never lists;
			// wasm-slsa reads it when invoked for the subject's .sig.
			"name": "wasm-slsa", "artifactTypes": TypeCosignSignature, "nonWasmSubjects": "skip",
			"trustPolicies": keyTrust, "builderIds": []string{ReleaseWorkflow},
			"sourceUri": SourceRepo, "sourceRef": "refs/tags/v*",
		},
		{
			"name": "wasm-composition", "artifactTypes": TypeCompositionList,
			"denyImports": []string{"wasi:sockets/*"},
		},
	}
	// No entry for Ratify's built-in cosign verifier: it never compares the
	// signed digest with the subject on its trust-policy path, so it must
	// not vouch for anything; wasm-cosign verifies the lists' signatures.
	for _, e := range entries {
		e["timeout"] = pluginTimeout
	}
	return entries
}
