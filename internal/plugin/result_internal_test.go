package plugin

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

// resultOf is the one place an error becomes a result; a skip counts only
// when returned as is, so a failure that quotes a skip stays a failure.
func TestResultOf(t *testing.T) {
	skip := &failure.Skip{Reason: "not-wasm", Msg: "subject x is not a WASM artifact"}
	cases := []struct {
		name    string
		err     error
		success bool
		check   string
		prefix  string
	}{
		{"pass", nil, true, "", "ok"},
		{"skip", skip, true, "", "skipped: subject x"},
		{"wrapped skip", fmt.Errorf("while loading: %w", skip), false, "internal", "internal: while loading: skipped: "},
		{"skip inside a failure", failure.New(failure.Subject, "%w", skip), false, "subject", "subject: skipped: "},
		{"failure", failure.New(failure.Signature, "bad"), false, "signature", "signature: bad"},
		{"wrapped failure", fmt.Errorf("layer 0: %w", failure.New(failure.Tlog, "no entry")), false, "tlog", "tlog: layer 0: tlog: no entry"},
		{"config error", &failure.ConfigError{Key: "k", Reason: "is bad"}, false, "config", `config: invalid configuration: key "k" is bad`},
		{"plain error", errors.New("boom"), false, "internal", "internal: boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := resultOf("wasm-test", Report{Message: "ok", Extensions: map[string]any{"k": "v"}}, c.err)
			if r.IsSuccess != c.success || r.Extensions["k"] != "v" {
				t.Fatalf("got %+v", r)
			}
			if got, _ := r.Extensions[ExtFailedCheck].(string); got != c.check {
				t.Fatalf("failedCheck %q, want %q (%s)", got, c.check, r.Message)
			}
			if len(r.Message) < len(c.prefix) || r.Message[:len(c.prefix)] != c.prefix {
				t.Fatalf("message %q, want prefix %q", r.Message, c.prefix)
			}
		})
	}
	r := resultOf(failure.Cosign, Report{}, failure.New(failure.TrustPolicy, "no scope"))
	if r.Extensions[ExtFailedCheckAlias] != "policy" || r.Extensions[ExtFailedCheck] != "trustPolicy" {
		t.Fatalf("wasm-cosign's trustPolicy must carry its old name: %v", r.Extensions)
	}
	if r := resultOf(failure.Notation, Report{}, failure.New(failure.TrustPolicy, "no scope")); r.Extensions[ExtFailedCheckAlias] != nil {
		t.Fatalf("wasm-notation never used another name: %v", r.Extensions)
	}
}
