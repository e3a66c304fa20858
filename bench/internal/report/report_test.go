package report

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/inittrace"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/loadgen"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
)

// complete returns a minimal results document with every section.
func complete() *Results {
	s := func(name string, v ...float64) Series { return NewSeries(name, v) }
	r := &Results{
		Schema: Schema, Mode: "smoke",
		Env:       Env{Date: "2026-01-01T00:00:00Z", GoVersion: "go1.26.8", Cores: 2, Repetitions: 2, LoadAvg: []float64{1, 2}},
		ExecFloor: s("noop", 1, 1.2),
	}
	for _, sec := range []string{SectionRatify, SectionRatify, SectionCLI, SectionCLI, SectionCLI} {
		r.Comparisons = append(r.Comparisons, NewComparison(sec, "x", s("ours", 12, 13), s("theirs", 10, 11), 1.2))
	}
	for _, p := range []string{"a", "b", "c", "d"} {
		r.Startup = append(r.Startup, Startup{Plugin: p, BinaryBytes: 1, Exec: s(p, 30, 31), Ratio: stats.Compare([]float64{30, 31}, []float64{1, 1.2}),
			TargetMS: 20, MaxRSS: 1, InitMS: 5, TopInits: []inittrace.Group{{Root: "k8s.io/client-go", Packages: 1, ClockMS: 4}}})
	}
	for _, n := range []string{"floor", "skel"} {
		r.Probes = append(r.Probes, Probe{Name: n, Links: "x", BinaryBytes: 1, Exec: s(n, 2, 3), OverFloorMS: 1})
	}
	for _, c := range []struct {
		series string
		depth  int
	}{{"size", 3}, {"depth", 1}, {"depth", 2}} {
		r.Composition = append(r.Composition, Composition{Series: c.series, Bytes: 100, Depth: c.depth, Parts: 3, HashedBytes: int64(100 * (c.depth + 1)),
			Plugin: s("p", 3*float64(c.depth), 4*float64(c.depth)), InProcess: s("i", 2.5, 3), Floor: s("f", 2*float64(c.depth), 2*float64(c.depth)), Parse: s("x", 2.1, 2.2), Ratio: stats.Compare([]float64{3, 4}, []float64{2, 2}),
			ParseRatio: stats.Compare([]float64{2.1, 2.2}, []float64{2, 2}), InProcessRatio: stats.Compare([]float64{2.5, 3}, []float64{2, 2}), MaxRatio: 1.5, PeakRSS: 10, RSSLimit: 200})
	}
	r.CompositionFits = FitComposition(r.Composition)
	step := loadgen.Result{Rate: 1, Keys: 3, Sent: 5, Answered: 5, Throughput: 1, P99MS: 100}
	for _, cache := range []bool{false, false, true, true} {
		r.Load = append(r.Load, LoadSweep{Config: "c", Verifiers: []string{"v"}, Cache: cache, Steps: []loadgen.Result{step}})
	}
	for _, n := range []string{"BenchmarkParse", "BenchmarkSHA256Floor", "BenchmarkDecodeConfig/x"} {
		r.Micro = append(r.Micro, Micro{Package: "internal/wasm", Name: n, NsPerOp: stats.Summarize([]float64{100, 110})})
	}
	return r
}

func TestEncodeValidateRoundTrip(t *testing.T) {
	raw, err := Encode(complete())
	if err != nil {
		t.Fatal(err)
	}
	back, err := Validate(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Comparisons) != 5 || back.Comparisons[0].Ratio.OfMedians != 12.5/10.5 || !back.Comparisons[0].Met {
		t.Fatalf("round trip: %+v", back.Comparisons[0])
	}
	md := Markdown(back)
	for _, want := range []string{"### 1.", "### 2.", "### 3.", "### 4.", "### 5.", "### 6.", "**missed**", "k8s.io/client-go 4.0", "1.19×"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestCheckNamesWhatIsMissing(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(r *Results)
		want string
	}{
		"no notation comparison": {func(r *Results) { r.Comparisons = r.Comparisons[1:] }, "plugin cost inside Ratify"},
		"no cache sweep":         {func(r *Results) { r.Load = r.Load[:2] }, "load:"},
		"empty series":           {func(r *Results) { r.Startup[0].Exec = NewSeries("a", nil) }, "start-up/a: a has no samples"},
		"NaN ratio":              {func(r *Results) { r.Composition[0].Ratio.OfMedians = math.NaN() }, "composition/size"},
		"one depth point":        {func(r *Results) { r.Composition = r.Composition[:2] }, "depth points"},
		"single-key requests":    {func(r *Results) { r.Load[0].Steps[0].Keys = 1 }, "load/c cache=false"},
		"wrong schema":           {func(r *Results) { r.Schema = "v0" }, "schema"},
		"no micro":               {func(r *Results) { r.Micro = nil }, "micro-benchmarks"},
		"no probes":              {func(r *Results) { r.Probes = nil }, "start-up probes"},
		"no fits":                {func(r *Results) { r.CompositionFits = nil }, "no series fitted"},
	} {
		r := complete()
		tc.edit(r)
		err := r.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, tc.want)
		}
	}
}

func TestValidateRejectsUnknownFields(t *testing.T) {
	raw, err := Encode(complete())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["extra"] = 1
	raw, _ = json.Marshal(m)
	if _, err := Validate(raw); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("unknown field: %v", err)
	}
	if _, err := Validate([]byte("{")); err == nil {
		t.Fatal("truncated JSON accepted")
	}
}

// TestSmokeChecksPresenceNotValues: one noisy smoke repetition can fit a
// negative slope; the smoke check accepts any finite fit, a full run must
// have positive ones, and neither accepts a missing (NaN) figure.
func TestSmokeChecksPresenceNotValues(t *testing.T) {
	negative := func(r *Results) {
		r.CompositionFits[0].Plugin.Slope = -3
		r.CompositionFits[0].MarginalRatio = -28.97
	}
	r := complete()
	negative(r)
	if err := r.Check(); err != nil {
		t.Errorf("smoke run with a negative fit: %v", err)
	}
	r.Mode = "full"
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "composition fit") {
		t.Errorf("full run with a negative fit: %v, want it refused", err)
	}
	r = complete()
	r.CompositionFits[0].MarginalRatio = math.NaN()
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "composition fit") {
		t.Errorf("smoke run with a NaN fit: %v, want it refused", err)
	}
}
