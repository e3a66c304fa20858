package schema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/schema"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// The reference is what Validate was before it interpreted the files
// itself: santhosh-tekuri/jsonschema/v6 compiling the same files, its leaf
// violations sorted and the first three kept. Two differences, both where
// the library's own output is not stable from run to run: additional
// properties are listed sorted (the library lists them in map order), and
// every leaf is sorted, not the first thousand found.
func compileReference(name string, file []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		return nil, err
	}
	return c.Compile(name)
}

var publishedReference = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	compiled := map[string]*jsonschema.Schema{}
	for name, file := range map[string][]byte{schema.ListFile: schema.List, schema.AllowlistFile: schema.Allowlist} {
		var err error
		if compiled[name], err = compileReference(name, file); err != nil {
			return nil, err
		}
	}
	return compiled, nil
})

var referencePrinter = message.NewPrinter(language.English)

func referenceValidate(sch *jsonschema.Schema, name string, raw []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	var ve *jsonschema.ValidationError
	if err := sch.Validate(doc); !errors.As(err, &ve) {
		return err
	}
	var leaves []string
	collectLeaves(ve, &leaves)
	slices.Sort(leaves)
	return fmt.Errorf("does not match %s: %s", name, strings.Join(leaves[:min(len(leaves), 3)], "; "))
}

func collectLeaves(e *jsonschema.ValidationError, leaves *[]string) {
	if len(e.Causes) == 0 {
		if k, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			slices.Sort(k.Properties)
		}
		loc := "/" + strings.Join(e.InstanceLocation, "/")
		*leaves = append(*leaves, fmt.Sprintf("at %s: %s", loc, e.ErrorKind.LocalizedString(referencePrinter)))
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, leaves)
	}
}

func sameResult(got, want error) bool {
	return (got == nil) == (want == nil) && (got == nil || got.Error() == want.Error())
}

// compareWithReference validates raw against the named published schemas
// (both when none is named) with Validate and with the reference, and
// fails unless verdicts and messages agree.
func compareWithReference(t testing.TB, raw []byte, names ...string) {
	t.Helper()
	reference, err := publishedReference()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		names = []string{schema.ListFile, schema.AllowlistFile}
	}
	for _, name := range names {
		got, want := schema.Validate(name, raw), referenceValidate(reference[name], name, raw)
		if !sameResult(got, want) {
			t.Errorf("%s, document %.300q:\n got  %v\n want %v", name, raw, got, want)
		}
	}
}

const (
	hexDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	validPath = "component/component/0/module/12"
)

// replacements are put, one at a time, in place of every value of the
// documents: every JSON type, the right type with values on both sides of
// each bound and pattern, and strings that test quoting.
var replacements = []any{
	nil, true, false,
	json.Number("0"), json.Number("7"), json.Number("8"), json.Number("-8"), json.Number("8.0"), json.Number("8.5"),
	json.Number("1e3"), json.Number("1.5e1"), json.Number("1073741824"), json.Number("1073741825"),
	json.Number("12345678901234567890123"), json.Number("1e400"), json.Number("-1e400"), json.Number("1e1000001"),
	"", "x", "module", "component", "instance", "core-module", "Module",
	mediatype.CompositionList, mediatype.Allowlist,
	hexDigest, hexDigest[:len(hexDigest)-1], strings.ToUpper(hexDigest), "sha512:" + strings.Repeat("ab", 64), hexDigest + "\n", " " + hexDigest,
	validPath, "component/module/01", "component/module/1000000", "component", "component/component/0", "component/module/0/module/0",
	strings.Repeat("a", 256), strings.Repeat("a", 257), strings.Repeat("a", 4096), strings.Repeat("a", 4097),
	strings.Repeat("é", 256), strings.Repeat("é", 257), strings.Repeat("a", 100001),
	`it's "quoted"` + "\t\u2028\x00\x7f\U0001F600", "\xff\xfe",
	[]any{}, []any{json.Number("1")}, map[string]any{}, map[string]any{"digest": json.Number("1")},
}

// edit replaces (or, with remove, deletes) the value at path, a list of
// object keys (strings) and array indexes (ints).
type edit struct {
	path   []any
	value  any
	remove bool
}

// edits lists, for doc, removing each property of every object, adding
// unknown ones, and putting each replacement at every place. Arrays are
// entered at their first item only: the others have the same schema.
func edits(doc any, path []any) []edit {
	var out []edit
	for _, r := range replacements {
		out = append(out, edit{path: path, value: r})
	}
	switch v := doc.(type) {
	case map[string]any:
		out = append(out,
			edit{path: append(slices.Clip(path), "zz-extra"), value: json.Number("1")},
			edit{path: append(slices.Clip(path), "aa-extra"), value: "x"})
		for _, key := range slices.Sorted(maps.Keys(v)) {
			at := append(slices.Clip(path), key)
			out = append(out, edit{path: at, remove: true})
			out = append(out, edits(v[key], at)...)
		}
	case []any:
		if len(v) > 0 {
			out = append(out, edits(v[0], append(slices.Clip(path), 0))...)
		}
	}
	return out
}

// apply returns a copy of doc with the edits made; an edit whose parent is
// gone (an earlier edit removed or replaced it) is skipped.
func apply(doc any, edits ...edit) any {
	doc = clone(doc)
	for _, e := range edits {
		if len(e.path) == 0 {
			doc = e.value
			continue
		}
		parent := doc
		for _, step := range e.path[:len(e.path)-1] {
			parent = child(parent, step)
		}
		switch p := parent.(type) {
		case map[string]any:
			key, ok := e.path[len(e.path)-1].(string)
			switch {
			case ok && e.remove:
				delete(p, key)
			case ok:
				p[key] = e.value
			}
		case []any:
			if i, ok := e.path[len(e.path)-1].(int); ok && i < len(p) && !e.remove {
				p[i] = e.value
			}
		}
	}
	return doc
}

func child(v any, step any) any {
	switch v := v.(type) {
	case map[string]any:
		if key, ok := step.(string); ok {
			return v[key]
		}
	case []any:
		if i, ok := step.(int); ok && i < len(v) {
			return v[i]
		}
	}
	return nil
}

func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = clone(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = clone(x)
		}
		return out
	}
	return v
}

func decode(t testing.TB, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func encode(t testing.TB, doc any) []byte {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func repoFile(t testing.TB, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

const allowlistWithKinds = `{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[
	{"digest":"` + hexDigest + `","kind":"module","description":"adapter"},
	{"digest":"` + hexDigest + `","kind":"component"}]}`

// validDocuments are the lists of every fixture, the published examples
// and allowlists as the allowlist tests write them.
func validDocuments(t testing.TB) map[string][]byte {
	docs := map[string][]byte{
		"examples/nested.composition.json": repoFile(t, "plugins/wasm-composition/examples/nested.composition.json"),
		"examples/allowlist.json":          repoFile(t, "plugins/wasm-composition/examples/allowlist.json"),
		"allowlist with kinds":             []byte(allowlistWithKinds),
		"empty allowlist":                  []byte(`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[]}`),
	}
	for _, fixture := range []string{"hello.component.wasm", "hello.core.wasm", "nested.wasm", "sockets.wasm", "plug.wasm", "implements.wasm", "hostcode.wasm"} {
		docs[fixture] = compositiontest.Encoded(t, compositiontest.Fixture(t, fixture))
	}
	return docs
}

func TestValidDocumentsMatchReference(t *testing.T) {
	for name, raw := range validDocuments(t) {
		// Each is valid against one schema and far from the other.
		list, allow := schema.Validate(schema.ListFile, raw), schema.Validate(schema.AllowlistFile, raw)
		if (list == nil) == (allow == nil) {
			t.Errorf("%s: want valid against exactly one schema, got %v and %v", name, list, allow)
		}
		compareWithReference(t, raw)
	}
}

// Every edit of the documents that carry every kind of value (hostcode.wasm
// has hostCode and implements), alone and three at a time so that several
// violations compete for the three places in the message.
func TestEditedDocumentsMatchReference(t *testing.T) {
	docs := validDocuments(t)
	for _, name := range []string{"examples/nested.composition.json", "hostcode.wasm", "allowlist with kinds"} {
		t.Run(name, func(t *testing.T) {
			doc := decode(t, docs[name])
			all := edits(doc, nil)
			for i, e := range all {
				compareWithReference(t, encode(t, apply(doc, e)))
				compareWithReference(t, encode(t, apply(doc, e, all[(i*31+7)%len(all)], all[(i*17+11)%len(all)])))
			}
		})
	}
}

// Arrays at and over their maxItems (the allowlist's only over: 100,001
// entries take a second); items failing in many places, where sorting puts
// /parts/10 before /parts/2.
func TestLargeDocumentsMatchReference(t *testing.T) {
	docs := validDocuments(t)
	list, allow := decode(t, docs["examples/nested.composition.json"]), decode(t, docs["allowlist with kinds"])
	repeat := func(doc any, key string, item any, n int) []byte {
		return encode(t, apply(doc, edit{path: []any{key}, value: slices.Repeat([]any{item}, n)}))
	}
	part, extern := child(child(list, "parts"), 0), map[string]any{"name": "a", "kind": "func"}
	for _, raw := range [][]byte{repeat(list, "parts", part, 10000), repeat(list, "parts", part, 10001), repeat(list, "imports", extern, 100001)} {
		compareWithReference(t, raw, schema.ListFile)
	}
	compareWithReference(t, repeat(allow, "parts", map[string]any{"digest": hexDigest}, 100001), schema.AllowlistFile)
	badParts := make([]any, 12)
	for i := range badParts {
		badParts[i] = map[string]any{"path": "component/module/" + strings.Repeat("9", i), "kind": "module", "size": json.Number("8"), "digest": hexDigest[:i]}
	}
	compareWithReference(t, encode(t, apply(list, edit{path: []any{"parts"}, value: badParts})))
	compareWithReference(t, encode(t, apply(allow, edit{path: []any{"parts"}, value: badParts})))
}

// The JSON itself: what does not parse, and what parses in ways that
// matter to validation.
func TestRawJSONMatchesReference(t *testing.T) {
	for _, raw := range []string{
		"", " ", "{", "}", "[]", "null", `"x"`, "1", "{} {}", "{}x", "{}\n", "\ufeff{}", `{"a":1,}`, `{"a":01}`,
		`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[],"parts":{}}`,
		`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":{},"parts":[]}`,
		`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[{"digest":"` + hexDigest + `","kind":"module","kind":"modul"}]}`,
		`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[{"digest":"sha256:\u0030123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]}`,
		`{"layer":{"size":1e999999}}`, `{"layer":{"size":-0.0}}`, `{"layer":{"size":8E0}}`, `{"layer":{"size":80e-1}}`,
		"{\"\xff\":1,\"a\\\"b\":2,\"it's\":3}",
	} {
		compareWithReference(t, []byte(raw))
	}
}

// FuzzValidate: on any input, Validate and the reference give the same
// verdict and the same message.
func FuzzValidate(f *testing.F) {
	f.Add(compositiontest.Encoded(f, compositiontest.Fixture(f, "hello.core.wasm")))
	f.Add(repoFile(f, "plugins/wasm-composition/examples/allowlist.json"))
	f.Add([]byte(allowlistWithKinds))
	f.Add([]byte(`{"mediaType":"application/vnd.ratify-wasm.composition.v1+json","layer":{"size":1.5e1,"kind":"x"},"parts":[{"path":"component/module/0"}],"imports":[{"name":"","kind":"func","hostCode":false}],"exports":[],"generator":{"name":"g","version":"1","extra":null}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		compareWithReference(t, raw)
	})
}

// BenchmarkValidateList: a valid list of a jco-built component (5 parts,
// 18 imports), decoded and validated.
func BenchmarkValidateList(b *testing.B) {
	raw := compositiontest.Encoded(b, compositiontest.Fixture(b, "hello.component.wasm"))
	reference, err := publishedReference()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name     string
		validate func([]byte) error
	}{
		{"ratify-wasm", func(raw []byte) error { return schema.Validate(schema.ListFile, raw) }},
		{"jsonschema-v6", func(raw []byte) error { return referenceValidate(reference[schema.ListFile], schema.ListFile, raw) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.validate(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
