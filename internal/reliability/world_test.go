package reliability_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/slsatest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

const (
	slsaSourceRepo  = "github.com/ratify-wasm/hello"
	slsaBuilderFlow = "https://github.com/ratify-wasm/hello/.github/workflows/release.yml"
)

// Object names: every registry object a plugin may read.
const (
	objSubjectResolve   = "subject-resolve"   // HEAD of the subject manifest
	objSubjectManifest  = "subject-manifest"  // GET of the subject manifest
	objConfigBlob       = "config-blob"       // the subject's config blob
	objWasmLayer        = "wasm-layer"        // the subject's WASM layer
	objReferrerManifest = "referrer-manifest" // the referrer's manifest
	objReferrerLayer    = "referrer-layer"    // the referrer's layer (signature, bundle, list)
)

// pluginNames are the plugins under test: the runtime's test plugin and
// every plugin binary of the project.
var pluginNames = []string{"wasm-smoke", "wasm-cosign", "wasm-notation", "wasm-composition", "wasm-slsa"}

// pluginReads are the objects each plugin reads, in the order it reads
// them; the baseline checks them against what the proxy saw.
var pluginReads = map[string][]string{
	"wasm-smoke":       {objSubjectResolve, objSubjectManifest, objConfigBlob, objWasmLayer},
	"wasm-cosign":      {objSubjectResolve, objSubjectManifest, objConfigBlob, objReferrerManifest, objReferrerLayer},
	"wasm-notation":    {objSubjectResolve, objSubjectManifest, objConfigBlob, objReferrerManifest, objReferrerLayer},
	"wasm-composition": {objReferrerManifest, objSubjectResolve, objReferrerLayer, objSubjectManifest, objConfigBlob, objWasmLayer},
	"wasm-slsa":        {objSubjectResolve, objSubjectManifest, objConfigBlob, objReferrerManifest, objReferrerLayer},
}

// inProcess lists the plugins the suite can also drive in process (the
// test plugin is a main package).
func inProcess(name string) bool { return name != "wasm-smoke" }

// world is one registry holding a WASM subject with a referrer per plugin,
// each in its own repository (referrers are per repository, so no plugin
// is invoked for another's referrers).
type world struct {
	reg      *registrytest.Registry
	wasm     []byte
	subject  ocispec.Descriptor
	config   ocispec.Descriptor
	layer    ocispec.Descriptor
	other    map[string]ocispec.Descriptor // per repo: a second WASM artifact
	plugins  []*pluginSetup
	smokeDir string
	keys     *cosignKeys // signed the cosign signature and the provenance
}

// pluginSetup is one plugin, configured to pass on its repository's subject.
type pluginSetup struct {
	name  string // the binary, also the verifier entry's name
	repo  string
	entry map[string]any
	// referrer is the referrer this plugin verifies, as listed.
	referrer ocispec.Descriptor
	// referrerLayer is the layer of the referrer the plugin reads.
	referrerLayer ocispec.Descriptor
	// reads are the objects the plugin reads, in the order it reads them.
	reads []string
	// run drives the plugin in process (nil for the test plugin, which is a
	// main package).
	run func(t testing.TB, subject string, referrer ocispec.Descriptor, entry map[string]any) ratifytest.Result
}

// withEntry returns the verifier entry with extra keys.
func (p *pluginSetup) withEntry(extra map[string]any) map[string]any {
	e := map[string]any{}
	for k, v := range p.entry {
		e[k] = v
	}
	for k, v := range extra {
		e[k] = v
	}
	return e
}

// object returns the match for one of the objects a plugin reads.
func (w *world) object(p *pluginSetup, name string) faultproxy.Match {
	m := faultproxy.Match{Repo: p.repo, Client: faultproxy.Plugin, Method: "GET"}
	switch name {
	case objSubjectResolve:
		m.Kind, m.Method, m.Ref = faultproxy.Manifest, "HEAD", w.subject.Digest.String()
	case objSubjectManifest:
		m.Kind, m.Ref = faultproxy.Manifest, w.subject.Digest.String()
	case objConfigBlob:
		m.Kind, m.Ref = faultproxy.Blob, w.config.Digest.String()
	case objWasmLayer:
		m.Kind, m.Ref = faultproxy.Blob, w.layer.Digest.String()
	case objReferrerManifest:
		m.Kind, m.Ref = faultproxy.Manifest, p.referrer.Digest.String()
	case objReferrerLayer:
		m.Kind, m.Ref = faultproxy.Blob, p.referrerLayer.Digest.String()
	default:
		panic("unknown object " + name)
	}
	return m
}

// objectOf names the object a plugin request read, "" if none is known.
func (w *world) objectOf(p *pluginSetup, c faultproxy.Call) string {
	for _, name := range []string{objSubjectResolve, objSubjectManifest, objConfigBlob, objWasmLayer, objReferrerManifest, objReferrerLayer} {
		m := w.object(p, name)
		if c.Kind == m.Kind && c.Method == m.Method && c.Ref == m.Ref && c.Repo == m.Repo {
			return name
		}
	}
	return ""
}

// substitute returns another object of the same kind for a Substitute
// fault: another manifest for manifests, another blob for blobs.
func (w *world) substitute(p *pluginSetup, name string) string {
	switch name {
	case objSubjectManifest:
		return w.other[p.repo].Digest.String()
	case objReferrerManifest:
		return w.subject.Digest.String()
	case objConfigBlob:
		return w.layer.Digest.String()
	default:
		return w.config.Digest.String()
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newWorld pushes the subject and signs or attaches one referrer per
// plugin with the real CLIs (cosign v2.6.5 and v3.1.3, notation v1.3.2).
// With names, only those plugins are set up.
func newWorld(t *testing.T, reg *registrytest.Registry, names ...string) *world {
	t.Helper()
	start := time.Now()
	ctx := context.Background()
	w := &world{reg: reg, wasm: fixture(t, "nested.wasm"), other: map[string]ocispec.Descriptor{}}
	w.smokeDir = ratifytest.BuildPackage(t, "./internal/plugin/testdata/wasm-smoke", "wasm-smoke")
	keys := newCosignKeys(t)
	w.keys = keys
	layout := declaredLayout(t, w.wasm)
	if len(names) == 0 {
		names = pluginNames
	}
	for _, name := range names {
		repo := "rel/" + name
		d, err := registrytest.PushWasm(ctx, reg, repo, "v1", w.wasm, layout)
		if err != nil {
			t.Fatal(err)
		}
		w.subject = d
		other, err := registrytest.PushWasm(ctx, reg, repo, "other", fixture(t, "hello.component.wasm"), registrytest.WasmLayout{})
		if err != nil {
			t.Fatal(err)
		}
		w.other[repo] = other
		p := &pluginSetup{name: name, repo: repo, reads: pluginReads[name]}
		ref := reg.Ref(repo, d.Digest.String())
		switch name {
		case "wasm-smoke":
			p.entry = map[string]any{"type": "wasm-smoke", "artifactTypes": mediatype.Smoke, "require": "component"}
			p.referrer, err = registrytest.Attach(ctx, reg, repo, d, mediatype.Smoke, []registrytest.Blob{{MediaType: "application/json", Data: []byte(`{}`)}}, nil)
			if err != nil {
				t.Fatal(err)
			}
		case "wasm-cosign":
			keys.run(t, "cosign2", []string{"COSIGN_EXPERIMENTAL=1"}, "sign", "--key", keys.key, "--tlog-upload=false", "--allow-http-registry", "-y", "--registry-referrers-mode=oci-1-1", ref)
			p.entry = map[string]any{"artifactTypes": mediatype.CosignSignature, "trustPolicies": keyTrust(keys.pub)}
			p.referrer = onlyReferrer(t, reg, repo, d)
			p.run = func(t testing.TB, s string, r ocispec.Descriptor, e map[string]any) ratifytest.Result {
				return ratifytest.RunPlugin(t, cosign.Plugin, s, r, e)
			}
		case "wasm-notation":
			cli := notationCLI(t)
			args := []string{"sign", "--insecure-registry"}
			if reg.ReferrersAPI {
				args = append(args, "--force-referrers-tag=false")
			}
			cli.run(t, append(args, ref)...)
			p.entry = map[string]any{"artifactTypes": mediatype.NotationSignature,
				"trustPolicyDoc": map[string]any{"version": "1.0", "trustPolicies": []any{map[string]any{
					"name": "wasm", "registryScopes": []string{"*"}, "signatureVerification": map[string]any{"level": "strict"},
					"trustStores": []string{"ca:certs"}, "trustedIdentities": []string{notationIdentity}}}},
				"trustStores": map[string]any{"ca": map[string]any{"certs": []string{cli.certPath()}}}}
			p.referrer = onlyReferrer(t, reg, repo, d)
			p.run = func(t testing.TB, s string, r ocispec.Descriptor, e map[string]any) ratifytest.Result {
				return ratifytest.RunPlugin(t, notation.Plugin, s, r, e)
			}
		case "wasm-composition":
			raw, err := compositionList(w.wasm)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := reg.Repository(repo)
			if err != nil {
				t.Fatal(err)
			}
			if p.referrer, err = list.Attach(ctx, rep, d, raw); err != nil {
				t.Fatal(err)
			}
			p.entry = map[string]any{"artifactTypes": mediatype.CompositionList}
			p.run = func(t testing.TB, s string, r ocispec.Descriptor, e map[string]any) ratifytest.Result {
				return ratifytest.RunPlugin(t, composition.Plugin, s, r, e)
			}
		case "wasm-slsa":
			pred := keys.write(t, "provenance.json", slsaPredicate())
			keys.run(t, "cosign3", nil, "attest", "--key", keys.key, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "-y", "--type", "slsaprovenance1", "--predicate", pred, ref)
			p.entry = map[string]any{"artifactTypes": mediatype.SigstoreBundle + "," + ocispec.MediaTypeEmptyJSON, "trustPolicies": keyTrust(keys.pub),
				"builderIds": []string{slsaBuilderFlow}, "sourceUri": slsaSourceRepo, "sourceRef": "refs/tags/v1.*"}
			p.referrer = onlyReferrer(t, reg, repo, d)
			p.run = func(t testing.TB, s string, r ocispec.Descriptor, e map[string]any) ratifytest.Result {
				return ratifytest.RunPlugin(t, slsa.Plugin, s, r, e)
			}
		}
		p.entry["name"] = name
		if p.referrer.ArtifactType == "" {
			t.Fatalf("%s: referrer %s listed without an artifactType", name, p.referrer.Digest)
		}
		p.referrerLayer = firstLayer(t, reg, repo, p.referrer)
		w.plugins = append(w.plugins, p)
	}
	_, raw, err := registrytest.Fetch(ctx, reg, w.plugins[0].repo, w.subject.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	w.config, w.layer = m.Config, m.Layers[0]
	t.Logf("world on %s (%s) ready in %v", reg.Host, reg.Name, time.Since(start).Round(time.Millisecond))
	return w
}

// compositionList is the composition list of a binary.
func compositionList(b []byte) ([]byte, error) {
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return list.FromBinary(bin, list.Generator{Name: "reliability", Version: "1"}).Encode()
}

// declaredLayout is registrytest.DeclaredLayout for a binary the test
// knows is valid.
func declaredLayout(t testing.TB, b []byte) registrytest.WasmLayout {
	t.Helper()
	l, err := registrytest.DeclaredLayout(b)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// ref is the subject reference through proxy host.
func (w *world) ref(host string, p *pluginSetup) string {
	return host + "/" + p.repo + "@" + w.subject.Digest.String()
}

func (w *world) plugin(name string) *pluginSetup {
	for _, p := range w.plugins {
		if p.name == name {
			return p
		}
	}
	panic("no plugin " + name)
}

// keyTrust trusts one key file. The CLIs sign here without a transparency
// log (offline), so the policy accepts unlogged signatures explicitly.
func keyTrust(pub string) []map[string]any {
	return []map[string]any{{"name": "release-key", "scopes": []string{"*"}, "keys": []map[string]any{{"file": pub}}, "insecureIgnoreTlog": true}}
}

// slsaPredicate is a SLSA v1 predicate for a release of v1.2.0 that the
// wasm-slsa entry above accepts.
func slsaPredicate() map[string]any {
	return slsatest.PredicateV1(slsaSourceRepo, slsaBuilderFlow, "v1.2.0")
}

// onlyReferrer returns the one referrer of subject in repo, as listed.
func onlyReferrer(t testing.TB, reg *registrytest.Registry, repo string, subject ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	refs, err := registrytest.Referrers(context.Background(), reg, repo, subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 {
		t.Fatalf("%s: want one referrer, got %v", repo, refs)
	}
	return refs[0]
}

// firstLayer returns the first layer of the manifest d in repo.
func firstLayer(t testing.TB, reg *registrytest.Registry, repo string, d ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	_, raw, err := registrytest.Fetch(context.Background(), reg, repo, d.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil || len(m.Layers) == 0 {
		t.Fatalf("referrer %s: %v (%d layers)", d.Digest, err, len(m.Layers))
	}
	return m.Layers[0]
}

// cosignKeys is a private cosign home (internal/testing/clitest) with a key pair.
type cosignKeys struct {
	*clitest.Cosign
	key, pub string
}

func newCosignKeys(t testing.TB) *cosignKeys {
	t.Helper()
	c := clitest.NewCosign(t)
	key, pub := c.KeyPair(t, "cosign")
	return &cosignKeys{Cosign: c, key: key, pub: pub}
}

func (c *cosignKeys) run(t testing.TB, bin string, env []string, args ...string) {
	t.Helper()
	c.Run(t, bin, env, args...)
}

func (c *cosignKeys) write(t testing.TB, name string, v any) string {
	t.Helper()
	return c.WriteJSON(t, name, v)
}

// notationIdentity is the subject `notation cert generate-test wasm.example` writes.
const notationIdentity = clitest.TestCertIdentity

// notationCLI returns the shared notation home with the generate-test key.
func notationCLI(t testing.TB) *notation_ {
	t.Helper()
	return &notation_{clitest.TestCertNotation(t)}
}

type notation_ struct{ *clitest.Notation }

func (n *notation_) run(t testing.TB, args ...string) {
	t.Helper()
	n.Run(t, args...)
}

func (n *notation_) certPath() string { return n.TestCertPath() }

// ghost is a referrer descriptor for a manifest that does not exist.
func ghost(artifactType string) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, ArtifactType: artifactType, Digest: digest.FromString("no such manifest"), Size: 512}
}
