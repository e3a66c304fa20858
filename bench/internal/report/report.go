// Package report holds the benchmark results (bench/results.json), renders
// them as Markdown (bench/results.md) and checks that a results file is
// complete and well-formed.
package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/inittrace"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/loadgen"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
)

// Schema identifies the results format.
const Schema = "ratify-wasm-bench/v1"

// Sections of Comparison rows.
const (
	SectionRatify = "ratify" // plugin vs built-in, inside `ratify verify`
	SectionCLI    = "cli"    // plugin invocation vs reference CLI
)

// Results is everything one `make bench` run measured.
type Results struct {
	Schema      string        `json:"schema"`
	Mode        string        `json:"mode"` // "full" or "smoke"
	Env         Env           `json:"env"`
	Comparisons []Comparison  `json:"comparisons"`
	ExecFloor   Series        `json:"execFloor"`
	Startup     []Startup     `json:"startup"`
	Probes      []Probe       `json:"startupProbes"`
	Composition []Composition `json:"composition"`
	// CompositionFits fit each composition series (two points or more).
	CompositionFits []CompositionFit `json:"compositionFits"`
	Load            []LoadSweep      `json:"load"`
	Micro           []Micro          `json:"micro"`
}

// Env describes where and how the run happened.
type Env struct {
	Date        string    `json:"date"`
	Commit      string    `json:"commit"`
	GoVersion   string    `json:"goVersion"`
	CPU         string    `json:"cpu"`
	Cores       int       `json:"cores"`
	LoadAvg     []float64 `json:"loadAvg"` // 1-minute load average at start and end
	Repetitions int       `json:"repetitions"`
	Registry    string    `json:"registry"`
	WallS       float64   `json:"wallS"`
}

// Series is one repeated measurement, in milliseconds.
type Series struct {
	Name    string        `json:"name"`
	Samples []float64     `json:"samplesMs"`
	Summary stats.Summary `json:"summaryMs"`
}

// NewSeries summarises samples (ms).
func NewSeries(name string, samples []float64) Series {
	return Series{Name: name, Samples: samples, Summary: stats.Summarize(samples)}
}

// Comparison is a plugin measurement next to its baseline from the same
// run, with the target on their ratio.
type Comparison struct {
	Section  string      `json:"section"`
	Name     string      `json:"name"`
	Subject  Series      `json:"subject"`
	Baseline Series      `json:"baseline"`
	Ratio    stats.Ratio `json:"ratio"`
	// MaxRatio is the target: Ratio.OfMedians must not exceed it.
	MaxRatio float64 `json:"maxRatio"`
	Met      bool    `json:"met"`
}

// NewComparison fills Ratio and Met.
func NewComparison(section, name string, subject, baseline Series, maxRatio float64) Comparison {
	r := stats.Compare(subject.Samples, baseline.Samples)
	return Comparison{Section: section, Name: name, Subject: subject, Baseline: baseline, Ratio: r, MaxRatio: maxRatio, Met: r.OfMedians <= maxRatio}
}

// Startup is one plugin's exec→result on a trivial input.
type Startup struct {
	Plugin      string      `json:"plugin"`
	BinaryBytes int64       `json:"binaryBytes"`
	Exec        Series      `json:"exec"`
	Ratio       stats.Ratio `json:"ratioToExecFloor"`
	// TargetMS is the target in this run: 3× the exec floor's median.
	TargetMS float64 `json:"targetMs"`
	Met      bool    `json:"met"`
	MaxRSS   int64   `json:"maxRssBytes"`
	// InitMS is the summed package init clock (GODEBUG=inittrace=1), and
	// TopInits the modules that cost most of it.
	InitMS   float64           `json:"initMs"`
	TopInits []inittrace.Group `json:"topInits"`
}

// Probe is a start-up probe binary (bench/cmd): a dependency or the
// protocol layer alone, timed like the plugins, to show where their
// start-up goes.
type Probe struct {
	Name        string `json:"name"`
	Links       string `json:"links"`
	BinaryBytes int64  `json:"binaryBytes"`
	Exec        Series `json:"exec"`
	// OverFloorMS is the median exec→exit minus the exec floor's median.
	OverFloorMS float64 `json:"overFloorMs"`
}

// Composition is wasm-composition on one generated component.
type Composition struct {
	Series string `json:"series"` // "size" or "depth"
	Bytes  int64  `json:"bytes"`
	Depth  int    `json:"depth"`
	Parts  int    `json:"parts"`
	// HashedBytes is what the floor hashes: every part once.
	HashedBytes int64 `json:"hashedBytes"`
	// Plugin is the wasm-composition process, exec to result; InProcess the
	// same verification through plugin.Run in the benchmark process (no
	// process start-up); Floor is sha256 over every part once; Parse is
	// wasm.Parse in process.
	Plugin         Series      `json:"plugin"`
	InProcess      Series      `json:"inProcess"`
	Floor          Series      `json:"floor"`
	Parse          Series      `json:"parse"`
	Ratio          stats.Ratio `json:"ratio"`
	InProcessRatio stats.Ratio `json:"inProcessRatio"`
	ParseRatio     stats.Ratio `json:"parseRatio"`
	MaxRatio       float64     `json:"maxRatio"`
	PeakRSS        int64       `json:"peakRssBytes"`
	RSSLimit       int64       `json:"rssLimitBytes"`
	Met            bool        `json:"met"`
	RSSMet         bool        `json:"rssMet"`
}

// CompositionFit fits the medians of one composition series as lines over
// the megabytes the floor hashes: the slopes are the marginal cost per
// hashed MB (linear growth shows as R² near 1), the plugin's intercept its
// fixed cost (process start-up, registry round trips).
type CompositionFit struct {
	Series    string    `json:"series"`
	Plugin    stats.Fit `json:"plugin"`
	InProcess stats.Fit `json:"inProcess"`
	Floor     stats.Fit `json:"floor"`
	// MarginalRatio is Plugin.Slope / Floor.Slope.
	MarginalRatio float64 `json:"marginalRatio"`
}

// FitComposition fits every series of cs that has two points or more.
func FitComposition(cs []Composition) []CompositionFit {
	var out []CompositionFit
	for _, series := range []string{"size", "depth"} {
		var x, plugin, inproc, floor []float64
		for _, c := range cs {
			if c.Series == series {
				x = append(x, float64(c.HashedBytes)/1e6)
				plugin = append(plugin, c.Plugin.Summary.Median)
				inproc = append(inproc, c.InProcess.Summary.Median)
				floor = append(floor, c.Floor.Summary.Median)
			}
		}
		if len(x) < 2 {
			continue
		}
		f := CompositionFit{Series: series, Plugin: stats.LinearFit(x, plugin), InProcess: stats.LinearFit(x, inproc), Floor: stats.LinearFit(x, floor)}
		f.MarginalRatio = f.Plugin.Slope / f.Floor.Slope
		out = append(out, f)
	}
	return out
}

// LoadSweep is one `ratify serve` configuration under rising load.
type LoadSweep struct {
	Config    string             `json:"config"`
	Verifiers []string           `json:"verifiers"`
	Cache     bool               `json:"cache"`
	Steps     []loadgen.Result   `json:"steps"`
	Crossing  loadgen.Crossing   `json:"crossing"`
	Baseline  string             `json:"baseline,omitempty"` // config compared with
	Ratio     *ThroughputCompare `json:"ratio,omitempty"`
}

// ThroughputCompare compares a sweep with its baseline sweep.
type ThroughputCompare struct {
	// MaxThroughput is the ratio of the best passing throughput of each
	// sweep; Crossing the ratio of the last good rates (0 when undefined).
	MaxThroughput float64 `json:"maxThroughput"`
	LastGoodRate  float64 `json:"lastGoodRate"`
}

// Micro is one `go test -bench` benchmark.
type Micro struct {
	Package     string        `json:"package"`
	Name        string        `json:"name"`
	NsPerOp     stats.Summary `json:"nsPerOp"`
	MBPerS      float64       `json:"mbPerS,omitempty"`
	BytesPerOp  float64       `json:"bytesPerOp"`
	AllocsPerOp float64       `json:"allocsPerOp"`
	Baseline    string        `json:"baseline,omitempty"`
	Ratio       float64       `json:"ratio,omitempty"`
}

// Encode returns the indented JSON of r, after Check.
func Encode(r *Results) ([]byte, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(r, "", "  ")
}

// Validate decodes a results file strictly and checks it.
func Validate(raw []byte) (*Results, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var r Results
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return &r, r.Check()
}

// Check reports every missing section and every measurement that is not a
// positive finite number.
func (r *Results) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	series := func(where string, s Series) {
		if s.Summary.N == 0 || len(s.Samples) != s.Summary.N {
			bad("%s: %s has no samples", where, s.Name)
		}
		for _, v := range append(s.Samples, s.Summary.Median, s.Summary.Min, s.Summary.Max) {
			if !positive(v) {
				bad("%s: %s has a non-positive or non-finite value %v", where, s.Name, v)
				break
			}
		}
	}
	ratio := func(where string, x stats.Ratio) {
		if !positive(x.OfMedians) || x.Paired.N == 0 {
			bad("%s: ratio %v (paired n=%d)", where, x.OfMedians, x.Paired.N)
		}
	}
	if r.Schema != Schema {
		bad("schema %q, want %q", r.Schema, Schema)
	}
	if r.Mode != "full" && r.Mode != "smoke" {
		bad("mode %q", r.Mode)
	}
	if r.Env.Date == "" || r.Env.GoVersion == "" || r.Env.Cores <= 0 || r.Env.Repetitions <= 0 {
		bad("environment incomplete: %+v", r.Env)
	}
	count := map[string]int{}
	for _, c := range r.Comparisons {
		count[c.Section]++
		where := c.Section + "/" + c.Name
		series(where, c.Subject)
		series(where, c.Baseline)
		ratio(where, c.Ratio)
		if !positive(c.MaxRatio) {
			bad("%s: no target", where)
		}
	}
	if count[SectionRatify] < 2 {
		bad("plugin cost inside Ratify: %d comparisons, want cosign and notation", count[SectionRatify])
	}
	if count[SectionCLI] < 3 {
		bad("reference CLIs: %d comparisons, want cosign, notation and slsa", count[SectionCLI])
	}
	series("exec floor", r.ExecFloor)
	if len(r.Startup) < 4 {
		bad("start-up: %d plugins, want 4", len(r.Startup))
	}
	for _, s := range r.Startup {
		series("start-up/"+s.Plugin, s.Exec)
		ratio("start-up/"+s.Plugin, s.Ratio)
		if s.BinaryBytes <= 0 || s.MaxRSS <= 0 || !positive(s.InitMS) || len(s.TopInits) == 0 {
			bad("start-up/%s: size %d, RSS %d, init %v ms, %d init groups", s.Plugin, s.BinaryBytes, s.MaxRSS, s.InitMS, len(s.TopInits))
		}
	}
	if len(r.Probes) < 2 {
		bad("start-up probes: %d, want the protocol layer and the libraries", len(r.Probes))
	}
	for _, p := range r.Probes {
		series("start-up probe/"+p.Name, p.Exec)
		if p.BinaryBytes <= 0 || math.IsNaN(p.OverFloorMS) {
			bad("start-up probe/%s: size %d, over floor %v", p.Name, p.BinaryBytes, p.OverFloorMS)
		}
	}
	kinds := map[string]int{}
	for _, c := range r.Composition {
		kinds[c.Series]++
		where := fmt.Sprintf("composition/%s/%dB/depth%d", c.Series, c.Bytes, c.Depth)
		series(where, c.Plugin)
		series(where, c.InProcess)
		series(where, c.Floor)
		series(where, c.Parse)
		ratio(where, c.Ratio)
		ratio(where, c.InProcessRatio)
		ratio(where, c.ParseRatio)
		if c.Bytes <= 0 || c.Parts <= 0 || c.HashedBytes < c.Bytes || c.PeakRSS <= 0 || c.RSSLimit <= c.Bytes {
			bad("%s: bytes %d, parts %d, hashed %d, RSS %d, limit %d", where, c.Bytes, c.Parts, c.HashedBytes, c.PeakRSS, c.RSSLimit)
		}
	}
	if kinds["size"] < 1 || kinds["depth"] < 2 {
		bad("composition: %d size and %d depth points, want at least 1 and 2", kinds["size"], kinds["depth"])
	}
	if len(r.CompositionFits) == 0 {
		bad("composition: no series fitted")
	}
	// A fit over one noisy smoke repetition can slope downwards: the smoke
	// run checks that every figure is there and finite; only a full run's
	// fits must be positive (judging measured values is `make bench`'s job).
	fitOK := positive
	if r.Mode == "smoke" {
		fitOK = finite
	}
	for _, f := range r.CompositionFits {
		if !fitOK(f.Plugin.Slope) || !fitOK(f.Floor.Slope) || !finite(f.Plugin.R2) || !fitOK(f.MarginalRatio) {
			bad("composition fit %s: %+v", f.Series, f)
		}
	}
	caches := map[bool]int{}
	for _, l := range r.Load {
		caches[l.Cache]++
		if len(l.Steps) == 0 || len(l.Verifiers) == 0 {
			bad("load/%s: %d steps, verifiers %v", l.Config, len(l.Steps), l.Verifiers)
		}
		for _, s := range l.Steps {
			if s.Sent == 0 || s.Keys < 2 || !positive(s.Rate) {
				bad("load/%s cache=%t: step %+v", l.Config, l.Cache, s)
			}
		}
	}
	if caches[false] < 2 || caches[true] < 2 {
		bad("load: %d sweeps without and %d with cache, want plugins and built-ins in each", caches[false], caches[true])
	}
	if len(r.Micro) < 3 {
		bad("micro-benchmarks: %d, want parser, digest and config decoding", len(r.Micro))
	}
	for _, m := range r.Micro {
		if m.NsPerOp.N == 0 || !positive(m.NsPerOp.Median) {
			bad("micro %s.%s: no ns/op", m.Package, m.Name)
		}
	}
	return errors.Join(errs...)
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }

func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }
