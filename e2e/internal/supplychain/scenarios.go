package supplychain

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
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
	Registry  *registrytest.Registry
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
func Build(ctx context.Context, t *harness.Tools, reg *registrytest.Registry, dir string) (*World, error) {
	p, err := NewPublisher(ctx, t, reg, dir)
	if err != nil {
		return nil, err
	}
	bins, err := readBinaries(t)
	if err != nil {
		return nil, err
	}
	a, err := publishArtifacts(ctx, p, bins)
	if err != nil {
		return nil, err
	}
	host := reg.Host
	w := &World{Registry: reg, Publisher: p, AllowedPrefixes: []string{host + "/myorg"}}
	w.Params = map[string]any{
		"allowedRepositories": w.AllowedPrefixes,
		"deniedDigests":       []string{a.denied.Digest},
		"minimumVersions":     map[string]string{host + "/myorg/payments": "1.2.0"},
	}
	w.Verifiers = p.Verifiers()
	w.Scenarios = a.scenarios(host)
	if err := distinctManifests(w.Scenarios); err != nil {
		return nil, err
	}
	return w, nil
}

// binaries are the WASM fixtures the scenarios publish.
type binaries struct {
	nested, sockets, plug []byte
	tampered              []byte // nested after tamper
}

func readBinaries(t *harness.Tools) (*binaries, error) {
	b := &binaries{}
	for _, f := range []struct {
		name string
		into *[]byte
	}{{"nested.wasm", &b.nested}, {"sockets.wasm", &b.sockets}, {"plug.wasm", &b.plug}} {
		data, err := os.ReadFile(t.Fixture(f.name))
		if err != nil {
			return nil, err
		}
		*f.into = data
	}
	var err error
	if b.tampered, err = tamper(b.nested); err != nil {
		return nil, err
	}
	return b, nil
}

// tamper changes one constant in the innermost module of nested: the
// binary stays well-formed, three nested parts (that module and the two
// components around it) get digests no composition list knows.
func tamper(nested []byte) ([]byte, error) {
	old, changed := []byte{0x41, 0x15, 0x0b}, []byte{0x41, 0x16, 0x0b}
	if bytes.Count(nested, old) != 1 {
		return nil, fmt.Errorf("nested.wasm: expected exactly one i32.const 21 to change")
	}
	return bytes.Replace(nested, old, changed, 1), nil
}

// artifacts are the published artifacts the scenarios are about.
type artifacts struct {
	verified, unsigned, replaced, swapped, typosquat, older, denied *Artifact
	unknownPart, sockets, unsignedList, forked, image               *Artifact
}

// publishArtifacts publishes the scenarios' artifacts in order (swapped
// pushes over the tag of replaced).
func publishArtifacts(ctx context.Context, p *Publisher, b *binaries) (*artifacts, error) {
	r := &releaser{ctx: ctx, p: p}
	release := Provenance{Builder: ReleaseWorkflow, Tag: "v1.2.0"}
	a := &artifacts{}
	a.verified = r.publish("myorg/payments", "v1.2.0", b.nested, r.full(b.nested, release)...)
	a.unsigned = r.publish("myorg/unsigned", "v1.2.0", b.nested, r.listOf(b.nested, true), r.signList)
	// Signed, attested and listed at v1, then the tag is pushed over with
	// another binary: the tag now names a digest nobody signed.
	a.replaced = r.publish("myorg/replaced", "v1", b.nested, r.full(b.nested, release)...)
	a.swapped = r.publish("myorg/replaced", "v1", b.plug)
	// A correctly signed copy in a look-alike repository.
	a.typosquat = r.publish("myorg-payments", "v1.2.0", b.nested, r.full(b.nested, release)...)
	// A genuine, signed older release with a known vulnerability.
	a.older = r.publish("myorg/payments", "v1.0.0", b.plug, r.cosignSig, r.attest(Provenance{Builder: ReleaseWorkflow, Tag: "v1.0.0"}), r.listOf(b.plug, true), r.signList)
	a.denied = r.publish("myorg/payments", "v1.1.0", b.plug, r.full(b.plug, Provenance{Builder: ReleaseWorkflow, Tag: "v1.2.1"})...)
	a.unknownPart = r.publish("myorg/payments", "v1.2.0-patched", b.tampered, r.cosignSig, r.notationSig, r.attest(release), r.listOf(b.nested, false), r.signList)
	a.sockets = r.publish("myorg/payments", "v1.2.0-sockets", b.sockets, r.full(b.sockets, release)...)
	a.unsignedList = r.publish("myorg/payments", "v1.2.0-unsigned-list", b.nested, r.cosignSig, r.notationSig, r.attest(release), r.listOf(b.nested, true))
	a.forked = r.publish("myorg/payments", "v1.2.0-fork", b.nested, r.full(b.nested, Provenance{Builder: ForkWorkflow, Tag: "v1.2.0"})...)
	if r.err != nil {
		return nil, r.err
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
	a.image = image
	return a, nil
}

// releaser publishes like the real pipeline: push, both signatures,
// provenance, composition list made from the same binary, list signed; a
// scenario leaves steps out or changes them. It serves one Build (hence
// its context), and after a failure publishes nothing more, so that the
// artifacts read as a list and are checked for an error once.
type releaser struct {
	ctx context.Context
	p   *Publisher
	err error
}

type step func(a *Artifact) error

// publish pushes wasm to repo:tag and runs steps on it.
func (r *releaser) publish(repo, tag string, wasm []byte, steps ...step) *Artifact {
	if r.err != nil {
		return nil
	}
	a, err := r.p.Push(r.ctx, repo, tag, wasm)
	if err != nil {
		r.err = err
		return nil
	}
	for _, s := range steps {
		if err := s(a); err != nil {
			r.err = fmt.Errorf("%s: %w", a.Ref(), err)
			return nil
		}
	}
	return a
}

func (r *releaser) cosignSig(a *Artifact) error   { return r.p.CosignSign(r.ctx, a.Ref()) }
func (r *releaser) notationSig(a *Artifact) error { return r.p.NotationSign(r.ctx, a.Ref()) }
func (r *releaser) signList(a *Artifact) error    { return r.p.CosignSign(r.ctx, a.List) }

func (r *releaser) attest(b Provenance) step {
	return func(a *Artifact) error { return r.p.Attest(r.ctx, a.Ref(), b) }
}

func (r *releaser) listOf(describes []byte, own bool) step {
	return func(a *Artifact) error { return r.p.AttachList(r.ctx, a, describes, own) }
}

// full is every step of the pipeline.
func (r *releaser) full(wasm []byte, b Provenance) []step {
	return []step{r.cosignSig, r.notationSig, r.attest(b), r.listOf(wasm, true), r.signList}
}

// scenarios are the rows of the threat matrix, on host's registry.
func (a *artifacts) scenarios(host string) []Scenario {
	return []Scenario{
		{Name: "verified", Threat: "fully verified artifact", Image: a.verified.Ref(), Admit: true, Valid: true},
		{Name: "verified_tag", Threat: "the verified artifact referenced by tag", Image: a.verified.TagRef(),
			Why: []string{a.verified.TagRef(), "is not pinned by digest"}, AdmitPinned: true},
		{Name: "unsigned", Threat: "unsigned artifact", Image: a.unsigned.Ref(),
			Why: []string{a.unsigned.Ref(), "no passing signature report"}},
		{Name: "replaced", Threat: "artifact replaced in the registry after signing (same tag, new digest)", Image: a.replaced.TagRef(),
			Why: []string{a.replaced.TagRef(), "not pinned by digest"}, WhyPinned: []string{a.swapped.Ref(), "no passing signature report"}},
		{Name: "typosquat", Threat: "typosquatted repository", Image: a.typosquat.Ref(),
			Why: []string{host + "/myorg-payments", "not under an allowed prefix"}},
		{Name: "older", Threat: "older signed version below the floor", Image: a.older.Ref(),
			Why: []string{a.older.Ref(), "refs/tags/v1.0.0", "below the minimum version 1.2.0"}},
		{Name: "denylisted", Threat: "denylisted digest", Image: a.denied.Ref(),
			Why: []string{a.denied.Digest, "deniedDigests"}},
		{Name: "unknown_part", Threat: "composition with an unknown part", Image: a.unknownPart.Ref(),
			Why: []string{"wasm-composition", "parts: "}},
		{Name: "sockets", Threat: "component that gained a wasi:sockets import", Image: a.sockets.Ref(),
			Why: []string{"wasm-composition", "wasi:sockets/tcp@0.2.0"}},
		{Name: "unsigned_list", Threat: "composition list unsigned", Image: a.unsignedList.Ref(),
			Why: []string{"composition list " + digestOf(a.unsignedList.List), "no passing signature report"}},
		{Name: "container_image", Threat: "a container image (not WASM) on a WASM runtime class, signed with the release key", Image: a.image.Ref(),
			Why: []string{a.image.Ref(), "no passing signature report"}},
		{Name: "forked_builder", Threat: "provenance from a disallowed builder", Image: a.forked.Ref(),
			Why: []string{"wasm-slsa", "builder: ", ForkWorkflow}},
	}
}

// distinctManifests refuses two scenarios on one manifest: equal manifests
// would share referrers and blur the rows.
func distinctManifests(scenarios []Scenario) error {
	seen := map[string]string{}
	for _, s := range scenarios {
		if d := digestOf(s.Image); strings.HasPrefix(d, "sha256:") {
			if other, dup := seen[d]; dup {
				return fmt.Errorf("scenarios %s and %s are the same manifest %s", other, s.Name, d)
			}
			seen[d] = s.Name
		}
	}
	return nil
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
