package wasm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, b []byte) *Binary {
	t.Helper()
	bin, err := Parse(b, Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkParts(t, b, bin)
	return bin
}

func mustFail(t *testing.T, b []byte, lim Limits, want string) *ParseError {
	t.Helper()
	_, err := Parse(b, lim)
	if err == nil {
		t.Fatalf("Parse succeeded, want error containing %q", want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not *ParseError: %v", err, err)
	}
	if !strings.Contains(pe.Reason, want) {
		t.Fatalf("error %q, want reason containing %q", err, want)
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Fatalf("error is not one line: %q", err)
	}
	return pe
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestPreambleTable(t *testing.T) {
	// The accepted set is explicit: exactly these two (version, layer) pairs.
	got := map[[2]uint16]Kind{}
	for _, p := range preambles {
		got[[2]uint16{p.version, p.layer}] = p.kind
	}
	want := map[[2]uint16]Kind{{0x01, 0x00}: KindModule, {0x0d, 0x01}: KindComponent}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("preambles = %v, want %v", got, want)
	}
	cases := []struct {
		hdr  []byte
		kind Kind
		err  string
	}{
		{moduleHeader, KindModule, ""},
		{componentHeader, KindComponent, ""},
		{[]byte("\x00asm\x01\x00\x01\x00"), "", "unknown binary version"}, // standardized component: not yet
		{[]byte("\x00asm\x0c\x00\x01\x00"), "", "unknown binary version"},
		{[]byte("\x00asm\x0e\x00\x01\x00"), "", "unknown binary version"},
		{[]byte("\x00asm\x0d\x00\x00\x00"), "", "unknown binary version"},
		{[]byte("\x00asm\x01\x00\x00\x01"), "", "unknown binary version"},
		{[]byte("\x00asm\x02\x00\x00\x00"), "", "unknown binary version"},
		{[]byte("\x00ASM\x01\x00\x00\x00"), "", "magic header not detected"},
		{[]byte("\x00asm\x01\x00\x00"), "", "unexpected end-of-file"},
		{nil, "", "unexpected end-of-file"},
	}
	for _, c := range cases {
		k, err := Sniff(append(append([]byte{}, c.hdr...), 0xff, 0xff)[:len(c.hdr)])
		if c.err == "" {
			if err != nil || k != c.kind {
				t.Errorf("Sniff(% x) = %q, %v; want %q", c.hdr, k, err, c.kind)
			}
			// Sniff only looks at 8 bytes: trailing garbage is fine.
			if k2, err := Sniff(append(append([]byte{}, c.hdr...), 0xff)); err != nil || k2 != c.kind {
				t.Errorf("Sniff with trailing bytes = %q, %v", k2, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Sniff(% x) error = %v, want %q", c.hdr, err, c.err)
		}
		if _, err := Parse(c.hdr, Limits{}); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Parse(% x) error = %v, want %q", c.hdr, err, c.err)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	// A truncated type section inside a nested module's parent.
	b := component(section(1, module()), section(7, []byte{0x02, 0x73}))
	_, err := Parse(b, Limits{})
	if err == nil {
		t.Fatal("no error")
	}
	want := "wasm: component at offset 0x14: unexpected end-of-file"
	if err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
	// Errors inside nested parts name the part and use top-level offsets.
	inner := component(section(1, module(section(14))))
	_, err = Parse(component(section(4, inner)), Limits{})
	want = "wasm: component/component/0/module/0 at offset 0x1c: malformed section id: 14"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if (&ParseError{Offset: 0x4d2, Reason: "x"}).Error() != "wasm: at offset 0x4d2: x" {
		t.Fatal("format without part")
	}
}

func TestLEB128(t *testing.T) {
	u32 := []struct {
		in   []byte
		want uint32
		err  string
	}{
		{[]byte{0x00}, 0, ""},
		{[]byte{0x7f}, 127, ""},
		{[]byte{0x80, 0x01}, 128, ""},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x00}, 0, ""}, // overlong zero padding
		{[]byte{0x81, 0x80, 0x80, 0x80, 0x00}, 1, ""}, // overlong, 5 bytes
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, ""},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, "integer too large"},
		{[]byte{0x81, 0x80, 0x80, 0x80, 0x70}, 0, "integer too large"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, "integer representation too long"},
		{[]byte{0x80, 0x80}, 0, "unexpected end-of-file"},
		{[]byte{}, 0, "unexpected end-of-file"},
	}
	for _, c := range u32 {
		r := reader{buf: c.in, end: len(c.in)}
		v := r.u32()
		if c.err == "" {
			if r.err != nil || v != c.want || r.pos != len(c.in) {
				t.Errorf("u32(% x) = %d, %v, pos %d", c.in, v, r.err, r.pos)
			}
		} else if r.err == nil || !strings.Contains(r.err.Reason, c.err) {
			t.Errorf("u32(% x) error = %v, want %q", c.in, r.err, c.err)
		}
	}
	s33 := []struct {
		in   []byte
		want int64
		err  string
	}{
		{[]byte{0x00}, 0, ""},
		{[]byte{0x7f}, -1, ""},
		{[]byte{0x40}, -64, ""},
		{[]byte{0x3f}, 63, ""},
		{[]byte{0x80, 0x01}, 128, ""},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, ""},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, -(1 << 32), ""},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, "integer too large"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x60}, 0, "integer too large"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, "too long"},
		{[]byte{0x80}, 0, "unexpected end-of-file"},
	}
	for _, c := range s33 {
		r := reader{buf: c.in, end: len(c.in)}
		v := r.s33()
		if c.err == "" {
			if r.err != nil || v != c.want || r.pos != len(c.in) {
				t.Errorf("s33(% x) = %d, %v", c.in, v, r.err)
			}
		} else if r.err == nil || !strings.Contains(r.err.Reason, c.err) {
			t.Errorf("s33(% x) error = %v, want %q", c.in, r.err, c.err)
		}
	}
	u64 := []struct {
		in   []byte
		want uint64
		err  string
	}{
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 1<<64 - 1, ""},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, ""},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, 0, "integer too large"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, "too long"},
	}
	for _, c := range u64 {
		r := reader{buf: c.in, end: len(c.in)}
		v := r.u64()
		if c.err == "" {
			if r.err != nil || v != c.want {
				t.Errorf("u64(% x) = %d, %v", c.in, v, r.err)
			}
		} else if r.err == nil || !strings.Contains(r.err.Reason, c.err) {
			t.Errorf("u64(% x) error = %v, want %q", c.in, r.err, c.err)
		}
	}

	// The same rules apply to section sizes and vector counts in binaries.
	mustParse(t, component([]byte{0x07, 0x81, 0x80, 0x80, 0x80, 0x00, 0x00}))
	mustParse(t, component([]byte{0x00, 0x82, 0x80, 0x80, 0x80, 0x00, 0x01, 'x'}))
	mustParse(t, component(section(7, []byte{0x81, 0x80, 0x80, 0x80, 0x00, 0x73})))
	mustFail(t, component([]byte{0x07, 0x81, 0x80, 0x80, 0x80, 0x10, 0x00}), Limits{}, "integer too large")
	mustFail(t, component([]byte{0x07, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00}), Limits{}, "too long")
	mustFail(t, component(section(7, []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0x73})), Limits{}, "unexpected end-of-file")
	mustFail(t, component(section(7, []byte{0x02, 0x73})), Limits{}, "unexpected end-of-file")
}

func TestSectionFraming(t *testing.T) {
	mustParse(t, component())
	mustParse(t, component(section(0, str("")))) // empty custom name
	for id := byte(12); id < 20; id++ {
		mustFail(t, component(section(id)), Limits{}, "malformed section id")
	}
	mustFail(t, component([]byte{0xff}), Limits{}, "malformed section id")
	mustFail(t, component([]byte{0x07}), Limits{}, "unexpected end-of-file")
	mustFail(t, component([]byte{0x07, 0x05, 0x00}), Limits{}, "unexpected end-of-file")
	// Leftover bytes at the end of a decoded section.
	mustFail(t, component(section(7, []byte{0x01, 0x73, 0x73})), Limits{}, "unexpected data at the end of the section")
	// Custom section name must be UTF-8 and fit the section.
	mustFail(t, component(section(0, []byte{0x02, 0xc3, 0x28})), Limits{}, "malformed UTF-8")
	mustFail(t, component(section(0, []byte{0x02, 'a'}), section(0, str("b"))), Limits{}, "unexpected end-of-file")
	// Surrogates (ED A0 80) are not valid UTF-8 in wasm names.
	mustFail(t, component(section(0, []byte{0x03, 0xed, 0xa0, 0x80})), Limits{}, "malformed UTF-8")
	// Second start section.
	start := section(9, leb(0), vec(), leb(0))
	mustParse(t, component(start))
	mustFail(t, component(start, start), Limits{}, "more than one start")
	// Section 1 must hold a module, section 4 a component.
	mustFail(t, component(section(1, component())), Limits{}, "expected a version header for a module")
	mustFail(t, component(section(4, module())), Limits{}, "expected a version header for a component")
	mustFail(t, component(section(1, []byte("\x00asm\x01\x00"))), Limits{}, "unexpected end-of-file")
	mustFail(t, component(section(4, []byte("\x00asm\x01\x00\x01\x00"))), Limits{}, "unknown binary version")
}

func TestCoreModuleFraming(t *testing.T) {
	// All known ids in order, customs anywhere.
	var secs [][]byte
	for _, id := range []byte{1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11} {
		secs = append(secs, section(0, str("c")), section(id, []byte{0x00}))
	}
	b := module(secs...)
	bin := mustParse(t, b)
	if bin.Kind != KindModule || len(bin.Parts) != 1 || bin.Parts[0].Path != "module" || len(bin.CustomSections) != 13 {
		t.Fatalf("unexpected result %+v", bin)
	}
	if len(bin.Imports) != 0 || len(bin.Exports) != 0 {
		t.Fatal("core module externs are not listed")
	}
	mustFail(t, module(section(2), section(1)), Limits{}, "section out of order")
	mustFail(t, module(section(1), section(1)), Limits{}, "section out of order")
	mustFail(t, module(section(6), section(13)), Limits{}, "section out of order")
	mustFail(t, module(section(14)), Limits{}, "malformed section id: 14")
	mustFail(t, module(section(0, []byte{0x01, 0xff})), Limits{}, "malformed UTF-8")
	mustFail(t, module([]byte{0x01, 0x05, 0x00}), Limits{}, "unexpected end-of-file")
}

// nestedFixture builds
//
//	component
//	  module/0
//	  component/0
//	    module/0, module/1, module/2 (with a custom section)
//	    component/0
//	  module/1
//	  component/1 (verbatim copy of an independent component)
func nestedFixture() (b, standalone []byte) {
	m := func(tag string) []byte { return module(section(0, str("tag"), []byte(tag))) }
	standalone = component(section(7, vec([]byte{0x73})), section(1, m("s")))
	inner := component(
		section(1, m("a")), section(1, m("b")), section(1, m("c")),
		section(4, component()),
	)
	b = component(
		section(1, m("top0")),
		section(4, inner),
		section(0, str("between"), []byte{1, 2, 3}),
		section(1, m("top1")),
		section(4, standalone),
	)
	return b, standalone
}

func TestNestedParts(t *testing.T) {
	b, standalone := nestedFixture()
	bin := mustParse(t, b)
	wantPaths := []string{
		"component",
		"component/module/0",
		"component/component/0",
		"component/component/0/module/0",
		"component/component/0/module/1",
		"component/component/0/module/2",
		"component/component/0/component/0",
		"component/module/1",
		"component/component/1",
		"component/component/1/module/0",
	}
	var got []string
	for _, p := range bin.Parts {
		got = append(got, p.Path)
	}
	if !reflect.DeepEqual(got, wantPaths) {
		t.Fatalf("paths = %q, want %q", got, wantPaths)
	}
	wantDepth := []int{0, 1, 1, 2, 2, 2, 2, 1, 1, 2}
	for i, p := range bin.Parts {
		if p.Depth != wantDepth[i] {
			t.Errorf("%s depth = %d, want %d", p.Path, p.Depth, wantDepth[i])
		}
		wantKind := KindModule
		if strings.HasSuffix(lastSlashStr(p.Path), "component") || p.Path == "component" {
			wantKind = KindComponent
		}
		if p.Kind != wantKind {
			t.Errorf("%s kind = %s", p.Path, p.Kind)
		}
	}
	// A component embedded verbatim keeps its digest one level down.
	c1 := bin.Parts[8]
	if c1.Digest != digestOf(standalone) || c1.Size != int64(len(standalone)) {
		t.Errorf("verbatim nested component digest %s, want %s", c1.Digest, digestOf(standalone))
	}
	sb := mustParse(t, standalone)
	if sb.Parts[1].Digest != bin.Parts[9].Digest {
		t.Error("nested module digest changed by embedding")
	}
	if bin.Digest != digestOf(b) || bin.Size != int64(len(b)) || bin.Kind != KindComponent {
		t.Error("top-level digest/size/kind")
	}
	// Custom sections: owner, name and payload range.
	var cs []string
	for _, c := range bin.CustomSections {
		cs = append(cs, c.Part+":"+c.Name)
		payload := b[c.Offset : c.Offset+c.Size]
		if !strings.HasPrefix(string(payload), string(str(c.Name))) {
			t.Errorf("custom section %s range does not start with its name", c.Name)
		}
	}
	wantCS := []string{
		"component/module/0:tag",
		"component/component/0/module/0:tag",
		"component/component/0/module/1:tag",
		"component/component/0/module/2:tag",
		"component:between",
		"component/module/1:tag",
		"component/component/1/module/0:tag",
	}
	if !reflect.DeepEqual(cs, wantCS) {
		t.Fatalf("custom sections = %q, want %q", cs, wantCS)
	}
	between := bin.CustomSections[4]
	if got := b[between.Offset : between.Offset+between.Size]; string(got) != string(cat(str("between"), []byte{1, 2, 3})) {
		t.Errorf("custom payload = % x", got)
	}
}

func TestImportsExports(t *testing.T) {
	types := section(7, vec(
		[]byte{0x40, 0x00, 0x01, 0x00}, // (func)
		[]byte{0x42, 0x00},             // empty instance type
		[]byte{0x41, 0x00},             // empty component type
	))
	coreTypes := section(3, vec([]byte{0x50, 0x00})) // empty module type
	imports := section(10, vec(
		cat(plain("wasi:cli/stdout@0.2.0"), []byte{0x05, 0x01}),
		cat([]byte{0x01}, str("wasi:http/types@0.2.10"), []byte{0x05, 0x01}), // legacy 0x01 prefix
		cat(attrName("wasi:http/types@0.2", attr(0x01, ".6")), []byte{0x05, 0x01}),
		cat(attrName("primary", attr(0x00, "wasi:keyvalue/store@0.2.0"), attr(0x02, "https://example.com/kv")), []byte{0x05, 0x01}),
		cat(attrName("plain"), []byte{0x01, 0x00}),
		cat(plain("m"), []byte{0x00, 0x11, 0x00}),
		cat(plain("c"), []byte{0x04, 0x02}),
		cat(plain("t"), []byte{0x03, 0x01}),
		cat(plain("t2"), []byte{0x03, 0x00, 0x00}),
		cat(plain("v"), []byte{0x02, 0x01, 0x73}),
		cat(plain("[method]r.m"), []byte{0x01, 0x00}),
	))
	exports := section(11, vec(
		cat(plain("wasi:cli/run@0.2.12"), []byte{0x05, 0x00, 0x00}),
		cat(plain("f"), []byte{0x01, 0x00, 0x01, 0x01, 0x00}),
		cat(plain("mod"), []byte{0x00, 0x11, 0x00, 0x00}),
		cat(attrName("impl", attr(0x00, "my:dep/iface")), []byte{0x05, 0x00, 0x00}),
	))
	// Nested imports and exports are not reported.
	nested := component(section(10, vec(cat(plain("inner"), []byte{0x01, 0x00}))))
	b := component(coreTypes, types, section(4, nested), imports, exports)
	bin := mustParse(t, b)
	wantImports := []Extern{
		{Name: "wasi:cli/stdout@0.2.0", Kind: "instance", Interface: "wasi:cli/stdout@0.2.0"},
		{Name: "wasi:http/types@0.2.10", Kind: "instance", Interface: "wasi:http/types@0.2.10"},
		{Name: "wasi:http/types@0.2", Kind: "instance", VersionSuffix: ".6", Interface: "wasi:http/types@0.2.6"},
		{Name: "primary", Kind: "instance", Implements: "wasi:keyvalue/store@0.2.0", ExternalID: "https://example.com/kv", Interface: "wasi:keyvalue/store@0.2.0"},
		{Name: "plain", Kind: "func"},
		{Name: "m", Kind: "core-module", HostCode: true},
		{Name: "c", Kind: "component", HostCode: true},
		{Name: "t", Kind: "type"},
		{Name: "t2", Kind: "type"},
		{Name: "v", Kind: "value"},
		{Name: "[method]r.m", Kind: "func"},
	}
	if !reflect.DeepEqual(bin.Imports, wantImports) {
		t.Errorf("imports:\n got %+v\nwant %+v", bin.Imports, wantImports)
	}
	wantExports := []Extern{
		{Name: "wasi:cli/run@0.2.12", Kind: "instance", Interface: "wasi:cli/run@0.2.12"},
		{Name: "f", Kind: "func"},
		{Name: "mod", Kind: "core-module"},
		{Name: "impl", Kind: "instance", Implements: "my:dep/iface", Interface: "my:dep/iface"},
	}
	if !reflect.DeepEqual(bin.Exports, wantExports) {
		t.Errorf("exports:\n got %+v\nwant %+v", bin.Exports, wantExports)
	}

	// Prefix and attribute errors.
	imp := func(name []byte) []byte { return component(section(10, vec(cat(name, []byte{0x01, 0x00})))) }
	for _, p := range []byte{0x03, 0x04, 0x7f, 0xff} {
		pe := mustFail(t, imp(cat([]byte{p}, str("a"))), Limits{}, "for component name")
		if want := "invalid leading byte (0x" + strings.TrimLeft(hex.EncodeToString([]byte{p}), "0") + ") for component name"; pe.Reason != want {
			t.Errorf("reason %q, want %q", pe.Reason, want)
		}
	}
	mustFail(t, imp(attrName("a", attr(0x03, "x"))), Limits{}, "invalid leading byte (0x3) for name option")
	mustFail(t, imp(attrName("a", attr(0x00, "a:b/c"), attr(0x00, "a:b/d"))), Limits{}, "duplicate 'implements'")
	mustFail(t, imp(attrName("a", attr(0x01, ".1"), attr(0x01, ".2"))), Limits{}, "duplicate 'versionsuffix'")
	mustFail(t, imp(attrName("a", attr(0x02, "x"), attr(0x02, "y"))), Limits{}, "duplicate 'external-id'")
	mustFail(t, imp(attrName("a", attr(0x00, ""))), Limits{}, "empty 'implements'")
	mustFail(t, imp(attrName("a:b/c@0.2", attr(0x01, ""))), Limits{}, "empty 'versionsuffix'")
	mustFail(t, imp(attrName("a", []byte{0x00, 0x02, 0xff, 0xfe})), Limits{}, "malformed UTF-8")
	mustFail(t, imp([]byte{0x02, 0x01, 'a', 0x05}), Limits{}, "unexpected end-of-file") // attr count past the end
	mustFail(t, component(section(11, vec(cat(plain("e"), []byte{0x00, 0x10, 0x00, 0x00})))), Limits{}, "component external kind")
	mustFail(t, component(section(10, vec(cat(plain("v"), []byte{0x02, 0x02})))), Limits{}, "value bound")
}

func TestEffectiveInterface(t *testing.T) {
	cases := []struct{ name, impl, suffix, want string }{
		{"wasi:http/types@0.2", "", ".6", "wasi:http/types@0.2.6"},
		{"wasi:http/types@1", "", ".2.3", "wasi:http/types@1.2.3"},
		{"a:b/c@0.0.1", "", "-alpha", "a:b/c@0.0.1-alpha"},
		{"wasi:http/types@0.2.6", "", "", "wasi:http/types@0.2.6"},
		{"wasi:http/types", "", "", "wasi:http/types"},
		{"primary", "wasi:keyvalue/store@0.2.0", "", "wasi:keyvalue/store@0.2.0"},
		{"wasi:http/types", "other:x/y", "", "other:x/y"},
		{"primary", "", "", ""},
		{"wasi:http", "", "", ""},
		{"unlocked-dep=<a:b@{>=1.0.0}>", "", "", ""},
	}
	for _, c := range cases {
		if got := effectiveInterface(c.name, c.impl, c.suffix); got != c.want {
			t.Errorf("effectiveInterface(%q, %q, %q) = %q, want %q", c.name, c.impl, c.suffix, got, c.want)
		}
	}
}

func TestJSON(t *testing.T) {
	b := component(
		section(7, vec([]byte{0x41, 0x00})),
		section(10, vec(cat(attrName("x", attr(0x00, "a:b/c")), []byte{0x04, 0x00}))),
		section(0, str("n")),
	)
	bin := mustParse(t, b)
	out, err := json.Marshal(bin)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "size", "digest", "parts", "imports", "exports", "customSections"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q in %s", k, out)
		}
	}
	part := m["parts"].([]any)[0].(map[string]any)
	for _, k := range []string{"path", "kind", "offset", "size", "digest", "depth"} {
		if _, ok := part[k]; !ok {
			t.Errorf("part missing key %q", k)
		}
	}
	imp := m["imports"].([]any)[0].(map[string]any)
	want := map[string]any{"name": "x", "kind": "component", "implements": "a:b/c", "interface": "a:b/c", "hostCode": true}
	if !reflect.DeepEqual(imp, want) {
		t.Errorf("import JSON = %v, want %v", imp, want)
	}
	if !strings.Contains(string(out), `"exports":[]`) {
		t.Errorf("empty exports should marshal as []: %s", out)
	}
	cs := m["customSections"].([]any)[0].(map[string]any)
	for _, k := range []string{"part", "name", "offset", "size"} {
		if _, ok := cs[k]; !ok {
			t.Errorf("custom section missing key %q", k)
		}
	}
}

// ParseVerified takes the caller's verified digest for the whole input
// instead of hashing it again, and hashes every nested part as Parse does.
func TestParseVerified(t *testing.T) {
	b, _ := nestedFixture()
	want := mustParse(t, b)
	got, err := ParseVerified(b, DefaultLimits(), want.Digest)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseVerified with the true digest = %+v, %v; want what Parse returns", got, err)
	}
	// The given digest is used as it is: the whole input is not hashed.
	other := "sha256:" + strings.Repeat("ab", sha256.Size)
	got, err = ParseVerified(b, DefaultLimits(), other)
	if err != nil || got.Digest != other || got.Parts[0].Digest != other {
		t.Fatalf("ParseVerified(%s): digest %v, %v", other, got, err)
	}
	for i := 1; i < len(want.Parts); i++ {
		if got.Parts[i].Digest != want.Parts[i].Digest {
			t.Errorf("part %s: digest %s, want %s", want.Parts[i].Path, got.Parts[i].Digest, want.Parts[i].Digest)
		}
	}
	// Anything but a sha256 digest is ignored and the input is hashed.
	for _, d := range []string{"", "sha512:" + strings.Repeat("ab", 64), "sha256:" + strings.Repeat("AB", sha256.Size), "sha256:abc"} {
		got, err := ParseVerified(b, DefaultLimits(), d)
		if err != nil || got.Digest != want.Digest {
			t.Errorf("ParseVerified(%q): digest %v, %v; want the input hashed (%s)", d, got.Digest, err, want.Digest)
		}
	}
}
