package list

import "testing"

// An extern is described by what a reviewer needs to tell two apart: the
// interface it implements when that is not its name, host-supplied code,
// and its external id.
func TestExternText(t *testing.T) {
	for _, tc := range []struct {
		e    Extern
		want string
	}{
		{Extern{Name: "wasi:http/handler@0.2.0", Kind: "instance", Interface: "wasi:http/handler@0.2.0"}, "instance"},
		{Extern{Name: "[implements=<wasi:keyvalue/store>]cache", Kind: "instance", Interface: "wasi:keyvalue/store"}, "instance implementing wasi:keyvalue/store"},
		{Extern{Name: "plain", Kind: "func"}, "func"},
		{Extern{Name: "plugin", Kind: "instance", HostCode: true}, "instance (host-supplied code)"},
		{Extern{Name: "dep", Kind: "component", ExternalID: "sha256:00"}, `component external-id "sha256:00"`},
	} {
		if got := externText(&tc.e); got != tc.want {
			t.Errorf("externText(%+v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}
