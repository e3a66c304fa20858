package wasm

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseInterfaceName(t *testing.T) {
	good := []struct {
		in   string
		want InterfaceName
	}{
		{"wasi:http/types@0.2.6", InterfaceName{"wasi", "http", []string{"types"}, "0.2.6"}},
		{"wasi:cli/run", InterfaceName{"wasi", "cli", []string{"run"}, ""}},
		{"wasi:http/types@0.2", InterfaceName{"wasi", "http", []string{"types"}, "0.2"}},
		{"wasi:http/types@1", InterfaceName{"wasi", "http", []string{"types"}, "1"}},
		{"my-ns:my-pkg/my-iface@1.0.0-rc.1+build.5", InterfaceName{"my-ns", "my-pkg", []string{"my-iface"}, "1.0.0-rc.1+build.5"}},
		{"wasi:http/types@0.3.0-rc-2026-03-15", InterfaceName{"wasi", "http", []string{"types"}, "0.3.0-rc-2026-03-15"}},
		{"a:b:c/d/e@1.2.3", InterfaceName{"a:b", "c", []string{"d", "e"}, "1.2.3"}}, // nested namespaces and projections
		{"a:b/c/d", InterfaceName{"a", "b", []string{"c", "d"}, ""}},
		{"abc:x1/HTTP-v2", InterfaceName{"abc", "x1", []string{"HTTP-v2"}, ""}},
	}
	for _, c := range good {
		got, ok := ParseInterfaceName(c.in)
		if !ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseInterfaceName(%q) = %+v, %v; want %+v", c.in, got, ok, c.want)
			continue
		}
		if got.String() != c.in {
			t.Errorf("String() = %q, want %q", got.String(), c.in)
		}
	}
	if got, _ := ParseInterfaceName("wasi:http/types@0.2.6"); got.Unversioned() != "wasi:http/types" {
		t.Errorf("Unversioned() = %q", got.Unversioned())
	}
	bad := []string{
		"", "run", "[method]r.m", "[constructor]r", "wasi:http", "wasi:http@0.2.0", "wasi/http",
		"wasi:http/", "wasi:http/types@", "wasi:http/types@0.2.6.1", "wasi:http/types@01.0.0",
		"wasi:http/types@0.0", "wasi:http/types@0", "wasi:http/types@1.0.0-01", "wasi:http/types@1.0.0-",
		"wasi:http/types@1.0.0+", "Wasi:http/types", "wasi:Http-x/types", "wasi:http/-types",
		"wasi:http/types-", "wasi:http/ty--pes", "1wasi:http/types", "wasi:http/types@1@2",
		":http/types", "wasi::http/types", "wasi:http//types", "wasi:http/typ es",
		"unlocked-dep=<a:b@{>=1.0.0}>", "wasi:http/types@0.2.6/x",
		// namespaces and packages are lowercase words
		"WASI:HTTP/types", "WASI:http/types", "wasi:HTTP/types", "a:B:c/d",
	}
	for _, s := range bad {
		if got, ok := ParseInterfaceName(s); ok {
			t.Errorf("ParseInterfaceName(%q) = %+v, want !ok", s, got)
		}
	}
}

func TestSemverCompatKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1.2.3", "1"},
		{"1.0.0", "1"},
		{"12.0.4", "12"},
		{"0.2.6", "0.2"},
		{"0.2.0", "0.2"},
		{"0.0.1", "0.0.1"},
		{"0.0.0", "0.0.0"},
		{"1.2.3+build.7", "1"},
		{"0.3.0-rc-2026-03-15", "0.3.0-rc-2026-03-15"},
		{"1.2.3-alpha.1+sha.5", "1.2.3-alpha.1"},
		{"1", "1"},
		{"0.2", "0.2"},
	}
	for _, c := range cases {
		got, ok := SemverCompatKey(c.in)
		if !ok || got != c.want {
			t.Errorf("SemverCompatKey(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	// Compatibility: same key ⇔ compatible.
	same := func(a, b string) bool {
		ka, _ := SemverCompatKey(a)
		kb, _ := SemverCompatKey(b)
		return ka == kb
	}
	if !same("0.2.6", "0.2.12") || same("0.2.6", "0.3.0") || !same("1.0.0", "1.9.9") || same("0.0.1", "0.0.2") {
		t.Error("compatibility classes")
	}
	if same("0.3.0-rc.1", "0.3.0") || same("0.3.0-rc.1", "0.3.0-rc.2") || !same("0.3.0-rc.1", "0.3.0-rc.1+b") {
		t.Error("prereleases must only match themselves")
	}
	for _, bad := range []string{"", "0", "01", "1.2", "1.2.3.4", "v1.2.3", "1.2.x", "1.2.3-", "1.2.3-a..b", "1.2.3-01", "0.00", "-1.0.0"} {
		if got, ok := SemverCompatKey(bad); ok {
			t.Errorf("SemverCompatKey(%q) = %q, want !ok", bad, got)
		}
	}
}

func TestExternNameProblem(t *testing.T) {
	for _, c := range []struct {
		name, impl, suffix, kind string
		want                     string // "" valid, else a substring of the problem
	}{
		{"wasi:http/types@0.2.6", "", "", "instance", ""},
		{"run", "", "", "func", ""},
		{"[method]r.m", "", "", "func", ""},
		{"[static]r.m", "", "", "func", ""},
		{"[constructor]r", "", "", "func", ""},
		{"[async]go", "", "", "func", ""},
		{"HTTP", "", "", "func", ""},
		{"primary", "wasi:keyvalue/store@0.2.0", "", "instance", ""},
		{"wasi:http/types@0.2", "", ".6", "instance", ""},
		{"wasi:http/types@1", "", ".2.3-rc.1+b", "instance", ""},
		{"a:b/c@0.0.1", "", "-alpha", "instance", ""},

		{"", "", "", "func", "neither"},
		{"Primary", "", "", "func", "neither"},
		{"run\nfake", "", "", "func", "neither"},
		{"WASI:SOCKETS/tcp@0.2.0", "", "", "instance", "neither"},
		{"unlocked-dep=<a:b@{>=1.0.0}>", "", "", "component", "neither"},
		{"[method]r", "", "", "func", "neither"},
		{"wasi:http/types@0.2.6.1", "", "", "instance", "neither"},
		// implements only on plain labels of instances, naming an interface
		{"wasi:sockets/tcp@0.2.0", "wasi:cli/stdout@0.2.0", "", "instance", "plain label"},
		{"[method]r.m", "wasi:cli/stdout@0.2.0", "", "instance", "plain label"},
		{"primary", "wasi:cli/stdout@0.2.0", "", "func", "only allowed on an instance"},
		{"primary", "wasi:cli", "", "instance", "not an interface name"},
		{"primary", "wasi:sockets/tcp@0.2.0 ", "", "instance", "not an interface name"},
		// versionsuffix only completes a canonical version
		{"wasi:sockets/tcp@0.2", "", ".0!", "instance", "canonical"},
		{"wasi:sockets/tcp@0.2", "", "0", "instance", "canonical"},
		{"wasi:sockets/tcp@0.2", "", ".0.1", "instance", "canonical"},
		{"wasi:sockets/tcp@0.2.0", "", ".1", "instance", "canonical"},
		{"wasi:sockets/tcp@1", "", "-rc", "instance", "canonical"},
		{"wasi:sockets/tcp", "", ".0", "instance", "versioned interface"},
		{"primary", "", ".0", "instance", "versioned interface"},
	} {
		got := ExternNameProblem(c.name, c.impl, c.suffix, c.kind)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("ExternNameProblem(%q, %q, %q, %s) = %q, want %q", c.name, c.impl, c.suffix, c.kind, got, c.want)
		}
	}
}
