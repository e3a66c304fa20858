//go:build bench

package bench_test

import (
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
)

// maxPluginOverBuiltin is the target for an external plugin inside
// Ratify against the built-in verifier on the same signature.
const maxPluginOverBuiltin = 1.2

// maxCompiledInOverBuiltin is the target for the same verifier compiled
// into Ratify (bin/ratify-builtin) against Ratify's own built-in.
const maxCompiledInOverBuiltin = 1.0

// benchRatify times `ratify verify` (exec to exit) of one signed WASM
// artifact with only a ratify-wasm plugin configured against only Ratify's
// built-in verifier for the same signature, interleaved.
func benchRatify(t *testing.T, w *world) []report.Comparison {
	im := w.images[0]
	pair := func(name string, cosignEnabled, compiledIn bool, ours, builtin map[string]any) report.Comparison {
		oursEnv := ratifytest.NewEnv(t, ratifytest.Config{CosignEnabled: cosignEnabled, Verifiers: []map[string]any{ours}, Builtin: compiledIn})
		builtinEnv := ratifytest.NewEnv(t, ratifytest.Config{CosignEnabled: cosignEnabled, Verifiers: []map[string]any{builtin}})
		// Untimed first runs: check both verify, and warm the page cache.
		mustVerify(t, oursEnv, im.tagRef, ours["name"].(string))
		mustVerify(t, builtinEnv, im.tagRef, builtin["name"].(string))
		timed := func(env *ratifytest.Env, verifier string) func() time.Duration {
			return func() time.Duration {
				start := time.Now()
				mustVerify(t, env, im.tagRef, verifier)
				return time.Since(start)
			}
		}
		s := interleave(w.plan.reps, timed(oursEnv, ours["name"].(string)), timed(builtinEnv, builtin["name"].(string)))
		ratify, target := "ratify verify + ", maxPluginOverBuiltin
		if compiledIn {
			ratify, target = "ratify-builtin verify + ", maxCompiledInOverBuiltin
		}
		c := report.NewComparison(report.SectionRatify, name,
			report.NewSeries(ratify+ours["name"].(string), s[0]),
			report.NewSeries("ratify verify + built-in "+builtin["name"].(string), s[1]), target)
		t.Logf("%s: %.2fx (%.1f ms vs %.1f ms)", name, c.Ratio.OfMedians, c.Subject.Summary.Median, c.Baseline.Summary.Median)
		return c
	}
	const cosignSig, notationSig = "cosign v2.6.5 key signature (.sig tag)", "notation v1.3.2 JWS signature"
	return []report.Comparison{
		pair(cosignSig, true, false, w.wasmCosign(), w.builtinCosign()),
		pair(notationSig, false, false, w.wasmNotation(), w.builtinNotation()),
		pair(cosignSig+", compiled in", true, true, w.wasmCosign(), w.builtinCosign()),
		pair(notationSig+", compiled in", false, true, w.wasmNotation(), w.builtinNotation()),
	}
}
