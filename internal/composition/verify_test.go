package composition_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/referrerstore/config"
	"github.com/ratify-project/ratify/pkg/referrerstore/factory"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // the store Ratify builds inside the plugin
	"github.com/ratify-project/ratify/pkg/utils"
	"github.com/ratify-project/ratify/pkg/verifier"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	w "github.com/ratify-wasm/ratify-wasm/internal/testing/wasmtest"
)

// env pushes artifacts to one registry and runs the plugin in process, as
// Ratify would: same stdin, same store, real registry reads.
type env struct {
	t   *testing.T
	reg *registrytest.Registry
	dir string
}

func newEnv(t *testing.T, reg *registrytest.Registry) *env {
	return &env{t: t, reg: reg, dir: t.TempDir()}
}

// push pushes wasm as repo:v1 and returns the subject descriptor and ref.
func (e *env) push(repo string, wasm []byte, layout registrytest.WasmLayout) (ocispec.Descriptor, string) {
	e.t.Helper()
	desc, err := registrytest.PushWasm(context.Background(), e.reg, repo, "v1", wasm, layout)
	if err != nil {
		e.t.Fatal(err)
	}
	return desc, e.reg.Ref(repo, "v1")
}

// attach pushes a composition list as a referrer of subject, without the
// CLI's check that it describes the subject (as an attacker could).
func (e *env) attach(repo string, subject ocispec.Descriptor, raw []byte) ocispec.Descriptor {
	e.t.Helper()
	rep, err := e.reg.Repository(repo)
	if err != nil {
		e.t.Fatal(err)
	}
	desc, err := list.Attach(context.Background(), rep, subject, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return desc
}

// run invokes the plugin for referrer of subjectRef with the verifier entry cfg.
func (e *env) run(subjectRef string, referrer ocispec.Descriptor, artifactType string, cfg map[string]any) *verifier.VerifierResult {
	e.t.Helper()
	entry := map[string]any{"name": "composition", "type": "wasm-composition", "artifactTypes": mediatype.CompositionList}
	for k, v := range cfg {
		entry[k] = v
	}
	storeEntry := config.StorePluginConfig{"name": "oras", "useHttp": true, "localCachePath": filepath.Join(e.dir, "cache")}
	desc := ocispecs.ReferenceDescriptor{Descriptor: referrer, ArtifactType: artifactType}
	stdin, err := json.Marshal(map[string]any{
		"config":        entry,
		"storeConfig":   map[string]any{"version": "1.0.0", "store": storeEntry},
		"referenceDesc": desc,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	store, err := factory.CreateStoreFromConfig(storeEntry, "1.0.0", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	subject, err := utils.ParseSubjectReference(subjectRef)
	if err != nil {
		e.t.Fatal(err)
	}
	var stderr strings.Builder
	res := plugin.Run(composition.Plugin, stdin, subject, desc, store.GetConfig().Store, &stderr)
	if strings.Contains(res.Message, "\n") {
		e.t.Errorf("message is not one line: %q", res.Message)
	}
	ratifytest.CheckDeclared(e.t, composition.Plugin.Name, res.IsSuccess, ext(res))
	return res
}

func ext(res *verifier.VerifierResult) map[string]any {
	// Round-trip through JSON: this is what Ratify and Rego see.
	raw, _ := json.Marshal(res.Extensions)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func nestedDeclared(t *testing.T) registrytest.WasmLayout {
	l := compositiontest.List(t, compositiontest.Fixture(t, "nested.wasm"))
	var imp, exp []string
	for _, e := range l.Imports {
		imp = append(imp, e.Name)
	}
	for _, e := range l.Exports {
		exp = append(exp, e.Name)
	}
	return registrytest.WasmLayout{Imports: imp, Exports: exp}
}

// TestFixturesPassWithTheirLists: the jco-built component and the nested
// composition, each with its generated list, on both registries.
func TestFixturesPassWithTheirLists(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		e := newEnv(t, reg)
		hello := compositiontest.Fixture(t, "hello.component.wasm")
		subj, ref := e.push("wasm/hello", hello, registrytest.WasmLayout{Format: registrytest.Runwasi})
		res := e.run(ref, e.attach("wasm/hello", subj, compositiontest.Encoded(t, hello)), mediatype.CompositionList, nil)
		x := ext(res)
		if !res.IsSuccess || x["partCount"] != 5.0 || x["declaredInterface"] != "absent" || len(x["imports"].([]any)) != 18 || x["unknownPartCount"] != 0.0 {
			t.Fatalf("hello.component.wasm: %s %v", res.Message, x)
		}
		if !strings.Contains(res.Message, "matches composition list "+reg.Host+"/wasm/hello@sha256:") {
			t.Errorf("message: %s", res.Message)
		}

		nested := compositiontest.Fixture(t, "nested.wasm")
		subj, ref = e.push("wasm/nested", nested, nestedDeclared(t))
		res = e.run(ref, e.attach("wasm/nested", subj, compositiontest.Encoded(t, nested)), mediatype.CompositionList,
			map[string]any{"denyImports": []string{"wasi:sockets/*"}, "requireExports": []string{"ratify:example/answer@0.1"}})
		if x := ext(res); !res.IsSuccess || x["partCount"] != 5.0 || x["declaredInterface"] != "matched" || x["layerDigest"] != compositiontest.List(t, nested).Layer.Digest {
			t.Fatalf("nested.wasm: %s %v", res.Message, x)
		}
	})
}

type tamperCase struct {
	name    string
	subject []byte
	layout  registrytest.WasmLayout
	list    []byte
	cfg     map[string]any
	check   string   // failedCheck; "" for success
	message []string // substrings of the message
	verify  func(t *testing.T, x map[string]any)
}

func tamperCases(t *testing.T) []tamperCase {
	nested := compositiontest.Fixture(t, "nested.wasm")
	nestedList := compositiontest.Encoded(t, nested)
	hostcode := compositiontest.Fixture(t, "hostcode.wasm")
	glue := compositiontest.PartOf(t, hostcode, "component/module/0")
	swapped := compositiontest.ReplacePart(t, nested, "component/module/0", hostcode[glue.Offset:glue.Offset+glue.Size])
	leaf := "component/component/0/component/0/module/0"
	changed := compositiontest.ChangeByte(t, nested, leaf, []byte{0x41, 0x15, 0x0b}, []byte{0x41, 0x16, 0x0b})
	sockets := compositiontest.Fixture(t, "sockets.wasm")
	lying := nestedDeclared(t)
	lying.Imports = lying.Imports[:1]
	denySockets := map[string]any{"denyImports": []string{"wasi:sockets/*"}}
	bypass := func(name, bin []byte, message ...string) tamperCase {
		return tamperCase{name: string(name), subject: bin, layout: registrytest.WasmLayout{Format: registrytest.Runwasi}, list: compositiontest.Encoded(t, bin), cfg: denySockets, check: "imports", message: message}
	}
	return []tamperCase{
		bypass([]byte("interface name implementing an allowed interface"),
			w.ComponentWithImports(w.AttrName("wasi:sockets/tcp@0.2.0", w.Attr(w.Implements, "wasi:cli/stdout@0.2.0"))),
			"wasi:sockets/tcp@0.2.0 (implements wasi:cli/stdout@0.2.0) is not a valid component-model name: an implements attribute is only allowed on a plain label name"),
		bypass([]byte("version split into name and suffix"),
			w.ComponentWithImports(w.AttrName("wasi:sockets/tcp@0.2", w.Attr(w.VersionSuffix, ".0!"))),
			"wasi:sockets/tcp@0.2 is not a valid component-model name: the version and versionsuffix do not form a canonical version"),
		bypass([]byte("unparseable implements"),
			w.ComponentWithImports(w.AttrName("primary", w.Attr(w.Implements, "wasi:sockets/tcp@0.2.0!"))),
			"primary (implements wasi:sockets/tcp@0.2.0!) is not a valid component-model name: the implements attribute is not an interface name"),
		bypass([]byte("instance import whose type exports a core module"),
			w.Component(w.TypeSection(w.InstanceType(w.CoreModuleType, w.ExportDecl("helper", 0x00, 0x11, 0x00))),
				w.ImportSection(w.InstanceImport(w.Plain("wasi:cli/stdout@0.2.0"), 0))),
			"wasi:cli/stdout@0.2.0 imports an instance whose type exports a core module or component"),
		{
			name: "deny pattern that can never match", subject: nested, list: nestedList, cfg: map[string]any{"denyImports": []string{"WASI:HTTP/*"}},
			check: "config", message: []string{`key "denyImports[0]" is invalid`, "can never match"},
		},
		{
			name: "nested module swapped", subject: swapped, list: nestedList, check: "parts",
			message: []string{"1 of 5 nested parts are in neither the composition list", "component/module/0 " + glue.Digest, "layer: the binary is component sha256:"},
			verify: func(t *testing.T, x map[string]any) {
				u := x["unknownParts"].([]any)
				if len(u) != 1 || u[0].(map[string]any)["path"] != "component/module/0" || u[0].(map[string]any)["digest"] != glue.Digest {
					t.Errorf("unknownParts %v", u)
				}
			},
		},
		{
			name: "byte changed in a nested part", subject: changed, list: nestedList, check: "parts",
			message: []string{"3 of 5 nested parts", leaf + " sha256:"},
			verify: func(t *testing.T, x map[string]any) {
				if x["unknownPartCount"] != 3.0 {
					t.Errorf("unknownPartCount %v", x["unknownPartCount"])
				}
			},
		},
		{
			name: "added wasi:sockets import", subject: sockets, list: compositiontest.Encoded(t, sockets),
			cfg: map[string]any{"denyImports": []string{"wasi:sockets/*"}}, check: "imports",
			message: []string{`1 import(s) denied: wasi:sockets/tcp@0.2.0 matches denyImports pattern "wasi:sockets/*"`},
			verify: func(t *testing.T, x map[string]any) {
				d := x["deniedImports"].([]any)
				if len(d) != 1 || d[0].(map[string]any)["name"] != "wasi:sockets/tcp@0.2.0" {
					t.Errorf("deniedImports %v", d)
				}
			},
		},
		{
			name: "added wasi:sockets import, nested list", subject: sockets, list: nestedList,
			cfg: map[string]any{"denyImports": []string{"wasi:sockets/*"}}, check: "parts",
			message: []string{"component/module/0", "layer: ", "imports: 1 import(s) denied"},
		},
		{
			name: "import of a core module", subject: hostcode, list: compositiontest.Encoded(t, hostcode), check: "imports",
			message: []string{"2 import(s) denied", "helper-module imports a core-module: code supplied by the host", "helper-component imports a component"},
		},
		{
			name: "host code allowed", subject: hostcode, list: compositiontest.Encoded(t, hostcode),
			layout: registrytest.WasmLayout{Format: registrytest.Runwasi},
			cfg:    map[string]any{"allowHostCodeImports": []string{"helper-module", "helper-component"}},
		},
		{
			name: "config declares other imports", subject: nested, layout: lying, list: nestedList, check: "declaredInterface",
			message: []string{"the artifact config declares an interface the binary does not have: imports in the binary but not declared: wasi:cli/stdout@0.2.0"},
			verify: func(t *testing.T, x map[string]any) {
				if x["declaredInterface"] != "mismatched" {
					t.Errorf("declaredInterface %v", x["declaredInterface"])
				}
			},
		},
		{
			name: "list for another artifact", subject: nested, list: compositiontest.Encoded(t, compositiontest.Fixture(t, "plug.wasm")), check: "parts",
			message: []string{"5 of 5 nested parts", "layer: the binary is component " + compositiontest.List(t, nested).Layer.Digest},
		},
		{
			name: "truncated binary", subject: nested[:len(nested)-40], list: nestedList, check: "parse",
			message: []string{"is not a well-formed WebAssembly binary: wasm: "},
		},
		{
			name: "core module with capability rules", subject: compositiontest.Fixture(t, "hello.core.wasm"),
			list: compositiontest.Encoded(t, compositiontest.Fixture(t, "hello.core.wasm")),
			cfg:  map[string]any{"denyImports": []string{"wasi:sockets/*"}}, check: "imports",
			message: []string{"is a core module: its imports are not component-model interfaces"},
		},
		{
			name: "bad pattern", subject: nested, list: nestedList, cfg: map[string]any{"denyImports": []string{"wasi:sockets/*", "wasi:sockets/ tcp"}},
			check: "config", message: []string{`key "denyImports[1]" is invalid`},
		},
		{
			name: "unknown key", subject: nested, list: nestedList, cfg: map[string]any{"denyImport": []string{"wasi:sockets/*"}},
			check: "config", message: []string{`key "denyImport" is not a known setting`, "denyImports"},
		},
		{
			name: "no source of known parts", subject: nested, list: nestedList, cfg: map[string]any{"trustListParts": false},
			check: "config", message: []string{`key "trustListParts" is false but no allowlistPath is set`},
		},
		{
			name: "relative allowlist path", subject: nested, list: nestedList, cfg: map[string]any{"allowlistPath": "allow.json"},
			check: "config", message: []string{`key "allowlistPath" is "allow.json"; expected an absolute path`},
		},
	}
}

func TestTamperCases(t *testing.T) {
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		e := newEnv(t, reg)
		for i, tc := range tamperCases(t) {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				repo := "wasm/case" + string(rune('a'+i))
				subj, ref := e.push(repo, tc.subject, tc.layout)
				res := e.run(ref, e.attach(repo, subj, tc.list), mediatype.CompositionList, tc.cfg)
				t.Logf("message: %s", res.Message)
				x := ext(res)
				if tc.check == "" {
					if !res.IsSuccess {
						t.Fatalf("want success, got %s", res.Message)
					}
					return
				}
				if res.IsSuccess || x["failedCheck"] != tc.check || !strings.HasPrefix(res.Message, tc.check+": ") {
					t.Fatalf("want failed check %q, got success=%v %q %v", tc.check, res.IsSuccess, res.Message, x["failedCheck"])
				}
				for _, m := range tc.message {
					if !strings.Contains(res.Message, m) {
						t.Errorf("message does not contain %q:\n%s", m, res.Message)
					}
				}
				if tc.verify != nil {
					tc.verify(t, x)
				}
			})
		}
	})
}

// A composition list attached to one artifact, presented by Ratify as a
// referrer of another, is refused before anything is compared.
func TestListAttachedToAnotherSubject(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	nested := compositiontest.Fixture(t, "nested.wasm")
	plug := compositiontest.Fixture(t, "plug.wasm")
	nestedDesc, _ := e.push("wasm/app", nested, registrytest.WasmLayout{Format: registrytest.Runwasi})
	_, err := registrytest.PushWasm(context.Background(), e.reg, "wasm/app", "v2", plug, registrytest.WasmLayout{Format: registrytest.Runwasi})
	if err != nil {
		t.Fatal(err)
	}
	listForNested := e.attach("wasm/app", nestedDesc, compositiontest.Encoded(t, nested))
	res := e.run(e.reg.Ref("wasm/app", "v2"), listForNested, mediatype.CompositionList, nil)
	if res.IsSuccess || ext(res)["failedCheck"] != string(failure.Referrer) || !strings.Contains(res.Message, "is attached to "+nestedDesc.Digest.String()+", not to the subject") {
		t.Fatalf("want a referrer failure, got %s", res.Message)
	}
}

func TestReferrerIsNotACompositionList(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	nested := compositiontest.Fixture(t, "nested.wasm")
	subj, ref := e.push("wasm/app", nested, registrytest.WasmLayout{})
	sbom, err := registrytest.Attach(context.Background(), e.reg, "wasm/app", subj, mediatype.SPDX, []registrytest.Blob{{MediaType: mediatype.SPDX, Data: []byte("{}")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := e.run(ref, sbom, mediatype.SPDX, nil)
	if res.IsSuccess || !strings.Contains(res.Message, `has artifact type "application/spdx+json"; this verifier reads composition lists`) {
		t.Fatalf("got %s", res.Message)
	}
	// A referrer typed as a list whose content is not one.
	bad, err := registrytest.Attach(context.Background(), e.reg, "wasm/app", subj, mediatype.CompositionList, []registrytest.Blob{{MediaType: mediatype.CompositionList, Data: []byte(`{"mediaType":"` + mediatype.CompositionList + `"}`)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res = e.run(ref, bad, mediatype.CompositionList, nil)
	if res.IsSuccess || ext(res)["failedCheck"] != "list" || !strings.Contains(res.Message, "missing properties") {
		t.Fatalf("got %s", res.Message)
	}
}

func TestNonWasmSubject(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	nested := compositiontest.Fixture(t, "nested.wasm")
	subj, ref := e.push("images/app", nil, registrytest.WasmLayout{Format: registrytest.ContainerImage})
	listDesc := e.attach("images/app", subj, compositiontest.Encoded(t, nested))
	if res := e.run(ref, listDesc, mediatype.CompositionList, nil); res.IsSuccess || ext(res)["failedCheck"] != "subject" {
		t.Fatalf("want a subject failure, got %s", res.Message)
	}
	res := e.run(ref, listDesc, mediatype.CompositionList, map[string]any{"nonWasmSubjects": "skip"})
	if !res.IsSuccess || ext(res)["skipped"] != "not-wasm" {
		t.Fatalf("want an explicit skip, got %s %v", res.Message, ext(res))
	}
}

// trustListParts false: only allowlisted parts pass, whatever the list says.
func TestAllowlistOnly(t *testing.T) {
	e := newEnv(t, registrytest.StartDistribution(t))
	plug := compositiontest.Fixture(t, "plug.wasm")
	l := compositiontest.List(t, plug)
	subj, ref := e.push("wasm/plug", plug, registrytest.WasmLayout{Format: registrytest.Runwasi})
	listDesc := e.attach("wasm/plug", subj, compositiontest.Encoded(t, plug))
	writeAllowlist := func(parts []list.Part) string {
		a := allowlist.Allowlist{MediaType: mediatype.Allowlist}
		for _, p := range parts {
			a.Parts = append(a.Parts, allowlist.Entry{Digest: p.Digest, Description: p.Path})
		}
		raw, _ := json.Marshal(a)
		path := filepath.Join(t.TempDir(), "allow.json")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfg := map[string]any{"trustListParts": false, "allowlistPath": writeAllowlist(l.Parts)}
	if res := e.run(ref, listDesc, mediatype.CompositionList, cfg); !res.IsSuccess || ext(res)["partsFromAllowlist"] != 4.0 {
		t.Fatalf("all parts allowlisted: %s %v", res.Message, ext(res))
	}
	// The greeter plug (component/component/1 and its module) is not approved.
	cfg["allowlistPath"] = writeAllowlist(l.Parts[:2])
	res := e.run(ref, listDesc, mediatype.CompositionList, cfg)
	if res.IsSuccess || !strings.Contains(res.Message, "2 of 4 nested parts are in neither the allowlist (list parts not trusted") || !strings.Contains(res.Message, "component/component/1 "+l.Parts[2].Digest) {
		t.Fatalf("got %s", res.Message)
	}
}

// writeAllowlist writes an allowlist of the digests and returns its path.
func writeAllowlist(t *testing.T, digests ...string) string {
	t.Helper()
	a := allowlist.Allowlist{MediaType: mediatype.Allowlist, Parts: []allowlist.Entry{}}
	for _, d := range digests {
		a.Parts = append(a.Parts, allowlist.Entry{Digest: d})
	}
	raw, _ := json.Marshal(a)
	path := filepath.Join(t.TempDir(), "allow.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A Spin-style artifact with two WASM layers: every layer is parsed and
// checked, not only the one the list names. A second layer that imports
// wasi:sockets fails denyImports; a layer neither the list nor the
// allowlist covers fails the layer check; reports carry every layer digest.
func TestMultiLayerArtifact(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	nested, sockets := compositiontest.Fixture(t, "nested.wasm"), compositiontest.Fixture(t, "sockets.wasm")
	nestedList, socketsList := compositiontest.List(t, nested), compositiontest.List(t, sockets)
	subj, ref := e.push("wasm/spin", nested, registrytest.WasmLayout{
		Format:      registrytest.Spin,
		ExtraLayers: []registrytest.Blob{{MediaType: mediatype.WasmToOCILayer, Data: sockets}},
	})
	listDesc := e.attach("wasm/spin", subj, compositiontest.Encoded(t, nested))
	deny := map[string]any{"denyImports": []string{"wasi:sockets/*"}}
	wantDigests := []any{nestedList.Layer.Digest, socketsList.Layer.Digest}

	res := e.run(ref, listDesc, mediatype.CompositionList, deny)
	x := ext(res)
	if res.IsSuccess || x["failedCheck"] != "layer" || x["layerDigest"] != nestedList.Layer.Digest ||
		!reflect.DeepEqual(x["layerDigests"], wantDigests) {
		t.Fatalf("second layer not covered: %s %v", res.Message, x)
	}
	for _, m := range []string{
		"WASM layer " + socketsList.Layer.Digest + " is not the layer the composition list describes",
		"imports: 1 import(s) in layer " + socketsList.Layer.Digest + ` denied: wasi:sockets/tcp@0.2.0 matches denyImports pattern "wasi:sockets/*"`,
		"parts: 1 of 5 nested parts of layer " + socketsList.Layer.Digest,
	} {
		if !strings.Contains(res.Message, m) {
			t.Errorf("message does not contain %q:\n%s", m, res.Message)
		}
	}
	d := x["deniedImports"].([]any)
	if len(d) != 1 || d[0].(map[string]any)["layer"] != socketsList.Layer.Digest {
		t.Errorf("deniedImports %v", d)
	}

	// Allowlisted (layer and part), the second layer is covered: it passes
	// without rules and still fails denyImports.
	allow := writeAllowlist(t, socketsList.Layer.Digest, socketsList.Parts[0].Digest)
	res = e.run(ref, listDesc, mediatype.CompositionList, map[string]any{"allowlistPath": allow})
	if !res.IsSuccess || !reflect.DeepEqual(ext(res)["layerDigests"], wantDigests) || !strings.Contains(res.Message, "2 WASM layer(s) checked") {
		t.Fatalf("allowlisted second layer: %s %v", res.Message, ext(res))
	}
	res = e.run(ref, listDesc, mediatype.CompositionList, map[string]any{"allowlistPath": allow, "denyImports": []string{"wasi:sockets/*"}})
	if res.IsSuccess || ext(res)["failedCheck"] != "imports" || !strings.Contains(res.Message, "wasi:sockets/tcp@0.2.0") {
		t.Fatalf("allowlisted second layer with deny rule: %s", res.Message)
	}
	// The layer digest alone does not vouch for the parts inside it.
	res = e.run(ref, listDesc, mediatype.CompositionList, map[string]any{"allowlistPath": writeAllowlist(t, socketsList.Layer.Digest)})
	if res.IsSuccess || ext(res)["failedCheck"] != "parts" {
		t.Fatalf("allowlisted layer, unknown part: %s", res.Message)
	}

	res = e.run(ref, e.attach("wasm/spin", subj, compositiontest.Encoded(t, compositiontest.Fixture(t, "plug.wasm"))), mediatype.CompositionList, nil)
	if res.IsSuccess || ext(res)["failedCheck"] != "layer" || !strings.Contains(res.Message, "which is none of the 2 WASM layers of") {
		t.Fatalf("list of neither layer: %s", res.Message)
	}
}

// manyModules is a component embedding n empty core modules.
func manyModules(n int) []byte {
	sections := make([][]byte, n)
	for i := range sections {
		sections[i] = w.Section(1, w.Module())
	}
	return w.Component(sections...)
}

// Extensions stay bounded: unknownParts is capped, unknownPartCount is not.
func TestUnknownPartsCapped(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	wasm := manyModules(101)
	subj, ref := e.push("wasm/many", wasm, registrytest.WasmLayout{Format: registrytest.Runwasi})
	// The list of a one-module component knows the module's digest, so all
	// 101 identical modules are known; only the layer differs...
	res := e.run(ref, e.attach("wasm/many", subj, compositiontest.Encoded(t, manyModules(1))), mediatype.CompositionList, nil)
	if x := ext(res); res.IsSuccess || x["failedCheck"] != "layer" || x["unknownPartCount"] != 0.0 {
		t.Fatalf("got %s %v", res.Message, x["unknownPartCount"])
	}
	// ...unless only the allowlist counts and it is empty.
	allow := filepath.Join(t.TempDir(), "allow.json")
	if err := os.WriteFile(allow, []byte(`{"mediaType":"`+mediatype.Allowlist+`","parts":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	res = e.run(ref, e.attach("wasm/many", subj, compositiontest.Encoded(t, wasm)), mediatype.CompositionList,
		map[string]any{"trustListParts": false, "allowlistPath": allow})
	x := ext(res)
	if res.IsSuccess || len(x["unknownParts"].([]any)) != 100 || x["unknownPartCount"] != 101.0 || !strings.Contains(res.Message, "101 of 101 nested parts") {
		t.Fatalf("got %s: %d listed, count %v", res.Message, len(x["unknownParts"].([]any)), x["unknownPartCount"])
	}
}

func TestOversizedListIsNotFetched(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	subj, ref := e.push("wasm/nested", compositiontest.Fixture(t, "nested.wasm"), registrytest.WasmLayout{})
	huge := make([]byte, list.MaxBytes+1)
	desc, err := registrytest.Attach(context.Background(), e.reg, "wasm/nested", subj, mediatype.CompositionList, []registrytest.Blob{{MediaType: mediatype.CompositionList, Data: huge}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := e.run(ref, desc, mediatype.CompositionList, nil)
	if res.IsSuccess || ext(res)["failedCheck"] != "list" || !strings.Contains(res.Message, "more than the limit of 8388608") {
		t.Fatalf("got %s", res.Message)
	}
}

// More WASM layers than the verifier checks fail the layer check rather
// than being checked in part.
func TestTooManyWasmLayers(t *testing.T) {
	e := newEnv(t, registrytest.StartReferrers(t))
	nested := compositiontest.Fixture(t, "nested.wasm")
	var extra []registrytest.Blob
	for i := range 100 {
		extra = append(extra, registrytest.Blob{MediaType: mediatype.WasmToOCILayer, Data: manyModules(i + 1)})
	}
	subj, ref := e.push("wasm/spin", nested, registrytest.WasmLayout{Format: registrytest.Spin, ExtraLayers: extra})
	res := e.run(ref, e.attach("wasm/spin", subj, compositiontest.Encoded(t, nested)), mediatype.CompositionList, nil)
	if res.IsSuccess || ext(res)["failedCheck"] != "layer" || !strings.Contains(res.Message, "has 101 WASM layers, more than the 100") {
		t.Fatalf("got %s", res.Message)
	}
}

// In a process that runs many verifications, a layer it has already parsed
// is neither fetched nor hashed again: what the parser found is remembered
// under the digest its bytes were read against. The list, allowlist and
// capability checks still run on every verification, and any other layer
// is fetched and parsed.
func TestParsedLayerIsNotFetchedAgain(t *testing.T) {
	plugin.RememberVerifiedContent() // as Ratify with the verifiers built in does
	reg := registrytest.StartReferrers(t)
	proxy := faultproxy.Start(t, reg.Host)
	e := newEnv(t, reg)
	// A custom section makes these bytes this test's own: no other test in
	// the process has parsed them.
	hello := append(compositiontest.Fixture(t, "hello.component.wasm"), w.Section(0, w.Str("parsed-once"))...)
	subj, _ := e.push("wasm/once", hello, registrytest.WasmLayout{Format: registrytest.Runwasi})
	listDesc := e.attach("wasm/once", subj, compositiontest.Encoded(t, hello))
	ref := proxy.Host + "/wasm/once:v1"
	fetches := func(layer []byte) int {
		n := 0
		for _, en := range proxy.Log() {
			if en.Call.Kind == faultproxy.Blob && en.Call.Ref == digest.FromBytes(layer).String() {
				n++
			}
		}
		return n
	}

	first := e.run(ref, listDesc, mediatype.CompositionList, nil)
	if !first.IsSuccess || fetches(hello) != 1 {
		t.Fatalf("first verification: %s, layer fetched %d times", first.Message, fetches(hello))
	}
	again := e.run(ref, listDesc, mediatype.CompositionList, nil)
	if again.Message != first.Message || !reflect.DeepEqual(ext(again), ext(first)) || fetches(hello) != 1 {
		t.Fatalf("second verification: %s %v, layer fetched %d times", again.Message, ext(again), fetches(hello))
	}
	denied := e.run(ref, listDesc, mediatype.CompositionList, map[string]any{"denyImports": []string{"wasi:cli/*"}})
	if denied.IsSuccess || ext(denied)["failedCheck"] != "imports" || fetches(hello) != 1 {
		t.Fatalf("the capability policy did not run on the remembered layer: %s", denied.Message)
	}

	other := append(compositiontest.Fixture(t, "nested.wasm"), w.Section(0, w.Str("parsed-once"))...)
	subj, _ = e.push("wasm/once-other", other, registrytest.WasmLayout{})
	res := e.run(proxy.Host+"/wasm/once-other:v1", e.attach("wasm/once-other", subj, compositiontest.Encoded(t, hello)), mediatype.CompositionList, nil)
	if res.IsSuccess || !strings.Contains(res.Message, "layer: the binary is component "+digest.FromBytes(other).String()) || fetches(other) != 1 {
		t.Fatalf("another layer under the same list: %s, fetched %d times", res.Message, fetches(other))
	}
}
