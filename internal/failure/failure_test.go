package failure

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// The causes of failures and configuration errors stay reachable: a caller
// can ask whether a failure came from, say, a truncated read.
func TestErrorsUnwrap(t *testing.T) {
	err := fmt.Errorf("layer 0: %w", New(Referrer, "blob %s: %w", "sha256:x", io.ErrUnexpectedEOF))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("errors.Is does not see the cause through %v", err)
	}
	if c, ok := CheckOf(err); !ok || c != Referrer {
		t.Fatalf("CheckOf = %q, %t", c, ok)
	}
	if got, want := New(Referrer, "blob %s", "x").Error(), "referrer: blob x"; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	ce := fmt.Errorf("trustPolicies: %w", &ConfigError{Key: "k", Reason: "is bad", Err: io.EOF})
	var target *ConfigError
	if !errors.As(ce, &target) || target.Key != "k" || !errors.Is(ce, io.EOF) {
		t.Fatalf("ConfigError not found or not unwrapped in %v", ce)
	}
	if _, ok := CheckOf(errors.New("plain")); ok {
		t.Fatal("a plain error names no check")
	}
}

// Every check a plugin reports belongs to at least one plugin, and every
// alias points at a check of the plugins it names.
func TestChecksAndAliases(t *testing.T) {
	plugins := map[string]bool{Cosign: true, Notation: true, SLSA: true, Composition: true}
	for c, ps := range Checks {
		if len(ps) == 0 {
			t.Errorf("%s: no plugin reports it", c)
		}
		for _, p := range ps {
			if !plugins[p] {
				t.Errorf("%s: unknown plugin %q", c, p)
			}
		}
	}
	for _, a := range Aliases {
		if _, ok := Checks[Check(a.Old)]; ok {
			t.Errorf("alias %q is also a check", a.Old)
		}
		for _, p := range a.Plugins {
			if AliasOf(p, a.Check) != a.Old {
				t.Errorf("AliasOf(%s, %s) != %s", p, a.Check, a.Old)
			}
		}
	}
	if AliasOf(Notation, TrustPolicy) != "" {
		t.Error("wasm-notation always said trustPolicy; it has no alias")
	}
}

// OneOf accepts exactly the allowed values and otherwise names the key, the
// value and every allowed value, in order.
func TestOneOf(t *testing.T) {
	if err := OneOf("layers", "all", "any", "all"); err != nil {
		t.Fatalf("an allowed value: %v", err)
	}
	for _, c := range []struct {
		value   string
		allowed []string
		want    string
	}{
		{"", []string{"skip"}, `invalid configuration: key "k" is ""; expected "skip"`},
		{"Skip", []string{"fail", "skip"}, `invalid configuration: key "k" is "Skip"; expected "fail" or "skip"`},
		{"layer", []string{"either", "manifest", "wasmLayer"}, `invalid configuration: key "k" is "layer"; expected "either", "manifest" or "wasmLayer"`},
	} {
		err := OneOf("k", c.value, c.allowed...)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "k" || err.Error() != c.want {
			t.Errorf("OneOf(k, %q, %q) = %v, want %s", c.value, c.allowed, err, c.want)
		}
	}
}
