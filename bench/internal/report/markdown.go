package report

import (
	"fmt"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
)

// Markdown renders r as the tables pasted into the README.
func Markdown(r *Results) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("## Benchmark results\n\n")
	p("`make bench` (%s mode), %s, commit `%s`, %s, %s, %d cores, 1-min load average %s (start, end), %d repetitions per figure, registry: %s, %.0f s wall.\n",
		r.Mode, r.Env.Date, r.Env.Commit, r.Env.GoVersion, r.Env.CPU, r.Env.Cores, loads(r.Env.LoadAvg), r.Env.Repetitions, r.Env.Registry, r.Env.WallS)
	p("Times are medians in ms with the [min–max] spread; every ratio is this run's median over the baseline's median, with the spread of the per-repetition (interleaved) ratios.\n\n")

	for _, sec := range []struct{ id, title, target string }{
		{SectionRatify, "1. Plugin cost inside Ratify (`ratify verify` v1.4.6, exec to exit)", "target ≤ 1.2×"},
		{SectionCLI, "2. Plugin invocation vs the reference CLI (exec to exit)", "target ≤ 1×"},
	} {
		p("### %s\n\n", sec.title)
		p("| measurement | ratify-wasm | baseline | ratio (paired spread) | %s |\n|---|---|---|---|---|\n", sec.target)
		for _, c := range r.Comparisons {
			if c.Section != sec.id {
				continue
			}
			p("| %s | %s: %s | %s: %s | **%s** (%s) | %s |\n", c.Name, c.Subject.Name, ms(c.Subject.Summary), c.Baseline.Name, ms(c.Baseline.Summary),
				x(c.Ratio.OfMedians), spread(c.Ratio.Paired), met(c.Met))
		}
		p("\n")
	}

	p("### 3. Plugin start-up (exec to result on a trivial input)\n\n")
	p("Input: Ratify's real stdin and environment with a configuration error, so the plugin speaks the protocol, decodes the store entry and its configuration and answers without network. Baseline: %s, %s.\n\n", r.ExecFloor.Name, ms(r.ExecFloor.Summary))
	p("| plugin | binary | exec→result | ratio to exec floor | max RSS | package init (inittrace) | top init costs | target ≤ 3× exec floor |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Startup {
		var tops []string
		for i, g := range s.TopInits {
			if i == 4 {
				break
			}
			tops = append(tops, fmt.Sprintf("%s %.1f", g.Root, g.ClockMS))
		}
		p("| %s | %s | %s | %s (%s) | %s | %.1f ms | %s | %s |\n", s.Plugin, mb(s.BinaryBytes), ms(s.Exec.Summary), x(s.Ratio.OfMedians), spread(s.Ratio.Paired),
			mb(s.MaxRSS), s.InitMS, strings.Join(tops, ", "), met(s.Met))
	}
	p("\nWhere start-up goes: probe binaries (`bench/cmd`) that link one dependency and do nothing else, timed the same way; \"over floor\" is their median minus the exec floor's.\n\n")
	p("| probe | links | binary | exec→exit | over floor |\n|---|---|---|---|---|\n")
	for _, pr := range r.Probes {
		p("| %s | %s | %s | %s | %+.1f ms |\n", pr.Name, pr.Links, mb(pr.BinaryBytes), ms(pr.Exec.Summary), pr.OverFloorMS)
	}
	p("\n")

	p("### 4. Composition at scale (wasm-composition vs sha256 of every nested part once)\n\n")
	p("Generated components (`bench/internal/gen`): real modules from `examples/fixtures` nested at the given depth. Plugin: the wasm-composition process from exec to result (fetch from the registry, digest check, parse, policy); in process: the same verification through `plugin.Run` without process start-up; floor: sha256 over every part once, in memory; parse: `wasm.Parse` in memory.\n\n")
	p("| series | size | depth | parts | hashed by the floor | plugin process | in process | floor | process/floor (target ≤ 1.5×) | in process/floor | parse/floor | peak RSS (target ≤ size + 64 MB) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Composition {
		p("| %s | %s | %d | %d | %s | %s | %s | %s | **%s** (%s) %s | %s (%s) | %s (%s) | %s / %s %s |\n", c.Series, mb(c.Bytes), c.Depth, c.Parts, mb(c.HashedBytes),
			ms(c.Plugin.Summary), ms(c.InProcess.Summary), ms(c.Floor.Summary), x(c.Ratio.OfMedians), spread(c.Ratio.Paired), met(c.Met),
			x(c.InProcessRatio.OfMedians), spread(c.InProcessRatio.Paired),
			x(c.ParseRatio.OfMedians), spread(c.ParseRatio.Paired), mb(c.PeakRSS), mb(c.RSSLimit), met(c.RSSMet))
	}
	p("\nLinear fits over the megabytes the floor hashes (medians): the slope is the marginal cost, the intercept the fixed cost.\n\n")
	p("| series | plugin process: ms per MB hashed, fixed ms, R² | in process: ms/MB, fixed ms | floor: ms/MB, R² | marginal cost vs floor (target ≤ 1.5×) |\n|---|---|---|---|---|\n")
	for _, f := range r.CompositionFits {
		p("| %s | %.3f, %.1f, %.3f | %.3f, %.1f | %.3f, %.3f | **%s** %s |\n", f.Series, f.Plugin.Slope, f.Plugin.Intercept, f.Plugin.R2,
			f.InProcess.Slope, f.InProcess.Intercept, f.Floor.Slope, f.Floor.R2, x(f.MarginalRatio), met(f.MarginalRatio <= 1.5))
	}
	p("\n")

	p("### 5. Admission load (`ratify serve`, Gatekeeper-shaped ProviderRequests)\n\n")
	p("Open-loop arrivals at each rate; p99 is compared with Gatekeeper's 3 s webhook timeout. A step fails admission when its p99 exceeds 3 s or any request failed or was dropped.\n\n")
	p("| configuration | cache | rate (req/s) | keys/req | sent | passed/s | p50 ms | p99 ms | > 3 s | failed | dropped |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range r.Load {
		for _, s := range l.Steps {
			p("| %s | %s | %g | %d | %d | %.2f | %.0f | %.0f | %d | %d | %d |\n", l.Config, onOff(l.Cache), s.Rate, s.Keys, s.Sent, s.Throughput, s.LatencyMS.Median, s.P99MS, s.OverGatekeeper, s.Failed, s.Dropped)
		}
	}
	p("\n| configuration | verifiers | cache | highest rate within 3 s p99 | first rate over | vs baseline (best throughput, last good rate) |\n|---|---|---|---|---|---|\n")
	for _, l := range r.Load {
		vs := "—"
		if l.Ratio != nil {
			vs = fmt.Sprintf("%s: %s, %s", l.Baseline, x(l.Ratio.MaxThroughput), x(l.Ratio.LastGoodRate))
		}
		p("| %s | %s | %s | %s | %s | %s |\n", l.Config, strings.Join(l.Verifiers, ", "), onOff(l.Cache), rate(l.Crossing.LastGood), rate(l.Crossing.Rate), vs)
	}
	p("\n")

	p("### 6. Micro-benchmarks (`go test -bench -benchmem`)\n\n")
	p("| package | benchmark | time/op (median [min–max]) | MB/s | B/op | allocs/op | ratio to baseline |\n|---|---|---|---|---|---|---|\n")
	for _, m := range r.Micro {
		ratio := "—"
		if m.Baseline != "" {
			ratio = fmt.Sprintf("%s vs %s", x(m.Ratio), m.Baseline)
		}
		mbs := "—"
		if m.MBPerS > 0 {
			mbs = fmt.Sprintf("%.0f", m.MBPerS)
		}
		p("| %s | %s | %s [%s–%s] | %s | %.0f | %.0f | %s |\n", m.Package, m.Name, dur(m.NsPerOp.Median), dur(m.NsPerOp.Min), dur(m.NsPerOp.Max), mbs, m.BytesPerOp, m.AllocsPerOp, ratio)
	}
	return b.String()
}

func ms(s stats.Summary) string {
	return fmt.Sprintf("%s [%s–%s]", num(s.Median), num(s.Min), num(s.Max))
}

func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func x(v float64) string {
	if v < 0.1 {
		return fmt.Sprintf("%.2g×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

// dur formats nanoseconds with a unit.
func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func spread(s stats.Summary) string { return fmt.Sprintf("%.2f–%.2f", s.Min, s.Max) }

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func rate(r float64) string {
	if r == 0 {
		return "—"
	}
	return fmt.Sprintf("%g req/s", r)
}

func loads(l []float64) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = fmt.Sprintf("%.1f", v)
	}
	return strings.Join(parts, ", ")
}
