//go:build bench

package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/execstat"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/slsatest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

const (
	// The provenance the artifacts carry (as actions/attest-build-provenance
	// writes it) and the policy wasm-slsa and the baseline check.
	sourceRepo  = "github.com/ratify-wasm/hello"
	builderFlow = "https://github.com/ratify-wasm/hello/.github/workflows/release.yml"
	// notationIdentity is the subject `notation cert generate-test wasm.example` writes.
	notationIdentity = "x509.subject: CN=wasm.example, O=Notary, L=Seattle, ST=WA, C=US"
	// pluginTimeout replaces the plugins' 2.5 s default: on a shared,
	// loaded machine a deadline failure must not end a measurement.
	pluginTimeout = "20s"
)

// world is everything the measurements share: one registry, the tools,
// the binaries under test and the signed artifacts.
type world struct {
	plan plan
	root string
	home string // HOME for plugins and CLIs
	reg  *registrytest.Registry

	plugins string            // directory of the four plugin binaries
	probes  map[string]string // bench/cmd binaries by name
	runner  execstat.Runner   // starts every measured process

	cosign2, cosign3, notationBin string
	key, pub                      string // cosign key pair (password "bench")
	notationCert                  string // the CA certificate notation generated
	trustPolicy                   map[string]any
	cosignEnv, notationEnv        []string

	wasm   []byte  // hello.component.wasm, the signed artifact
	images []image // signed four ways
	// sigOnly carries only a cosign v2.6.5 .sig: cosign v2 verify switches
	// to the bundle format, and fails without a trusted root, as soon as
	// an artifact has bundle referrers (the provenance in images).
	sigOnly image
	// bundleSigned is signed by cosign v3.1.3 (sigstore bundle referrer),
	// apart from images so the bundle type only carries provenance there.
	bundleSigned image
}

// image is one WASM artifact with the referrers the plugins verify.
type image struct {
	repo        string
	subject     ocispec.Descriptor
	tagRef      string             // host/repo:v1, as Gatekeeper sends it
	digestRef   string             // host/repo@sha256:…
	sig         ocispec.Descriptor // cosign v2 .sig tag, as Ratify's store lists it
	notationSig ocispec.Descriptor
	provenance  ocispec.Descriptor // cosign v3 SLSA bundle referrer
	list        ocispec.Descriptor // composition list referrer
	bundleSig   ocispec.Descriptor // cosign v3 signature bundle (bundleSigned only)
}

func newWorld(t *testing.T, p plan) *world {
	root := testenv.RepoRoot(t)
	w := &world{plan: p, root: root, home: t.TempDir(),
		cosign2: testenv.Bin(t, "cosign2"), cosign3: testenv.Bin(t, "cosign3"), notationBin: testenv.Bin(t, "notation")}
	testenv.Bin(t, "ratify")
	w.plugins = ratifytest.PluginDir(t)
	w.probes = buildProbes(t, root)
	w.runner = execstat.Runner{Spawner: w.probes["rusage-exec"]}
	w.reg = registrytest.StartDistribution(t)
	w.wasm = fixture(t, "hello.component.wasm")

	w.cosignEnv = append(os.Environ(), "HOME="+w.home, "TUF_ROOT="+filepath.Join(w.home, ".sigstore"),
		"COSIGN_PASSWORD=bench", "DOCKER_CONFIG="+filepath.Join(w.home, ".docker"))
	w.notationEnv = append(os.Environ(), "HOME="+w.home, "XDG_CONFIG_HOME="+filepath.Join(w.home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(w.home, "cache"))
	keyDir := filepath.Join(w.home, "keys")
	if err := os.MkdirAll(keyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	w.run(t, w.cosignEnv, keyDir, w.cosign2, "generate-key-pair")
	w.key, w.pub = filepath.Join(keyDir, "cosign.key"), filepath.Join(keyDir, "cosign.pub")
	w.run(t, w.notationEnv, w.home, w.notationBin, "cert", "generate-test", "--default", "wasm.example")
	w.notationCert = filepath.Join(w.home, "config", "notation", "localkeys", "wasm.example.crt")
	w.trustPolicy = map[string]any{"version": "1.0", "trustPolicies": []any{map[string]any{
		"name": "wasm", "registryScopes": []string{"*"}, "signatureVerification": map[string]any{"level": "strict"},
		"trustStores": []string{"ca:wasm.example"}, "trustedIdentities": []string{notationIdentity}}}}
	policyFile := filepath.Join(w.home, "trustpolicy.json")
	writeJSON(t, policyFile, w.trustPolicy)
	w.run(t, w.notationEnv, w.home, w.notationBin, "policy", "import", "--force", policyFile)

	predicate := filepath.Join(w.home, "provenance.json")
	writeJSON(t, predicate, slsatest.PredicateV1(sourceRepo, builderFlow, "v1.2.0"))
	start := time.Now()
	for i := range p.images {
		w.images = append(w.images, w.signedImage(t, "bench/app"+string(rune('a'+i)), predicate))
	}
	w.sigOnly = w.push(t, "bench/cosign2")
	w.run(t, w.cosignEnv, w.home, w.cosign2, "sign", "--key", w.key, "--tlog-upload=false", "--allow-http-registry", "-y", w.sigOnly.digestRef)
	w.sigOnly.sig = w.sigTag(t, w.sigOnly)
	w.bundleSigned = w.bundleImage(t)
	t.Logf("signed %d artifacts in %v", len(w.images)+2, time.Since(start).Round(time.Millisecond))
	return w
}

// run executes a setup command (key generation, signing).
func (w *world) run(t *testing.T, env []string, dir, bin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir = env, dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
}

// push pushes hello.component.wasm (CNCF layout) to repo:v1.
func (w *world) push(t *testing.T, repo string) image {
	d := pushComponent(t, w.reg, repo, w.wasm)
	return image{repo: repo, subject: d, tagRef: w.reg.Ref(repo, "v1"), digestRef: w.reg.Ref(repo, d.Digest.String())}
}

// signedImage pushes an artifact and gives it the four referrers:
// cosign v2 .sig, notation JWS, cosign v3 SLSA provenance bundle and a
// composition list.
func (w *world) signedImage(t *testing.T, repo, predicate string) image {
	im := w.push(t, repo)
	w.run(t, w.cosignEnv, w.home, w.cosign2, "sign", "--key", w.key, "--tlog-upload=false", "--allow-http-registry", "-y", im.digestRef)
	w.run(t, w.notationEnv, w.home, w.notationBin, "sign", "--insecure-registry", im.digestRef)
	w.run(t, w.cosignEnv, w.home, w.cosign3, "attest", "--key", w.key, "--use-signing-config=false", "--tlog-upload=false",
		"--allow-http-registry", "-y", "--type", "slsaprovenance1", "--predicate", predicate, im.digestRef)
	attachList(t, w.reg, repo, im.subject, w.wasm)

	im.sig = w.sigTag(t, im)
	refs, err := registrytest.Referrers(context.Background(), w.reg, repo, im.subject)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range refs {
		switch w.classify(t, repo, d) {
		case mediatype.NotationSignature:
			im.notationSig = d
		case mediatype.CompositionList:
			im.list = d
		case mediatype.SigstoreBundle:
			im.provenance = d
		}
	}
	if im.notationSig.Digest == "" || im.list.Digest == "" || im.provenance.Digest == "" {
		t.Fatalf("%s: missing referrers: %+v", repo, im)
	}
	return im
}

// bundleImage is an artifact signed by cosign v3.1.3 with its default
// format, a sigstore bundle referrer, and no service (a signing config without Fulcio, Rekor or TSA).
func (w *world) bundleImage(t *testing.T) image {
	im := w.push(t, "bench/bundle")
	sc := filepath.Join(w.home, "signing-config.json")
	if err := os.WriteFile(sc, []byte(clitest.SigningConfigNoServices), 0o600); err != nil {
		t.Fatal(err)
	}
	w.run(t, w.cosignEnv, w.home, w.cosign3, "sign", "--key", w.key, "--signing-config", sc, "--allow-http-registry", "-y", im.digestRef)
	refs, err := registrytest.Referrers(context.Background(), w.reg, im.repo, im.subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || w.classify(t, im.repo, refs[0]) != mediatype.SigstoreBundle {
		t.Fatalf("cosign v3 signature: want one bundle referrer, got %+v", refs)
	}
	im.bundleSig = refs[0]
	return im
}

// classify names a referrer by its listed artifactType, or by its layer
// when the registry lists it as the empty type (no artifactType, empty config).
func (w *world) classify(t *testing.T, repo string, d ocispec.Descriptor) string {
	if d.ArtifactType != "" && d.ArtifactType != ocispec.MediaTypeEmptyJSON {
		return d.ArtifactType
	}
	_, raw, err := registrytest.Fetch(context.Background(), w.reg, repo, d.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil || len(m.Layers) == 0 {
		t.Fatalf("referrer %s: %v", d.Digest, err)
	}
	return m.Layers[0].MediaType
}

// sigTag resolves the cosign sha256-<hex>.sig tag as Ratify's oras store
// does with cosignEnabled, with the artifactType the store synthesizes.
func (w *world) sigTag(t *testing.T, im image) ocispec.Descriptor {
	tag := strings.Replace(im.subject.Digest.String(), ":", "-", 1) + ".sig"
	d, _, err := registrytest.Fetch(context.Background(), w.reg, im.repo, tag)
	if err != nil {
		t.Fatalf("no cosign signature tag %s: %v", tag, err)
	}
	d.ArtifactType = mediatype.CosignSignature
	return d
}

// pushComponent pushes a component in the CNCF layout (oci-wasm) to
// repo:v1, its config declaring the component's real imports and exports.
func pushComponent(t *testing.T, r *registrytest.Registry, repo string, b []byte) ocispec.Descriptor {
	layout, err := registrytest.DeclaredLayout(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := registrytest.PushWasm(context.Background(), r, repo, "v1", b, layout)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// attachList attaches the composition list of wasm to subject and returns
// the referrer as Ratify lists it.
func attachList(t *testing.T, r *registrytest.Registry, repo string, subject ocispec.Descriptor, b []byte) ocispec.Descriptor {
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	list, err := list.FromBinary(bin, list.ThisGenerator()).Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := registrytest.Attach(context.Background(), r, repo, subject, mediatype.CompositionList,
		[]registrytest.Blob{{MediaType: mediatype.CompositionList, Data: list}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.ArtifactType = mediatype.CompositionList
	return d
}

// Verifier entries, the same trust for Ratify's built-ins and the plugins.

func (w *world) keys() []any { return []any{map[string]any{"file": w.pub}} }

func (w *world) builtinCosign() map[string]any {
	return map[string]any{"name": "cosign", "artifactTypes": mediatype.CosignSignature,
		"trustPolicies": []any{map[string]any{"name": "default", "version": "1.0.0", "scopes": []string{"*"}, "keys": w.keys(), "tLogVerify": false}}}
}

func (w *world) wasmCosign() map[string]any {
	return map[string]any{"name": "wasm-cosign", "artifactTypes": mediatype.CosignSignature, "timeout": pluginTimeout,
		"trustPolicies": []any{map[string]any{"name": "default", "scopes": []string{"*"}, "keys": w.keys(), "insecureIgnoreTlog": true}}}
}

func (w *world) builtinNotation() map[string]any {
	return map[string]any{"name": "notation", "artifactTypes": mediatype.NotationSignature,
		"verificationCerts": []string{w.notationCert}, "trustPolicyDoc": w.trustPolicy}
}

func (w *world) wasmNotation() map[string]any {
	return map[string]any{"name": "wasm-notation", "artifactTypes": mediatype.NotationSignature, "timeout": pluginTimeout,
		"trustPolicyDoc": w.trustPolicy, "trustStores": map[string]any{"ca": map[string]any{"wasm.example": []string{w.notationCert}}}}
}

func (w *world) wasmSLSA() map[string]any {
	return map[string]any{"name": "wasm-slsa", "artifactTypes": mediatype.SigstoreBundle + "," + ocispec.MediaTypeEmptyJSON, "timeout": pluginTimeout,
		"trustPolicies": []any{map[string]any{"name": "release-key", "scopes": []string{"*"}, "keys": w.keys(), "insecureIgnoreTlog": true}},
		"builderIds":    []string{builderFlow}, "sourceUri": sourceRepo, "sourceRef": "refs/tags/v1.*"}
}

func (w *world) wasmComposition() map[string]any {
	return map[string]any{"name": "wasm-composition", "artifactTypes": mediatype.CompositionList, "timeout": pluginTimeout}
}

func (w *world) plugin(name string) string { return filepath.Join(w.plugins, name) }

// importProbes are the builds of bench/cmd/import-probe: build tag → what
// it links ("" is the exec floor).
var importProbes = []struct{ tag, links string }{
	{"", "nothing (exec floor)"},
	{"probe_wasm", "internal/wasm (the parser)"},
	{"probe_oras", "oras-go registry client"},
	{"probe_notation", "notation-go verifier (wasm-notation)"},
	{"probe_jsonschema", "santhosh-tekuri/jsonschema (wasm-composition)"},
	{"probe_sigstore", "sigstore-go verify (wasm-cosign, wasm-slsa)"},
	{"probe_ratify", "Ratify pkg/utils, which imports its Kubernetes API types"},
	{"lean_cosign", "wasm-cosign's libraries without Ratify: oras-go, sigstore-go, parser"},
	{"lean_notation", "wasm-notation's libraries without Ratify: oras-go, notation-go, parser"},
	{"lean_slsa", "wasm-slsa's libraries without Ratify: oras-go, sigstore-go, in-toto, parser"},
	{"lean_composition", "wasm-composition's libraries without Ratify: oras-go, jsonschema, parser"},
}

// probeName names the import-probe build for tag.
func probeName(tag string) string {
	if tag == "" {
		return "import-probe"
	}
	return "import-probe-" + strings.TrimPrefix(tag, "probe_")
}

// buildProbes builds the binaries under bench/cmd: the spawner, the
// sigstore-go provenance check, skel-probe and every import-probe variant.
func buildProbes(t *testing.T, root string) map[string]string {
	dir := t.TempDir()
	build := func(out string, args ...string) {
		cmd := exec.Command("go", append([]string{"build", "-trimpath", "-o", filepath.Join(dir, out)}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	out := map[string]string{}
	for _, n := range []string{"rusage-exec", "sigstore-provenance", "skel-probe"} {
		build(n, "./bench/cmd/"+n)
		out[n] = filepath.Join(dir, n)
	}
	for _, p := range importProbes {
		n := probeName(p.tag)
		build(n, "-tags", p.tag, "./bench/cmd/import-probe")
		out[n] = filepath.Join(dir, n)
	}
	return out
}

func writeJSON(t *testing.T, path string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
