//go:build bench

package bench_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/execstat"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/inittrace"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
)

// startupTargetMS is issue 9's start-up target per exec.
const startupTargetMS = 20

// benchStartup times exec→result of each plugin on a trivial input: the
// real protocol (environment, stdin with the oras store configuration),
// with an unknown configuration key, so the plugin starts, runs skel,
// rebuilds the store, decodes its configuration and answers, with no
// network. The probes under bench/cmd split the cost: a dependency-free
// Go program (the exec floor), skel alone, and the plugins' libraries
// without Ratify's packages.
func benchStartup(t *testing.T, w *world) (report.Series, []report.Startup) {
	type target struct{ name, label, bin string }
	targets := []target{{"noop-plugin", "exec floor: bench/cmd/noop-plugin (Go, no dependencies)", w.probes["noop-plugin"]}}
	for _, p := range []string{"wasm-cosign", "wasm-notation", "wasm-slsa", "wasm-composition"} {
		targets = append(targets, target{p, p, w.plugin(p)})
	}
	targets = append(targets,
		target{"skel-probe", "probe: Ratify skel + oras store, no work (bench/cmd/skel-probe)", w.probes["skel-probe"]},
		target{"lean-probe", "probe: plugin libraries without Ratify packages (bench/cmd/lean-probe)", w.probes["lean-probe"]})

	referrer := w.images[0].sig
	run := func(tg target, env ...string) execstat.Run {
		r := runPluginBinary(t, w, tg.bin, w.images[0].tagRef, referrer, map[string]any{"name": tg.name, "benchUnknownKey": true}, env...)
		if r.IsSuccess || !strings.HasPrefix(r.Message, "config: ") {
			t.Fatalf("%s: want a configuration failure, got %q", tg.name, r.Message)
		}
		return r.Run
	}
	rss := map[string]int64{}
	fns := make([]func() (d float64), len(targets))
	samples := make([][]float64, len(targets))
	for i, tg := range targets {
		run(tg) // warm the page cache
		fns[i] = func() float64 {
			r := run(tg)
			rss[tg.name] = max(rss[tg.name], r.MaxRSS)
			return ms(r.Wall)
		}
	}
	for r := range w.plan.reps {
		for i := range targets {
			j := (i + r) % len(targets)
			samples[j] = append(samples[j], fns[j]())
		}
	}
	floor := report.NewSeries(targets[0].label, samples[0])
	var out []report.Startup
	for i, tg := range targets[1:] {
		i++
		fi, err := os.Stat(tg.bin)
		if err != nil {
			t.Fatal(err)
		}
		trace := run(tg, "GODEBUG=inittrace=1")
		inits := inittrace.Parse(trace.Stderr)
		groups := inittrace.ByRoot(inits)
		if len(groups) > 8 {
			groups = groups[:8]
		}
		s := report.NewSeries(tg.label, samples[i])
		out = append(out, report.Startup{
			Plugin: tg.label, BinaryBytes: fi.Size(), Exec: s, Ratio: stats.Compare(samples[i], samples[0]),
			TargetMS: startupTargetMS, Met: s.Summary.Median < startupTargetMS, MaxRSS: rss[tg.name],
			InitMS: inittrace.Total(inits), TopInits: groups,
		})
		t.Logf("%s: %.1f ms (floor %.1f ms), init %.1f ms, %d bytes", tg.name, s.Summary.Median, floor.Summary.Median, inittrace.Total(inits), fi.Size())
	}
	return floor, out
}
