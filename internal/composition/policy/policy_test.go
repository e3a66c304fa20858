package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/capability"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/policy"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
)

func caps(t *testing.T, r capability.Rules) *capability.Policy {
	t.Helper()
	p, err := capability.NewPolicy(r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checks(o *policy.Outcome) string {
	var s []string
	for _, v := range o.Violations {
		s = append(s, string(v.Check))
	}
	return strings.Join(s, ",")
}

func unknownPaths(o *policy.Outcome) string {
	var s []string
	for _, p := range o.UnknownParts {
		s = append(s, p.Path)
	}
	return strings.Join(s, ",")
}

func TestVerifyFixturesWithTheirOwnLists(t *testing.T) {
	for _, name := range []string{"hello.component.wasm", "nested.wasm", "plug.wasm", "implements.wasm", "sockets.wasm"} {
		t.Run(name, func(t *testing.T) {
			b := compositiontest.Fixture(t, name)
			o := (&policy.Policy{TrustListParts: true}).Verify(compositiontest.List(t, b), compositiontest.List(t, b), nil)
			if !o.OK() || o.PartCount == 0 || o.KnownByList != o.PartCount || o.DeclaredInterface != policy.DeclaredAbsent {
				t.Fatalf("want a pass with every part known by the list, got %+v", o)
			}
		})
	}
}

// A nested module swapped for another valid module: the binary still parses,
// but its digest and the swapped part's digest are unknown.
func TestVerifySwappedModule(t *testing.T) {
	nested := compositiontest.Fixture(t, "nested.wasm")
	hostcode := compositiontest.Fixture(t, "hostcode.wasm")
	glue := compositiontest.PartOf(t, hostcode, "component/module/0")
	swapped := compositiontest.ReplacePart(t, nested, "component/module/0", hostcode[glue.Offset:glue.Offset+glue.Size])
	found := compositiontest.List(t, swapped)
	o := (&policy.Policy{TrustListParts: true}).Verify(compositiontest.List(t, nested), found, nil)
	if checks(o) != "parts,layer" || unknownPaths(o) != "component/module/0" {
		t.Fatalf("want parts+layer violations naming component/module/0, got %s %+v", checks(o), o.Violations)
	}
	if d := o.Violations[0].Detail; !strings.Contains(d, "component/module/0 "+glue.Digest) || !strings.Contains(d, "1 of 5 nested parts") {
		t.Errorf("detail does not name the part and digest: %s", d)
	}
}

// One byte changed deep inside: the leaf and every part containing it are
// unknown; untouched siblings stay known.
func TestVerifyChangedByte(t *testing.T) {
	nested := compositiontest.Fixture(t, "nested.wasm")
	leaf := "component/component/0/component/0/module/0"
	// (i32.const 21) → (i32.const 22)
	changed := compositiontest.ChangeByte(t, nested, leaf, []byte{0x41, 0x15, 0x0b}, []byte{0x41, 0x16, 0x0b})
	o := (&policy.Policy{TrustListParts: true}).Verify(compositiontest.List(t, nested), compositiontest.List(t, changed), nil)
	if want := "component/component/0," + "component/component/0/component/0," + leaf; unknownPaths(o) != want {
		t.Fatalf("unknown parts %q, want %q", unknownPaths(o), want)
	}
	if o.KnownByList != 2 || checks(o) != "parts,layer" {
		t.Errorf("known %d, checks %s", o.KnownByList, checks(o))
	}
}

// A list that names the right layer but describes something else is not
// trusted: its parts are the binary's, but an import was removed from it.
func TestVerifyListInconsistentWithItsLayer(t *testing.T) {
	b := compositiontest.Fixture(t, "sockets.wasm")
	listed := compositiontest.List(t, b)
	listed.Imports = listed.Imports[:2] // hide wasi:sockets/tcp
	o := (&policy.Policy{TrustListParts: true}).Verify(listed, compositiontest.List(t, b), nil)
	if checks(o) != "list" || !strings.Contains(o.Violations[0].Detail, "import wasi:sockets/tcp@0.2.0: added") {
		t.Fatalf("want a list violation naming the hidden import, got %+v", o.Violations)
	}
}

func TestVerifyListForAnotherArtifact(t *testing.T) {
	o := (&policy.Policy{TrustListParts: true}).Verify(
		compositiontest.List(t, compositiontest.Fixture(t, "plug.wasm")),
		compositiontest.List(t, compositiontest.Fixture(t, "nested.wasm")), nil)
	if checks(o) != "parts,layer" || len(o.UnknownParts) != 5 {
		t.Fatalf("got %s, %d unknown", checks(o), len(o.UnknownParts))
	}
}

func TestVerifyCapabilities(t *testing.T) {
	deny := caps(t, capability.Rules{DenyImports: []string{"wasi:sockets/*"}, RequireExports: []string{"ratify:example/answer@0.1"}})
	for _, tc := range []struct {
		fixture string
		policy  *capability.Policy
		checks  string
		detail  string
	}{
		{"nested.wasm", deny, "", ""},
		{"sockets.wasm", deny, "imports", `wasi:sockets/tcp@0.2.0 matches denyImports pattern "wasi:sockets/*"`},
		{"plug.wasm", deny, "exports", "no export matches required pattern(s) ratify:example/answer@0.1; exports are wasi:cli/run@0.2.0"},
		{"hostcode.wasm", nil, "imports", "helper-module imports a core-module: code supplied by the host"},
		{"hostcode.wasm", caps(t, capability.Rules{AllowHostCodeImports: []string{"helper-module", "helper-component"}}), "", ""},
		{"implements.wasm", caps(t, capability.Rules{DenyImports: []string{"wasi:keyvalue/*"}}), "imports", "primary (implements wasi:keyvalue/store@0.2.0) matches denyImports"},
		{"hello.component.wasm", caps(t, capability.Rules{AllowImports: []string{"wasi:cli/*@0.2", "wasi:io/*@0.2", "wasi:clocks/*@0.2", "wasi:random/*@0.2"}}), "imports", "wasi:filesystem/types@0.2.12 matches no allowImports pattern"},
		{"hello.core.wasm", deny, "imports", "is a core module: its imports are not component-model interfaces"},
		{"hello.core.wasm", nil, "", ""},
	} {
		t.Run(tc.fixture+"/"+tc.checks, func(t *testing.T) {
			b := compositiontest.Fixture(t, tc.fixture)
			o := (&policy.Policy{TrustListParts: true, Capabilities: tc.policy}).Verify(compositiontest.List(t, b), compositiontest.List(t, b), nil)
			if checks(o) != tc.checks {
				t.Fatalf("checks %q, want %q: %+v", checks(o), tc.checks, o.Violations)
			}
			if tc.detail != "" && !strings.Contains(o.Violations[0].Detail, tc.detail) {
				t.Errorf("detail %q does not contain %q", o.Violations[0].Detail, tc.detail)
			}
			if o.Capabilities.Denied == nil || o.Capabilities.MissingExports == nil {
				t.Error("denied/missing lists must be empty lists, not nil")
			}
		})
	}
}

func TestVerifyDeclaredInterface(t *testing.T) {
	b := compositiontest.Fixture(t, "implements.wasm")
	l := compositiontest.List(t, b)
	p := &policy.Policy{TrustListParts: true}
	for _, tc := range []struct {
		name     string
		declared policy.Declared
		state    string
		detail   string
	}{
		{"plain names as oci-wasm writes them", policy.Declared{Imports: []string{"primary", "secondary"}, Exports: []string{"ratify:example/answer@0.1.0"}}, policy.DeclaredMatched, ""},
		{"interfaces accepted too", policy.Declared{Imports: []string{"wasi:keyvalue/store@0.2.0", "secondary"}, Exports: []string{"ratify:example/answer@0.1.0"}}, policy.DeclaredMatched, ""},
		{"undeclared import", policy.Declared{Imports: []string{"primary"}, Exports: []string{"ratify:example/answer@0.1.0"}}, policy.DeclaredMismatched, "imports in the binary but not declared: secondary"},
		{"declared but absent", policy.Declared{Imports: []string{"primary", "secondary", "wasi:http/outgoing-handler@0.2.0"}, Exports: []string{"ratify:example/answer@0.1.0"}}, policy.DeclaredMismatched, "imports declared but not in the binary: wasi:http/outgoing-handler@0.2.0"},
		{"wrong export", policy.Declared{Imports: []string{"primary", "secondary"}, Exports: []string{"wasi:cli/run@0.2.0"}}, policy.DeclaredMismatched, "exports declared but not in the binary: wasi:cli/run@0.2.0; exports in the binary but not declared: ratify:example/answer@0.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := p.Verify(l, l, &tc.declared)
			if o.DeclaredInterface != tc.state {
				t.Fatalf("state %s, want %s (%+v)", o.DeclaredInterface, tc.state, o.Violations)
			}
			if tc.detail != "" && (checks(o) != "declaredInterface" || !strings.Contains(o.Violations[0].Detail, tc.detail)) {
				t.Errorf("violations %+v, want detail %q", o.Violations, tc.detail)
			}
		})
	}
}

func TestVerifyAllowlist(t *testing.T) {
	b := compositiontest.Fixture(t, "hello.component.wasm")
	l := compositiontest.List(t, b)
	var entries []string
	for _, p := range l.Parts[1:] { // everything but the main module
		entries = append(entries, `{"digest":"`+p.Digest+`","kind":"`+string(p.Kind)+`"}`)
	}
	path := filepath.Join(t.TempDir(), "allow.json")
	if err := os.WriteFile(path, []byte(`{"mediaType":"`+mediatype.Allowlist+`","parts":[`+strings.Join(entries, ",")+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	allow, err := allowlist.Load(path)
	if err != nil {
		t.Fatal(err)
	}

	// Allowlist only: the generated main module is in no allowlist.
	o := (&policy.Policy{Allowlist: allow}).Verify(l, l, nil)
	if checks(o) != "parts" || unknownPaths(o) != "component/module/0" || o.KnownByAllowlist != 4 || o.KnownByList != 0 {
		t.Fatalf("allowlist only: %s unknown=%s byAllowlist=%d", checks(o), unknownPaths(o), o.KnownByAllowlist)
	}
	if !strings.Contains(o.Violations[0].Detail, "trustListParts is false") {
		t.Errorf("detail should say list parts are not trusted: %s", o.Violations[0].Detail)
	}
	// List and allowlist: the list covers the main module, parts the list
	// also names are counted as known by the list.
	o = (&policy.Policy{TrustListParts: true, Allowlist: allow}).Verify(l, l, nil)
	if !o.OK() || o.KnownByList != 5 || o.KnownByAllowlist != 0 {
		t.Fatalf("list and allowlist: %+v", o)
	}
	// A list that omits a part the allowlist knows.
	short := compositiontest.List(t, b)
	short.Parts = short.Parts[:1]
	o = (&policy.Policy{TrustListParts: true, Allowlist: allow}).Verify(short, l, nil)
	if o.KnownByList != 1 || o.KnownByAllowlist != 4 || len(o.UnknownParts) != 0 || checks(o) != "list" {
		t.Fatalf("short list: %+v", o)
	}
}
