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

// maxStartupOverFloor is the start-up target: exec→result on a trivial
// input within this many times the exec floor of an empty Go binary
// measured in the same rounds.
const maxStartupOverFloor = 3

// maxTraces bounds the GODEBUG=inittrace=1 runs merged per binary.
const maxTraces = 5

// benchStartup times exec→result of each plugin on a trivial input: the
// real protocol (environment, stdin with the oras store configuration)
// with an unknown configuration key, so the plugin starts, speaks the
// protocol, decodes the store entry and its configuration and answers,
// with no network. The probes under bench/cmd, timed in the same rounds, show
// where that time goes: the exec floor, the protocol layer (skel) alone,
// and each library the plugins link.
func benchStartup(t *testing.T, w *world) (report.Series, []report.Startup, []report.Probe) {
	type target struct{ name, links, bin string }
	var targets []target
	for _, p := range importProbes {
		n := probeName(p.tag)
		targets = append(targets, target{n, p.links, w.probes[n]})
	}
	targets = append(targets, target{"skel-probe", "Ratify v1.4.6 skel + oras store, a verify that does nothing (the protocol layer internal/plugin uses)", w.probes["skel-probe"]})
	plugins := []string{"wasm-cosign", "wasm-notation", "wasm-slsa", "wasm-composition"}
	for _, p := range plugins {
		targets = append(targets, target{p, "", w.plugin(p)})
	}

	run := func(tg target, env ...string) execstat.Run {
		r := runPluginBinary(t, w, tg.bin, w.images[0].tagRef, w.images[0].sig, map[string]any{"name": tg.name, "benchUnknownKey": true}, env...)
		if r.IsSuccess || !strings.HasPrefix(r.Message, "config: ") {
			t.Fatalf("%s: want a configuration failure, got %q", tg.name, r.Message)
		}
		return r.Run
	}
	rss := map[string]int64{}
	samples := make([][]float64, len(targets))
	for _, tg := range targets {
		run(tg) // warm the page cache
	}
	for r := range w.plan.reps {
		for i := range targets {
			j := (i + r) % len(targets)
			res := run(targets[j])
			rss[targets[j].name] = max(rss[targets[j].name], res.MaxRSS)
			samples[j] = append(samples[j], ms(res.Wall))
		}
	}
	floor := report.NewSeries("exec floor (bench/cmd/import-probe, no tags)", samples[0])
	var probes []report.Probe
	var out []report.Startup
	for i, tg := range targets {
		fi, err := os.Stat(tg.bin)
		if err != nil {
			t.Fatal(err)
		}
		s := report.NewSeries(tg.name, samples[i])
		if tg.links != "" {
			probes = append(probes, report.Probe{Name: tg.name, Links: tg.links, BinaryBytes: fi.Size(), Exec: s, OverFloorMS: s.Summary.Median - floor.Summary.Median})
			continue
		}
		var traces [][]inittrace.Init
		for range min(w.plan.reps, maxTraces) {
			traces = append(traces, inittrace.Parse(run(tg, "GODEBUG=inittrace=1").Stderr))
		}
		inits := inittrace.Median(traces)
		groups := inittrace.ByRoot(inits)
		if len(groups) > 8 {
			groups = groups[:8]
		}
		out = append(out, report.Startup{
			Plugin: tg.name, BinaryBytes: fi.Size(), Exec: s, Ratio: stats.Compare(samples[i], samples[0]),
			TargetMS: maxStartupOverFloor * floor.Summary.Median, Met: s.Summary.Median <= maxStartupOverFloor*floor.Summary.Median, MaxRSS: rss[tg.name],
			InitMS: inittrace.Total(inits), TopInits: groups,
		})
		t.Logf("%s: %.1f ms (floor %.1f ms), init %.1f ms, %d bytes", tg.name, s.Summary.Median, floor.Summary.Median, inittrace.Total(inits), fi.Size())
	}
	return floor, out, probes
}
