package list_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

var fixtures = []string{"hello.component.wasm", "hello.core.wasm", "nested.wasm", "sockets.wasm", "plug.wasm", "implements.wasm", "hostcode.wasm"}

// Every fixture's list encodes, validates against the published schema and
// decodes back to the same list.
func TestListRoundTripFixtures(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			b := compositiontest.Fixture(t, name)
			l := compositiontest.List(t, b)
			if l.Layer.Digest != sha(b) || l.Layer.Size != int64(len(b)) {
				t.Fatalf("layer %+v does not describe the file (%s, %d bytes)", l.Layer, sha(b), len(b))
			}
			raw, err := l.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := list.Decode(raw)
			if err != nil {
				t.Fatalf("decode own output: %v\n%s", err, raw)
			}
			again, _ := got.Encode()
			if !bytes.Equal(raw, again) {
				t.Fatalf("round trip changed the list:\n%s\n%s", raw, again)
			}
			for _, p := range l.Parts {
				if p.Digest != sha(b[compositiontest.PartOf(t, b, p.Path).Offset:][:p.Size]) {
					t.Errorf("part %s: digest is not the sha256 of its bytes", p.Path)
				}
			}
		})
	}
}

// The jco-built component has the structure jco 1.35.0 gives a
// Go wasip1 program after `jco new --wasi-command`: the main module, the
// GC-trimmed adapter (19,999 B), shim (783 B) and fixup (606 B) modules and
// the 63-byte run shim component; 18 WASI 0.2.12 imports and one export.
func TestListHelloComponentStructure(t *testing.T) {
	l := compositiontest.List(t, compositiontest.Fixture(t, "hello.component.wasm"))
	want := []struct {
		path string
		kind wasm.Kind
		size int64
	}{
		{"component/module/1", wasm.KindModule, 19999},
		{"component/module/2", wasm.KindModule, 783},
		{"component/module/3", wasm.KindModule, 606},
		{"component/component/0", wasm.KindComponent, 63},
	}
	if len(l.Parts) != 5 || l.Parts[0].Path != "component/module/0" {
		t.Fatalf("want main module + 4 parts, got %+v", l.Parts)
	}
	for i, w := range want {
		if p := l.Parts[i+1]; p.Path != w.path || p.Kind != w.kind || p.Size != w.size {
			t.Errorf("part %d: got %+v, want %+v", i+1, p, w)
		}
	}
	if len(l.Imports) != 18 || len(l.Exports) != 1 || l.Exports[0].Name != "wasi:cli/run@0.2.12" {
		t.Errorf("want 18 imports and export wasi:cli/run@0.2.12, got %d imports, exports %+v", len(l.Imports), l.Exports)
	}
	for _, im := range l.Imports {
		if !strings.HasPrefix(im.Interface, "wasi:") || !strings.HasSuffix(im.Interface, "@0.2.12") || im.Kind != wasm.ExternInstance {
			t.Errorf("unexpected import %+v", im)
		}
	}
}

// plug.wasm embeds plug-socket.wasm and plug-greeter.wasm verbatim (as wac
// plug does), so their file digests appear one level down.
func TestListVerbatimNestedComponents(t *testing.T) {
	l := compositiontest.List(t, compositiontest.Fixture(t, "plug.wasm"))
	byPath := map[string]list.Part{}
	for _, p := range l.Parts {
		byPath[p.Path] = p
	}
	for path, file := range map[string]string{"component/component/0": "plug-socket.wasm", "component/component/1": "plug-greeter.wasm"} {
		if got, want := byPath[path].Digest, sha(compositiontest.Fixture(t, file)); got != want {
			t.Errorf("%s: digest %s, want %s (the digest of %s)", path, got, want, file)
		}
	}
}

func TestListExternAttributes(t *testing.T) {
	impl := compositiontest.List(t, compositiontest.Fixture(t, "implements.wasm"))
	if len(impl.Imports) != 2 || impl.Imports[0].Name != "primary" || impl.Imports[0].Implements != "wasi:keyvalue/store@0.2.0" || impl.Imports[0].Interface != "wasi:keyvalue/store@0.2.0" {
		t.Errorf("implements.wasm imports: %+v", impl.Imports)
	}
	host := compositiontest.List(t, compositiontest.Fixture(t, "hostcode.wasm"))
	var hostCode []string
	for _, im := range host.Imports {
		if im.HostCode {
			hostCode = append(hostCode, im.Name+":"+im.Kind)
		}
	}
	if strings.Join(hostCode, ",") != "helper-module:core-module,helper-component:component" {
		t.Errorf("hostcode.wasm host-code imports: %v", hostCode)
	}
	core := compositiontest.List(t, compositiontest.Fixture(t, "hello.core.wasm"))
	if core.Layer.Kind != wasm.KindModule || len(core.Parts)+len(core.Imports)+len(core.Exports) != 0 {
		t.Errorf("core module list: %+v", core)
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	b := compositiontest.Fixture(t, "nested.wasm")
	if a, c := compositiontest.Encoded(t, b), compositiontest.Encoded(t, b); !bytes.Equal(a, c) {
		t.Fatal("two encodings of the same binary differ")
	}
}

// mutate decodes the nested.wasm list as generic JSON, applies f and
// re-encodes it.
func mutate(t *testing.T, f func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(compositiontest.Encoded(t, compositiontest.Fixture(t, "nested.wasm")), &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func parts(doc map[string]any) []any { return doc["parts"].([]any) }
func part(doc map[string]any, i int) map[string]any {
	return parts(doc)[i].(map[string]any)
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"not JSON", []byte("{"), "not valid JSON"},
		{"unknown field", mutate(t, func(d map[string]any) { d["signedBy"] = "me" }), "additional properties 'signedBy'"},
		{"other media type", mutate(t, func(d map[string]any) { d["mediaType"] = "application/json" }), "at /mediaType"},
		{"missing layer", mutate(t, func(d map[string]any) { delete(d, "layer") }), "missing property 'layer'"},
		{"bad digest", mutate(t, func(d map[string]any) { part(d, 0)["digest"] = "sha256:XYZ" }), "at /parts/0/digest: 'sha256:XYZ' does not match pattern"},
		{"sha512 digest", mutate(t, func(d map[string]any) { d["layer"].(map[string]any)["digest"] = "sha512:" + strings.Repeat("a", 128) }), "at /layer/digest"},
		{"bad path", mutate(t, func(d map[string]any) { part(d, 0)["path"] = "component/../module/0" }), "at /parts/0/path"},
		{"top level as part", mutate(t, func(d map[string]any) { part(d, 0)["path"] = "component" }), "at /parts/0/path"},
		{"tiny size", mutate(t, func(d map[string]any) { part(d, 0)["size"] = 3 }), "at /parts/0/size"},
		{"bad extern kind", mutate(t, func(d map[string]any) { d["imports"].([]any)[0].(map[string]any)["kind"] = "socket" }), "at /imports/0/kind"},
		{"hostCode false", mutate(t, func(d map[string]any) { d["imports"].([]any)[0].(map[string]any)["hostCode"] = false }), "at /imports/0/hostCode"},
		{"no generator", mutate(t, func(d map[string]any) { delete(d, "generator") }), "missing property 'generator'"},
		{"duplicate path", mutate(t, func(d map[string]any) { d["parts"] = append(parts(d), part(d, 0)) }), "part component/module/0 is listed twice"},
		{"orphan part", mutate(t, func(d map[string]any) { d["parts"] = append(parts(d)[:1], parts(d)[2:]...) }), "before its parent component/component/0"},
		{"kind contradicts path", mutate(t, func(d map[string]any) { part(d, 0)["kind"] = "component" }), `has kind "component"; its path says "module"`},
		{"part as large as layer", mutate(t, func(d map[string]any) { part(d, 0)["size"] = d["layer"].(map[string]any)["size"] }), "not smaller than the layer"},
		{"core module with parts", mutate(t, func(d map[string]any) { d["layer"].(map[string]any)["kind"] = "module" }), "is a core module, which has no nested parts"},
		{"too large", append([]byte(`{"x":"`), append(bytes.Repeat([]byte("a"), int(list.MaxBytes)), `"}`...)...), "more than the limit"},
		// Exactly the limit is read (and refused for what it says).
		{"at the limit", append([]byte(`{"x":"`), append(bytes.Repeat([]byte("a"), int(list.MaxBytes)-8), `"}`...)...), "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := list.Decode(tc.raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// FuzzDecode: arbitrary input never panics, and whatever decodes encodes to
// a list that decodes again. Seeds are kept small (a core module's list and
// a one-part, one-import component list): minimizing large inputs stalls
// the fuzzer.
func FuzzDecode(f *testing.F) {
	f.Add(compositiontest.Encoded(f, compositiontest.Fixture(f, "hello.core.wasm")))
	small := compositiontest.List(f, compositiontest.Fixture(f, "hostcode.wasm"))
	small.Imports, small.Exports = small.Imports[:1], small.Exports[:0]
	raw, err := small.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"mediaType":"application/vnd.ratify-wasm.composition.v1+json"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		l, err := list.Decode(raw)
		if err != nil {
			return
		}
		again, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := list.Decode(again); err != nil {
			t.Fatalf("re-encoded list does not decode: %v", err)
		}
	})
}
