//go:build bench

package bench_test

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/gen"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// The composition targets.
const (
	maxCompositionOverFloor = 1.5
	rssHeadroom             = 64 << 20
)

// benchComposition runs wasm-composition on generated components of
// growing size (at a fixed depth) and growing depth (at a fixed size),
// each against the floor: sha256 over every nested part once.
func benchComposition(t *testing.T, w *world) []report.Composition {
	pool, err := gen.LoadPool(filepath.Join(w.root, "examples", "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	var out []report.Composition
	for _, size := range w.plan.compSizes {
		out = append(out, w.compositionPoint(t, pool, "size", size, w.plan.compDepth))
	}
	for _, depth := range w.plan.compDeps {
		out = append(out, w.compositionPoint(t, pool, "depth", w.plan.compSize, depth))
	}
	return out
}

func (w *world) compositionPoint(t *testing.T, pool *gen.Pool, series string, size int64, depth int) report.Composition {
	b := pool.Component(size, depth)
	bin, err := wasm.Parse(b, wasm.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var hashed int64
	for _, p := range bin.Parts {
		hashed += p.Size
	}
	repo := fmt.Sprintf("bench/composition-%d-%d", size>>20, depth)
	subject := pushComponent(t, w.reg, repo, b)
	ref := w.reg.Ref(repo, subject.Digest.String())
	list := attachList(t, w.reg, repo, subject, b)
	entry := w.wasmComposition()
	entry["timeout"] = "120s"
	mustPass(t, w, w.plugin("wasm-composition"), ref, list, entry)

	var peak int64
	plugin := func() time.Duration {
		r := mustPass(t, w, w.plugin("wasm-composition"), ref, list, entry)
		peak = max(peak, r.MaxRSS)
		return r.Wall
	}
	inProcess := func() time.Duration {
		r := ratifytest.RunPlugin(t, composition.Plugin, ref, list, entry)
		if !r.IsSuccess {
			t.Fatalf("wasm-composition in process on %s: %s", ref, r.Message)
		}
		return r.Elapsed
	}
	floor := func() time.Duration {
		runtime.GC()
		start := time.Now()
		for _, p := range bin.Parts {
			sha256.Sum256(b[p.Offset : p.Offset+p.Size])
		}
		return time.Since(start)
	}
	parse := func() time.Duration {
		runtime.GC()
		start := time.Now()
		if _, err := wasm.Parse(b, wasm.DefaultLimits()); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	s := interleave(w.plan.reps, plugin, inProcess, floor, parse)
	c := report.Composition{
		Series: series, Bytes: int64(len(b)), Depth: depth, Parts: len(bin.Parts), HashedBytes: hashed,
		Plugin: report.NewSeries("wasm-composition", s[0]), InProcess: report.NewSeries("wasm-composition in process", s[1]),
		Floor: report.NewSeries("sha256 of every part", s[2]), Parse: report.NewSeries("wasm.Parse", s[3]),
		Ratio: stats.Compare(s[0], s[2]), InProcessRatio: stats.Compare(s[1], s[2]), ParseRatio: stats.Compare(s[3], s[2]),
		MaxRatio: maxCompositionOverFloor, PeakRSS: peak, RSSLimit: int64(len(b)) + rssHeadroom,
	}
	c.Met = c.Ratio.OfMedians <= c.MaxRatio
	c.RSSMet = c.PeakRSS <= c.RSSLimit
	t.Logf("composition %s: %d bytes depth %d, %d parts: plugin %.1f ms, in process %.1f ms, floor %.1f ms (%.2fx, in process %.2fx), parse %.2fx, peak RSS %d",
		series, len(b), depth, len(bin.Parts), c.Plugin.Summary.Median, c.InProcess.Summary.Median, c.Floor.Summary.Median, c.Ratio.OfMedians, c.InProcessRatio.OfMedians, c.ParseRatio.OfMedians, peak)
	return c
}
