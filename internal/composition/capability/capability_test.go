package capability

import (
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

func TestParsePatternRejects(t *testing.T) {
	for _, s := range []string{
		"", "wasi:", "a/b:c", "wasi:/x", ":http/types", "wasi:http/", "wasi:Http/types", "wasi:http/types@x.y",
		"wasi:http/*/types", "wasi:*/types", "wasi:http/ty*", "prim*ary", "name@1.0.0", "a/b",
		"wasi:http/types@=", "wasi:http/types@01.0.0",
		// can never match a valid name: namespaces and packages are
		// lowercase words, plain names kebab-case labels
		"WASI:HTTP/*", "WASI:*", "wasi:HTTP", "Primary", "log_file", "a--b", "[method]r",
	} {
		if _, err := ParsePattern(s); err == nil {
			t.Errorf("ParsePattern(%q) accepted", s)
		}
	}
}

func TestPatternMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		iface   string // interface of the extern; "" for plain names
		name    string
		want    bool
	}{
		{"*", "wasi:http/types@0.2.0", "", true},
		{"*", "", "log", true},
		{"wasi:*", "wasi:http/types@0.2.0", "", true},
		{"wasi:*", "ratify:example/answer@0.1.0", "", false},
		{"wasi:sockets", "wasi:sockets/tcp@0.2.0", "", true},
		{"wasi:sockets/*", "wasi:sockets/tcp@0.2.0", "", true},
		{"wasi:sockets/*", "wasi:socketsx/tcp@0.2.0", "", false},
		{"wasi:sockets/*", "wasi:filesystem/preopens@0.2.0", "", false},
		{"wasi:sockets/tcp", "wasi:sockets/tcp", "", true},
		{"wasi:sockets/tcp", "wasi:sockets/tcp-create-socket@0.2.0", "", false},
		{"wasi:sockets/tcp", "wasi:sockets/tcp/nested@0.2.0", "", false},
		{"a:b/c/*", "a:b/c/d", "", true},
		{"a:b/c/*", "a:b/c", "", true},
		{"x:y:z/*", "x:y:z/w@1.0.0", "", true},
		{"x:y:z/*", "y:z/w@1.0.0", "", false},
		// version-aware: compatibility keys (0.2.x, 1.x), prereleases, exact
		{"wasi:http/types@0.2.0", "wasi:http/types@0.2.12", "", true},
		{"wasi:http/types@0.2", "wasi:http/types@0.2.6", "", true},
		{"wasi:http/types@0.2.0", "wasi:http/types@0.3.0", "", false},
		{"wasi:http/*@0.2.0", "wasi:http/types@0.3.0-rc-2026-03-15", "", false},
		{"wasi:http/*@0.3.0-rc-2026-03-15", "wasi:http/types@0.3.0-rc-2026-03-15", "", true},
		{"wasi:http/*@0.3.0-rc-2026-03-15", "wasi:http/types@0.3.0", "", false},
		{"x:y/z@1.4.0", "x:y/z@1.0.1", "", true},
		{"x:y/z@1", "x:y/z@1.9.0", "", true},
		{"x:y/z@1.4.0", "x:y/z@2.0.0", "", false},
		{"wasi:http/types@=0.2.6", "wasi:http/types@0.2.6", "", true},
		{"wasi:http/types@=0.2.6", "wasi:http/types@0.2.12", "", false},
		{"wasi:http/types@0.2.0", "wasi:http/types", "", false},
		// plain names
		{"log", "", "log", true},
		{"log", "", "logger", false},
		{"wasi:*", "", "log", false},
	} {
		p, err := ParsePattern(tc.pattern)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %v", tc.pattern, err)
		}
		name := tc.name
		if tc.iface != "" {
			name = tc.iface
		}
		got := allows(p, Extern{Name: name})
		if got != tc.want {
			t.Errorf("%q vs interface %q name %q: got %v, want %v", tc.pattern, tc.iface, tc.name, got, tc.want)
		}
	}
}

func policy(t *testing.T, r Rules) *Policy {
	t.Helper()
	p, err := NewPolicy(r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	stdout  = Extern{Name: "wasi:cli/stdout@0.2.0", Kind: "instance"}
	tcp     = Extern{Name: "wasi:sockets/tcp@0.2.0", Kind: "instance"}
	primary = Extern{Name: "primary", Kind: "instance", Implements: "wasi:keyvalue/store@0.2.0"}
	logFunc = Extern{Name: "log", Kind: "func"}
	helper  = Extern{Name: "helper-module", Kind: "core-module", HostCode: true}
	runExp  = Extern{Name: "wasi:cli/run@0.2.12", Kind: "instance"}

	// Names that sidestep a rule unless names are validated and every
	// identity is judged.
	tcpImplementsStdout = Extern{Name: "wasi:sockets/tcp@0.2.0", Kind: "instance", Implements: "wasi:cli/stdout@0.2.0"}
	tcpSplitVersion     = Extern{Name: "wasi:sockets/tcp@0.2", Kind: "instance", VersionSuffix: ".0!"}
	badImplements       = Extern{Name: "primary", Kind: "instance", Implements: "wasi:sockets/tcp@0.2.0 "}
	tcpUpper            = Extern{Name: "wasi:sockets/TCP@0.2.0", Kind: "instance"}
	tcpUnversioned      = Extern{Name: "wasi:sockets/tcp", Kind: "instance"}
	hostInstance        = Extern{Name: "wasi:cli/stdout@0.2.0", Kind: "instance", HostCode: true}
	greetExp            = Extern{Name: "greet", Kind: "func"}
)

func denied(r Result) string {
	var s []string
	for _, d := range r.Denied {
		s = append(s, d.Name)
	}
	return strings.Join(s, ",")
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rules   Rules
		imports []Extern
		denied  string
		reason  string
	}{
		{"no rules: interfaces allowed", Rules{}, []Extern{stdout, tcp, primary}, "", ""},
		{"no rules: plain name denied", Rules{}, []Extern{stdout, logFunc}, "log", "plain-name func import with no interface"},
		{"no rules: host code denied", Rules{}, []Extern{helper}, "helper-module", "imports a core-module: code supplied by the host"},
		{"deny sockets", Rules{DenyImports: []string{"wasi:sockets/*"}}, []Extern{stdout, tcp}, "wasi:sockets/tcp@0.2.0", `matches denyImports pattern "wasi:sockets/*"`},
		{"deny wins over allow", Rules{AllowImports: []string{"wasi:*"}, DenyImports: []string{"wasi:sockets"}}, []Extern{stdout, tcp}, "wasi:sockets/tcp@0.2.0", "denyImports"},
		{"allow list", Rules{AllowImports: []string{"wasi:cli/*@0.2.0"}}, []Extern{stdout, tcp}, "wasi:sockets/tcp@0.2.0", "matches no allowImports pattern"},
		{"allow list version", Rules{AllowImports: []string{"wasi:cli/*@0.3.0"}}, []Extern{stdout}, "wasi:cli/stdout@0.2.0", "matches no allowImports pattern"},
		{"implements judged as its interface: denied", Rules{DenyImports: []string{"wasi:keyvalue/*"}}, []Extern{primary}, "primary", "denyImports"},
		{"implements judged as its interface: not allowed", Rules{AllowImports: []string{"wasi:cli/*"}}, []Extern{primary}, "primary", "matches no allowImports pattern"},
		{"implements: plain name does not allow the interface", Rules{AllowImports: []string{"primary"}}, []Extern{primary}, "primary", "matches no allowImports pattern"},
		{"implements: allowed by interface", Rules{AllowImports: []string{"wasi:keyvalue/store@0.2.1"}}, []Extern{primary}, "", ""},
		{"deny by plain name", Rules{DenyImports: []string{"primary"}}, []Extern{primary}, "primary", "denyImports"},
		{"plain name allowed by name", Rules{AllowImports: []string{"log"}}, []Extern{logFunc}, "", ""},
		{"allow * does not cover host code", Rules{AllowImports: []string{"*"}}, []Extern{helper, logFunc}, "helper-module", "allowHostCodeImports"},
		{"host code allowed", Rules{AllowHostCodeImports: []string{"helper-module"}}, []Extern{helper}, "", ""},
		{"host code allowed but denied", Rules{AllowHostCodeImports: []string{"*"}, DenyImports: []string{"helper-module"}}, []Extern{helper}, "helper-module", "denyImports"},
		{"instance carrying code is host code", Rules{AllowImports: []string{"wasi:cli/*"}}, []Extern{hostInstance}, "wasi:cli/stdout@0.2.0", "instance whose type exports a core module or component"},
		{"instance carrying code allowed", Rules{AllowHostCodeImports: []string{"wasi:cli/stdout"}}, []Extern{hostInstance}, "", ""},
		{"interface name implementing an allowed interface", Rules{DenyImports: []string{"wasi:sockets/*"}}, []Extern{tcpImplementsStdout}, "wasi:sockets/tcp@0.2.0", "not a valid component-model name"},
		{"version suffix split", Rules{DenyImports: []string{"wasi:sockets/*"}}, []Extern{tcpSplitVersion}, "wasi:sockets/tcp@0.2", "not a valid component-model name"},
		{"unparseable implements", Rules{DenyImports: []string{"wasi:sockets/*"}}, []Extern{badImplements}, "primary", "not a valid component-model name"},
		{"invalid names denied without rules", Rules{}, []Extern{tcpImplementsStdout, badImplements}, "wasi:sockets/tcp@0.2.0,primary", "not a valid"},
		{"deny ignores case", Rules{DenyImports: []string{"wasi:sockets/tcp"}}, []Extern{tcpUpper}, "wasi:sockets/TCP@0.2.0", "denyImports"},
		{"allow does not ignore case", Rules{AllowImports: []string{"wasi:sockets/tcp"}}, []Extern{tcpUpper}, "wasi:sockets/TCP@0.2.0", "matches no allowImports"},
		{"versioned deny matches an unversioned name", Rules{DenyImports: []string{"wasi:sockets/tcp@0.2.0"}}, []Extern{tcpUnversioned}, "wasi:sockets/tcp", "denyImports"},
		{"version suffix folded in", Rules{DenyImports: []string{"wasi:sockets/*@=0.2.1"}}, []Extern{{Name: "wasi:sockets/tcp@0.2", Kind: "instance", VersionSuffix: ".1"}}, "wasi:sockets/tcp@0.2", "denyImports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := policy(t, tc.rules).Evaluate(tc.imports, nil)
			if got := denied(r); got != tc.denied {
				t.Fatalf("denied %q, want %q (%+v)", got, tc.denied, r.Denied)
			}
			if tc.reason != "" && !strings.Contains(r.Denied[0].Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", r.Denied[0].Reason, tc.reason)
			}
		})
	}
}

func TestRequireExports(t *testing.T) {
	p := policy(t, Rules{RequireExports: []string{"wasi:cli/run@0.2", "greet", "wasi:http/incoming-handler"}})
	r := p.Evaluate(nil, []Extern{runExp, greetExp, {Name: "wasi:http/incoming-handler@0.2.0", Kind: "func", Implements: "x:y/z"}})
	if strings.Join(r.MissingExports, ",") != "wasi:http/incoming-handler" {
		t.Fatalf("missing exports %v", r.MissingExports)
	}
	if r := policy(t, Rules{}).Evaluate(nil, nil); len(r.MissingExports) != 0 || r.Denied == nil || r.MissingExports == nil {
		t.Fatalf("empty policy: %+v (lists must be empty, not nil, for JSON)", r)
	}
}

func TestNewPolicyNamesTheBadRule(t *testing.T) {
	_, err := NewPolicy(Rules{AllowImports: []string{"wasi:cli/*"}, DenyImports: []string{"wasi:sockets/*", "wasi:sockets/ tcp"}})
	re, ok := err.(*failure.ConfigError)
	if !ok || re.Key != "denyImports[1]" {
		t.Fatalf("want a configuration error for denyImports[1], got %v", err)
	}
	if (&Policy{}).HasRules() || !policy(t, Rules{RequireExports: []string{"greet"}}).HasRules() {
		t.Error("HasRules")
	}
	if !policy(t, Rules{AllowImports: []string{"wasi:cli/*"}, DenyImports: []string{"wasi:sockets/*"}}).HasRules() {
		t.Error("HasRules with one allow and one deny rule")
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"*", "wasi:*", "wasi:http/*@0.2", "a:b:c/d/e@=1.0.0-rc.1", "x:/", ":", "@", "a/b:c", "log"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			return
		}
		// A parsed pattern matches without panicking.
		allows(p, Extern{Name: s, Implements: "wasi:http/types@0.2.0"})
		deniedBy([]Pattern{p}, Extern{Name: s})
	})
}

// TestEveryIdentityJudged: an extern claiming two interfaces (a name that
// is one and an implements value; invalid, so Evaluate denies it earlier)
// is denied when either matches a deny rule and allowed only when both are
// allowed.
func TestEveryIdentityJudged(t *testing.T) {
	pats := func(ss ...string) []Pattern {
		var out []Pattern
		for _, s := range ss {
			p, err := ParsePattern(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		return out
	}
	if deniedBy(pats("wasi:sockets/*"), tcpImplementsStdout) == nil {
		t.Error("deny rule on the name not applied")
	}
	if deniedBy(pats("wasi:cli/*"), tcpImplementsStdout) == nil {
		t.Error("deny rule on the implements interface not applied")
	}
	if allowedBy(pats("wasi:cli/*"), tcpImplementsStdout) || allowedBy(pats("wasi:sockets/*"), tcpImplementsStdout) {
		t.Error("allowed with only one of its interfaces allowed")
	}
	if !allowedBy(pats("wasi:cli/*", "wasi:sockets/*"), tcpImplementsStdout) {
		t.Error("not allowed with both interfaces allowed")
	}
	if allows(pats("wasi:cli/*")[0], tcpImplementsStdout) || !allows(pats("wasi:*")[0], tcpImplementsStdout) {
		t.Error("allows")
	}
}
