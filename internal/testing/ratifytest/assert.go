package ratifytest

import (
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// WantPass fails the test unless r is a verified success (not a skip).
func WantPass(t testing.TB, r Result) {
	t.Helper()
	if !r.IsSuccess {
		t.Fatalf("want success, got failure: %s\nextensions: %v\nstderr: %s", r.Message, r.Extensions, r.Stderr)
	}
	if _, skipped := r.Extensions[plugin.ExtSkipped]; skipped {
		t.Fatalf("want a verified success, got a skip: %s", r.Message)
	}
}

// WantFail fails the test unless r is a failure of check whose one-line
// message reads "check: …" and contains every part.
func WantFail(t testing.TB, r Result, check failure.Check, parts ...string) {
	t.Helper()
	if r.IsSuccess {
		t.Fatalf("want failure (%s), got success: %s\nextensions: %v", check, r.Message, r.Extensions)
	}
	if got := r.Extensions[plugin.ExtFailedCheck]; got != string(check) {
		t.Fatalf("want failedCheck %q, got %v: %s", check, got, r.Message)
	}
	if !strings.HasPrefix(r.Message, string(check)+": ") {
		t.Fatalf("message does not start with %q: %s", string(check)+": ", r.Message)
	}
	for _, p := range parts {
		if !strings.Contains(r.Message, p) {
			t.Fatalf("message lacks %q: %s", p, r.Message)
		}
	}
}
