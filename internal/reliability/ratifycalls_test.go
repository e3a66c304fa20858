package reliability_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// ratifyTimeout is Ratify's own verificationRequestTimeout in these
// cases. `ratify verify` does not hold its registry calls to it (a slow
// answer is waited for: see the serve suite for the timeout), and Ratify's
// registry client retries 5xx answers with backoff for about 5s, so the
// bound here is ratifyCallLimit.
const (
	ratifyTimeout   = 3 * time.Second
	ratifyCallLimit = 10 * time.Second
)

// ratifyCall is a fault on a request Ratify itself makes.
type ratifyCall struct {
	name  string
	desc  string
	match func(w *world, p *pluginSetup) faultproxy.Match
	fault faultproxy.Fault
}

func ratifyResolve(w *world, p *pluginSetup) faultproxy.Match {
	return faultproxy.Match{Kind: faultproxy.Manifest, Method: "HEAD", Repo: p.repo, Ref: w.subject.Digest.String(), Client: faultproxy.Ratify}
}

func ratifyList(_ *world, p *pluginSetup) faultproxy.Match {
	return faultproxy.Match{Kind: faultproxy.Referrers, Repo: p.repo, Client: faultproxy.Ratify}
}

var ratifyCalls = []ratifyCall{
	{"resolve/status-503", "HTTP 503 on Ratify's HEAD of the subject", ratifyResolve, faultproxy.Status(503)},
	{"resolve/reset", "connection reset on Ratify's HEAD of the subject", ratifyResolve, faultproxy.Reset()},
	{"referrers/status-503", "HTTP 503 on Ratify's referrers listing", ratifyList, faultproxy.Status(503)},
	{"referrers/reset", "connection reset on Ratify's referrers listing", ratifyList, faultproxy.Reset()},
	{"referrers/truncate", "referrers listing cut in half, connection dropped", ratifyList, faultproxy.Truncate()},
}

// TestRatifyCallFaults faults the calls Ratify makes before any plugin
// runs: the verdict must still be a denial, within Ratify's timeout.
func TestRatifyCallFaults(t *testing.T) {
	t.Parallel()
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		t.Parallel()
		w := newWorld(t, reg, "wasm-cosign")
		p := w.plugin("wasm-cosign")
		for _, c := range ratifyCalls {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				px := faultproxy.Start(t, reg.Host)
				rule := px.Inject(c.match(w, p), c.fault)
				env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{p.withEntry(nil)}, Timeout: ratifyTimeout})
				start := time.Now()
				rep, err := env.TryVerify(w.ref(px.Host, p))
				elapsed := time.Since(start)
				if rule.Hits() == 0 {
					t.Fatalf("the fault never hit:\n%s", px.LogString())
				}
				// Ratify exits 1 on some errors: also a denial.
				msg := ""
				switch {
				case err != nil:
					msg = "ratify verify failed: " + lastLine(err.Error())
				case rep.IsSuccess:
					t.Fatalf("accepted: %s", rep.Raw)
				default:
					msg = ratifyMessage(rep)
				}
				if limit := ratifyCallLimit; elapsed > limit {
					t.Errorf("took %v, more than %v", elapsed, limit)
				}
				if rep != nil && crashed(rep.Stderr) {
					t.Errorf("crash in the logs:\n%s", rep.Stderr)
				}
				t.Logf("denied in %v: %s", elapsed.Round(time.Millisecond), msg)
				recorder.Add(reliability.Outcome{
					Section: "ratify-calls", Case: fmt.Sprintf("ratify-calls/%s/%s", reg.Name, c.name), Registry: reg.Name,
					Input: c.desc, Denied: true, Check: "ratify", Message: msg, Elapsed: elapsed, Deadline: ratifyCallLimit,
				})
			})
		}
	})
}

// ratifyMessage is what a failed report says: the verifier messages, or
// Ratify's error lines when no verifier ran.
func ratifyMessage(rep *ratifytest.Report) string {
	for _, v := range rep.Verifiers {
		if !v.IsSuccess {
			return v.Message
		}
	}
	for _, l := range strings.Split(rep.Stderr, "\n") {
		if strings.Contains(l, "level=error") || strings.Contains(l, "level=warn") {
			return strings.TrimSpace(l)
		}
	}
	return "no verifier report (isSuccess absent): " + strings.TrimSpace(string(rep.Raw))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
