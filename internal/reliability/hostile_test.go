package reliability_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// hostileEnv is a referrers registry and a valid entry per plugin.
type hostileEnv struct {
	reg     *registrytest.Registry
	good    []byte // nested.wasm
	entries map[string]map[string]any
	smoke   string
}

// hostileCase pushes one bad input; push returns the subject to verify and,
// optionally, a proxy rule that makes the registry list something more.
type hostileCase struct {
	name, plugin, desc string
	want               *regexp.Regexp
	push               func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault)
	// config, when set, is merged over the plugin's default entry (for
	// attacks that need a setting the default entry lacks, e.g. a skip).
	config map[string]any
}

// attackCases are hostile cases defined beside the defences they test
// (attacks_*_test.go files append to it in init), so that each area keeps
// its own table while every case runs through TestHostileInputs and is
// listed on the page.
var attackCases []hostileCase

// pushGood pushes nested.wasm with its declared interface.
func (h *hostileEnv) pushGood(t *testing.T, repo string) ocispec.Descriptor {
	t.Helper()
	d, err := registrytest.PushWasm(context.Background(), h.reg, repo, "v1", h.good, declaredLayout(t, h.good))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// attach attaches one layer of mediaType holding data as a referrer of d.
func (h *hostileEnv) attach(t *testing.T, repo string, d ocispec.Descriptor, artifactType, mediaType string, data []byte, ann map[string]string) ocispec.Descriptor {
	t.Helper()
	r, err := registrytest.Attach(context.Background(), h.reg, repo, d, artifactType, []registrytest.Blob{{MediaType: mediaType, Data: data, Annotations: ann}}, nil, registrytest.WithConfigShape(registrytest.TypedConfig))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// attachClaimed pushes a referrer whose one layer claims size bytes (the
// blob does not exist: a limit must stop the read first).
func (h *hostileEnv) attachClaimed(t *testing.T, repo string, d ocispec.Descriptor, artifactType, mediaType string, size int64) {
	t.Helper()
	cfg := []byte("{}")
	m := ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest, ArtifactType: artifactType,
		Config:  ocispec.Descriptor{MediaType: artifactType, Digest: digest.FromBytes(cfg), Size: int64(len(cfg))},
		Layers:  []ocispec.Descriptor{{MediaType: mediaType, Digest: digest.FromString("claimed"), Size: size}},
		Subject: &ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size},
	}
	m.SchemaVersion = 2
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registrytest.PushManifest(context.Background(), h.reg, repo, "", raw, map[digest.Digest][]byte{digest.FromBytes(cfg): cfg}); err != nil {
		t.Fatal(err)
	}
}

// wasmCase is a composition verification of a subject whose WASM layer is
// hostile, with the genuine composition list of nested.wasm attached.
func wasmCase(name, desc, want string) hostileCase {
	return hostileCase{name: "wasm-" + name, plugin: "wasm-composition", desc: desc, want: regexp.MustCompile(want),
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			bad := hostileWasm(h.good)[name]
			d, err := registrytest.PushWasm(context.Background(), h.reg, repo, "v1", bad, registrytest.WasmLayout{})
			if err != nil {
				t.Fatal(err)
			}
			h.attach(t, repo, d, mediatype.CompositionList, mediatype.CompositionList, h.list(t), nil)
			return d, nil, nil
		}}
}

func (h *hostileEnv) list(t *testing.T) []byte {
	t.Helper()
	raw, err := compositionList(h.good)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// referrerCase attaches one bad layer to a good subject.
func referrerCase(name, plugin, desc, want, artifactType, mediaType string, data []byte, ann map[string]string) hostileCase {
	return hostileCase{name: name, plugin: plugin, desc: desc, want: regexp.MustCompile(want),
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			d := h.pushGood(t, repo)
			h.attach(t, repo, d, artifactType, mediaType, data, ann)
			return d, nil, nil
		}}
}

// claimedCase attaches a referrer whose layer claims an oversized blob.
func claimedCase(name, plugin, desc, want, artifactType, mediaType string, size int64) hostileCase {
	return hostileCase{name: name, plugin: plugin, desc: desc, want: regexp.MustCompile(want),
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			d := h.pushGood(t, repo)
			h.attachClaimed(t, repo, d, artifactType, mediaType, size)
			return d, nil, nil
		}}
}

// subjectCase pushes a bad subject (with a referrer for the smoke plugin).
func subjectCase(name, desc, want string, layout func(h *hostileEnv) ([]byte, registrytest.WasmLayout)) hostileCase {
	return hostileCase{name: name, plugin: "wasm-smoke", desc: desc, want: regexp.MustCompile(want),
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			b, l := layout(h)
			d, err := registrytest.PushWasm(context.Background(), h.reg, repo, "v1", b, l)
			if err != nil {
				t.Fatal(err)
			}
			h.attach(t, repo, d, mediatype.Smoke, "application/json", []byte("{}"), nil)
			return d, nil, nil
		}}
}

var (
	simpleSigning = mediatype.CosignSimpleSigning
	sigAnn        = map[string]string{"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString([]byte("not a signature"))}
)

func statementPayload(typ string) string {
	return base64.StdEncoding.EncodeToString([]byte(`{"_type":"` + typ + `","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`))
}

var hostileCases = []hostileCase{
	wasmCase("truncated", "WASM layer cut in half (lengths past the end)", `parse: .*unexpected end-of-file`),
	wasmCase("section-past-end", "a nested module section whose length (4 GiB) runs past the end", `parse: .*unexpected end-of-file`),
	wasmCase("deep-nesting", "100 components nested in each other", `parse: .*MaxDepth`),
	wasmCase("huge-count", "an import section declaring 4,294,967,295 imports", `parse: .*(limit|end-of-file)`),
	wasmCase("duplicate-section", "a core module with two type sections", `parse: .*out of order`),
	wasmCase("many-custom-sections", "100,001 custom sections", `parse: .*MaxCustomSections`),
	wasmCase("not-wasm", "a WASM layer that is text", `magic`),
	wasmCase("empty", "an empty WASM layer", `magic|end-of-file`),

	referrerCase("list-not-json", "wasm-composition", "composition list that is not JSON", `list: `, mediatype.CompositionList, mediatype.CompositionList, []byte("{not json"), nil),
	referrerCase("list-deep-json", "wasm-composition", "composition list of 100,000 nested arrays", `list: `, mediatype.CompositionList, mediatype.CompositionList, []byte(strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)), nil),
	referrerCase("list-wrong-schema", "wasm-composition", "composition list of another schema", `list: `, mediatype.CompositionList, mediatype.CompositionList, []byte(`{"mediaType":"application/json","parts":"all"}`), nil),
	claimedCase("list-oversized", "wasm-composition", "composition list layer declared as 1 TiB", `more than the limit`, mediatype.CompositionList, mediatype.CompositionList, 1<<40),

	{name: "sig-too-many-layers", plugin: "wasm-cosign", desc: "signature manifest with 65 signature layers", want: regexp.MustCompile(`65 layers, more than the 64`),
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			d := h.pushGood(t, repo)
			var layers []registrytest.Blob
			for i := range 65 {
				layers = append(layers, registrytest.Blob{MediaType: simpleSigning, Data: []byte(fmt.Sprintf(`{"n":%d}`, i)), Annotations: sigAnn})
			}
			if _, err := registrytest.Attach(context.Background(), h.reg, repo, d, mediatype.CosignSignature, layers, nil, registrytest.WithConfigShape(registrytest.TypedConfig)); err != nil {
				t.Fatal(err)
			}
			return d, nil, nil
		}},
	claimedCase("sig-layer-oversized", "wasm-cosign", "signature layer declared as 1 TiB", `above the [0-9]+-byte limit`, mediatype.CosignSignature, simpleSigning, 1<<40),
	referrerCase("sig-not-base64", "wasm-cosign", "signature annotation that is not base64", `not base64`, mediatype.CosignSignature, simpleSigning, []byte(`{}`), map[string]string{"dev.cosignproject.cosign/signature": "%%%"}),
	referrerCase("sig-forged", "wasm-cosign", "simple-signing payload with a signature that is not one", `signature`, mediatype.CosignSignature, simpleSigning, []byte(`{"critical":{}}`), sigAnn),
	{name: "sig-of-another-subject", plugin: "wasm-cosign", desc: "another artifact's signature listed for this one", want: regexp.MustCompile(`attached to sha256:[0-9a-f]+, not to the subject`),
		push: func(t *testing.T, h *hostileEnv, repo string) (ocispec.Descriptor, *faultproxy.Match, faultproxy.Fault) {
			d := h.pushGood(t, repo)
			other, err := registrytest.PushWasm(context.Background(), h.reg, repo, "other", fixture(t, "hello.component.wasm"), registrytest.WasmLayout{})
			if err != nil {
				t.Fatal(err)
			}
			sig := h.attach(t, repo, other, mediatype.CosignSignature, simpleSigning, []byte(`{}`), sigAnn)
			sig.ArtifactType = mediatype.CosignSignature
			return d, &faultproxy.Match{Kind: faultproxy.Referrers, Client: faultproxy.Ratify}, faultproxy.AddReferrers(sig)
		}},
	referrerCase("bundle-not-json", "wasm-cosign", "sigstore bundle that is not JSON", `not a valid sigstore bundle`, mediatype.SigstoreBundle, mediatype.SigstoreBundle, []byte("{nope"), nil),
	referrerCase("bundle-empty", "wasm-cosign", "sigstore bundle `{}`", `bundle`, mediatype.SigstoreBundle, mediatype.SigstoreBundle, []byte("{}"), nil),

	referrerCase("dsse-not-json", "wasm-slsa", "DSSE envelope that is not JSON", `.`, mediatype.DSSE, mediatype.DSSE, []byte("{nope"), nil),
	referrerCase("dsse-payload-not-base64", "wasm-slsa", "DSSE envelope whose payload is not base64", `base64|payload`, mediatype.DSSE, mediatype.DSSE,
		[]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"%%%","signatures":[{"sig":"AAAA"}]}`), nil),
	referrerCase("dsse-two-signatures", "wasm-slsa", "DSSE envelope with two signatures", `.`, mediatype.DSSE, mediatype.DSSE,
		[]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"`+statementPayload("https://in-toto.io/Statement/v1")+`","signatures":[{"sig":"AAAA"},{"sig":"AAAA"}]}`), nil),
	referrerCase("intoto-bad-type", "wasm-slsa", "DSSE envelope holding a statement of unknown _type", `.`, mediatype.DSSE, mediatype.DSSE,
		[]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"`+statementPayload("https://example.com/NotAStatement")+`","signatures":[{"sig":"AAAA"}]}`), nil),
	claimedCase("dsse-oversized", "wasm-slsa", "DSSE layer declared as 1 TiB", `limit|more than`, mediatype.DSSE, mediatype.DSSE, 1<<40),

	referrerCase("notation-envelope-garbage", "wasm-notation", "notation signature envelope that is random bytes", `.`, mediatype.NotationSignature, jws.MediaTypeEnvelope, []byte("garbage"), nil),
	claimedCase("notation-envelope-oversized", "wasm-notation", "notation signature envelope declared as 1 TiB", `allows at most`, mediatype.NotationSignature, jws.MediaTypeEnvelope, 1<<40),

	subjectCase("subject-container-image", "a container image instead of a WASM artifact", `not a WASM artifact`, func(*hostileEnv) ([]byte, registrytest.WasmLayout) {
		return nil, registrytest.WasmLayout{Format: registrytest.ContainerImage}
	}),
	subjectCase("subject-cncf-two-layers", "a CNCF WASM artifact with two layers", `exactly one`, func(h *hostileEnv) ([]byte, registrytest.WasmLayout) {
		return h.good, registrytest.WasmLayout{ExtraLayers: []registrytest.Blob{{MediaType: mediatype.CNCFLayer, Data: h.good[:64]}}}
	}),
	subjectCase("subject-config-oversized", "a config blob of 1 MiB + 1 byte", `outside the limit`, func(h *hostileEnv) ([]byte, registrytest.WasmLayout) {
		return h.good, registrytest.WasmLayout{Config: []byte(`{"architecture":"wasm","os":"wasip2","pad":"` + strings.Repeat("x", 1<<20) + `"}`)}
	}),
	subjectCase("subject-config-not-wasm", "a CNCF config saying architecture amd64", `architecture`, func(h *hostileEnv) ([]byte, registrytest.WasmLayout) {
		return h.good, registrytest.WasmLayout{Config: []byte(`{"architecture":"amd64","os":"linux"}`)}
	}),
}

// TestHostileInputs pushes each bad input to a real registry and verifies
// it through `ratify verify` with a plugin configured to accept good input:
// the verdict must be a denial whose message says what was wrong.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	h := newHostileEnv(t)
	for _, c := range allHostileCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			repo := "hostile/" + c.name
			d, m, f := c.push(t, h, repo)
			px := faultproxy.Start(t, h.reg.Host)
			if m != nil {
				m.Repo = repo
				px.Inject(*m, f)
			}
			env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{h.entry(c)}, PluginDirs: []string{h.smoke}})
			start := time.Now()
			rep := env.Verify(t, px.Host+"/"+repo+"@"+d.Digest.String())
			elapsed := time.Since(start)
			got := rep.One(t, c.plugin)
			checkDenied(t, rep, got, c.want, elapsed, ratifyDeadline+ratifyOverhead)
			recorder.Add(reliability.Outcome{Section: "hostile", Case: "hostile/" + c.name, Plugin: c.plugin, Registry: h.reg.Name,
				Input: c.desc + " (" + c.plugin + ")", Denied: !got.IsSuccess && !rep.IsSuccess, Check: failedCheck(got.Extensions), Message: got.Message,
				Elapsed: elapsed, Deadline: ratifyDeadline + ratifyOverhead})
		})
	}
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	h := &hostileEnv{reg: registrytest.StartReferrers(t), good: fixture(t, "nested.wasm")}
	h.smoke = ratifytest.BuildPackage(t, "./internal/plugin/testdata/wasm-smoke", "wasm-smoke")
	pub := sigtest.NewKey(t, sigtest.ECDSAP256).WritePublic(t, t.TempDir(), "cosign.pub")
	timeout := ratifyDeadline.String()
	h.entries = map[string]map[string]any{
		"wasm-smoke":       {"name": "wasm-smoke", "type": "wasm-smoke", "artifactTypes": mediatype.Smoke, "timeout": timeout},
		"wasm-composition": {"name": "wasm-composition", "artifactTypes": mediatype.CompositionList, "timeout": timeout},
		"wasm-cosign":      {"name": "wasm-cosign", "artifactTypes": mediatype.CosignSignature + "," + mediatype.SigstoreBundle, "trustPolicies": keyTrust(pub), "timeout": timeout},
		"wasm-slsa": {"name": "wasm-slsa", "artifactTypes": mediatype.SigstoreBundle + "," + mediatype.DSSE, "trustPolicies": keyTrust(pub), "timeout": timeout,
			"builderIds": []string{slsaBuilderFlow}, "sourceUri": slsaSourceRepo, "sourceRef": "refs/tags/v1.*"},
		"wasm-notation": {"name": "wasm-notation", "artifactTypes": mediatype.NotationSignature, "timeout": timeout,
			"trustPolicyDoc": map[string]any{"version": "1.0", "trustPolicies": []any{map[string]any{
				"name": "wasm", "registryScopes": []string{"*"}, "signatureVerification": map[string]any{"level": "strict"},
				"trustStores": []string{"ca:certs"}, "trustedIdentities": []string{notationIdentity}}}},
			"trustStores": map[string]any{"ca": map[string]any{"certs": []string{notationCLI(t).certPath()}}}},
	}
	return h
}

// entry is the verifier entry for c: the plugin's default entry with c's
// config merged over it.
func (h *hostileEnv) entry(c hostileCase) map[string]any {
	e := maps.Clone(h.entries[c.plugin])
	maps.Copy(e, c.config)
	return e
}

func allHostileCases() []hostileCase {
	return slices.Concat(hostileCases, attackCases)
}

func hostileCaseIDs() []string {
	var out []string
	for _, c := range allHostileCases() {
		out = append(out, "hostile/"+c.name)
	}
	return slices.Clip(out)
}
