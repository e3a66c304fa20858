package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// The examples of this directory's README (examples/), placeholders from
// docstest.Placeholders.

func exampleFile(t *testing.T, name string) string {
	return filepath.Join(testenv.RepoRoot(t), "plugins/wasm-composition/examples", name)
}

// TestExampleList: examples/nested.composition.json is valid against the
// schema and is the list the CLI writes for examples/fixtures/nested.wasm
// (all but the generator version, which depends on the build).
func TestExampleList(t *testing.T) {
	raw, err := os.ReadFile(exampleFile(t, "nested.composition.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := list.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := compositiontest.List(t, compositiontest.Fixture(t, "nested.wasm"))
	want.Generator = list.Generator{Name: list.ThisGenerator().Name, Version: got.Generator.Version}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("the example is not the list of nested.wasm:\nexample: %s\nreal:    %s", g, w)
	}
}

// TestExampleAllowlist: examples/allowlist.json is valid against the schema
// and names a real part (the WASI adapter) of hello.component.wasm, the
// artifact TestExampleVerifier verifies.
func TestExampleAllowlist(t *testing.T) {
	a, err := allowlist.Load(exampleFile(t, "allowlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]bool{}
	for _, p := range compositiontest.List(t, compositiontest.Fixture(t, "hello.component.wasm")).Parts {
		parts[p.Digest] = true
	}
	for _, p := range a.Parts {
		if !parts[p.Digest] {
			t.Errorf("allowlist entry %s is no part of hello.component.wasm", p.Digest)
		}
	}
}

// TestExampleVerifier runs examples/verifier.json through `ratify verify`:
// hello.component.wasm (exports wasi:cli/run, no sockets) with its list
// passes; sockets.wasm with its own list fails the capability policy.
func TestExampleVerifier(t *testing.T) {
	var entry map[string]any
	raw := docstest.Load(t, "plugins/wasm-composition/examples/verifier.json", map[string]string{
		"/etc/ratify/wasm-allowlist.json": exampleFile(t, "allowlist.json"),
	})
	if err := json.Unmarshal(raw, &entry); err != nil {
		t.Fatal(err)
	}
	reg := registrytest.StartReferrers(t)
	env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{entry}})
	subject, _ := pushWithList(t, reg, "wasm/hello", compositiontest.Fixture(t, "hello.component.wasm"))
	rep := env.Verify(t, subject)
	if v := rep.One(t, "wasm-composition"); !rep.IsSuccess || !v.IsSuccess {
		t.Fatalf("want success\n%s\n%s", rep.Raw, rep.Stderr)
	}
	subject, _ = pushWithList(t, reg, "wasm/sockets", compositiontest.Fixture(t, "sockets.wasm"))
	rep = env.Verify(t, subject)
	if v := rep.One(t, "wasm-composition"); rep.IsSuccess || v.IsSuccess || v.Extensions["failedCheck"] != "imports" || !strings.Contains(v.Message, "wasi:sockets") {
		t.Fatalf("sockets.wasm: want an imports failure naming wasi:sockets\n%s", rep.Raw)
	}
}
