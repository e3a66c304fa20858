//go:build bench

package bench_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/loadgen"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
)

const (
	// Ratify's verificationRequestTimeout for the load test: far above the
	// Gatekeeper timeout, so the latency curve stays visible instead of
	// turning into Ratify timeouts at 2.9 s (its default).
	serveTimeout = 30 * time.Second
	// clientTimeout bounds one request; maxInFlight bounds the load
	// generator's concurrency (arrivals beyond it are dropped).
	clientTimeout = 15 * time.Second
	maxInFlight   = 32
)

// serveConfig is one verifier set given to `ratify serve`.
type serveConfig struct {
	name      string
	verifiers []map[string]any
	baseline  string // config compared with, "" for the baseline itself
	// compiledIn serves with bin/ratify-builtin, the verifiers in process.
	compiledIn bool
}

// benchLoad drives `ratify serve` with Gatekeeper-shaped requests at
// rising rates, with Ratify's cache off and on, for the built-in verifiers
// and for the plugins.
func benchLoad(t *testing.T, w *world) []report.LoadSweep {
	configs := []serveConfig{
		{name: "built-in cosign + notation", verifiers: []map[string]any{w.builtinCosign(), w.builtinNotation()}},
		{name: "wasm-cosign + wasm-notation", verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation()}, baseline: "built-in cosign + notation"},
		{name: "all four ratify-wasm plugins", verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation(), w.wasmSLSA(), w.wasmComposition()}, baseline: "built-in cosign + notation"},
		{name: "wasm-cosign + wasm-notation, compiled in", verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation()}, baseline: "built-in cosign + notation", compiledIn: true},
		{name: "all four, compiled in", verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation(), w.wasmSLSA(), w.wasmComposition()}, baseline: "built-in cosign + notation", compiledIn: true},
	}
	var out []report.LoadSweep
	for _, cache := range []bool{false, true} {
		rates := w.plan.ratesOff
		if cache {
			rates = w.plan.ratesOn
		}
		byName := map[string]*report.LoadSweep{}
		for _, c := range configs {
			sweep := w.sweep(t, c, cache, rates)
			if b := byName[c.baseline]; b != nil {
				sweep.Baseline = c.baseline
				sweep.Ratio = &report.ThroughputCompare{MaxThroughput: bestThroughput(sweep) / bestThroughput(*b)}
				if b.Crossing.LastGood > 0 {
					sweep.Ratio.LastGoodRate = sweep.Crossing.LastGood / b.Crossing.LastGood
				}
			}
			out = append(out, sweep)
			byName[c.name] = &out[len(out)-1]
		}
	}
	return out
}

func bestThroughput(s report.LoadSweep) float64 {
	var best float64
	for _, st := range s.Steps {
		best = max(best, st.Throughput)
	}
	return best
}

// sweep runs one configuration against a fresh `ratify serve`, raising
// the rate until a step fails admission (p99 over 3 s, or failures).
func (w *world) sweep(t *testing.T, c serveConfig, cache bool, rates []float64) report.LoadSweep {
	srv := w.serve(t, c, cache)
	defer srv.Stop()
	n := len(w.images)
	k := w.plan.keysPerRequest
	tg := loadgen.Target{
		URL: srv.URL, MaxInFlight: maxInFlight, Timeout: clientTimeout,
		Client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}},
		Keys: func(i int) []string {
			keys := make([]string, k)
			for j := range keys {
				keys[j] = w.images[(i*k+j)%n].tagRef
			}
			return keys
		},
	}
	sweep := report.LoadSweep{Config: c.name, Cache: cache}
	for _, v := range c.verifiers {
		sweep.Verifiers = append(sweep.Verifiers, v["name"].(string))
	}
	sent := 0
	for _, rate := range rates {
		r := loadgen.Run(context.Background(), tg, loadgen.Step{Rate: rate, Duration: w.plan.step}, sent)
		sent += r.Sent
		sweep.Steps = append(sweep.Steps, r)
		t.Logf("load %s cache=%t %g req/s: %d sent, %.2f passed/s, p50 %.0f ms, p99 %.0f ms, %d failed, %d dropped %s",
			c.name, cache, rate, r.Sent, r.Throughput, r.LatencyMS.Median, r.P99MS, r.Failed, r.Dropped, r.FirstFailure)
		if loadgen.Crossed(r) {
			break
		}
	}
	sweep.Crossing = loadgen.FindCrossing(sweep.Steps)
	if !srv.Alive() {
		t.Fatalf("ratify serve exited during the load test:\n%s", srv.Tail())
	}
	return sweep
}

// serve starts `ratify serve` with c on a free loopback port and waits
// until it answers a ProviderRequest (for an image that does not exist, so
// the cache stays cold).
func (w *world) serve(t *testing.T, c serveConfig, cache bool) *ratifytest.Server {
	env := ratifytest.NewEnv(t, ratifytest.Config{CosignEnabled: true, Verifiers: c.verifiers, Timeout: serveTimeout, Builtin: c.compiledIn})
	opts := ratifytest.ServeOptions{ReadyKeys: []string{w.reg.Host + "/bench/absent:v0"}}
	if cache {
		opts.Args = []string{"--cache-enabled", "--cache-type", "ristretto"}
	}
	s, err := env.Serve(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
