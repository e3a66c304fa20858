//go:build bench

package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/execstat"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

var (
	modeFlag = flag.String("bench.mode", "smoke", `"full" (make bench) or "smoke" (make bench-smoke: every measurement path once, small inputs)`)
	outFlag  = flag.String("bench.out", "", "directory for results.json and results.md (default: a temporary directory)")
	repsFlag = flag.Int("bench.reps", 0, "repetitions per figure (default: 11 in full mode, 1 in smoke mode)")
	onlyFlag = flag.String("bench.only", "", "run only these comma-separated areas (ratify,cli,startup,composition,load,micro); the results are then incomplete and not checked")
)

// plan is what a mode measures.
type plan struct {
	mode string
	reps int
	// images is how many signed artifacts the load test spreads keys over.
	images int
	// Composition: the size series at compDepth, the depth series at compSize.
	compSizes []int64
	compDepth int
	compSize  int64
	compDeps  []int
	// Load: rising rates (requests/s) without and with Ratify's cache.
	ratesOff, ratesOn []float64
	step              time.Duration
	keysPerRequest    int
	// Micro-benchmarks: -benchtime and -count.
	benchtime  string
	benchCount int
}

func newPlan(t *testing.T) plan {
	var p plan
	switch *modeFlag {
	case "full":
		p = plan{mode: "full", reps: 11, images: 6,
			compSizes: []int64{1 << 20, 10 << 20, 100 << 20}, compDepth: 3,
			compSize: 10 << 20, compDeps: []int{1, 2, 4, 8},
			ratesOff: []float64{0.5, 1, 2, 4, 8, 16, 32, 64, 128}, ratesOn: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
			step: 10 * time.Second, keysPerRequest: 3, benchtime: "1s", benchCount: 5}
	case "smoke":
		p = plan{mode: "smoke", reps: 1, images: 3,
			compSizes: []int64{1 << 20}, compDepth: 2,
			compSize: 1 << 20, compDeps: []int{1, 3},
			ratesOff: []float64{1}, ratesOn: []float64{2},
			step: 2 * time.Second, keysPerRequest: 3, benchtime: "10x", benchCount: 1}
	default:
		t.Fatalf("-bench.mode=%q: want full or smoke", *modeFlag)
	}
	if *repsFlag > 0 {
		p.reps = *repsFlag
	}
	return p
}

func wants(area string) bool {
	return *onlyFlag == "" || slices.Contains(strings.Split(*onlyFlag, ","), area)
}

// TestBench runs the whole benchmark and writes results.json/results.md.
func TestBench(t *testing.T) {
	start := time.Now()
	p := newPlan(t)
	res := &report.Results{Schema: report.Schema, Mode: p.mode, Env: environment(t, p)}
	w := newWorld(t, p)
	res.Env.Registry = "distribution v3.1.2 on loopback (referrers tag schema)"

	if wants("ratify") {
		res.Comparisons = append(res.Comparisons, benchRatify(t, w)...)
	}
	if wants("cli") {
		res.Comparisons = append(res.Comparisons, benchCLIs(t, w)...)
	}
	if wants("startup") {
		res.ExecFloor, res.Startup, res.Probes = benchStartup(t, w)
	}
	if wants("composition") {
		res.Composition = benchComposition(t, w)
		res.CompositionFits = report.FitComposition(res.Composition)
	}
	if wants("load") {
		res.Load = benchLoad(t, w)
	}
	if wants("micro") {
		res.Micro = benchMicro(t, w)
	}
	res.Env.LoadAvg = append(res.Env.LoadAvg, loadAvg())
	res.Env.WallS = time.Since(start).Seconds()
	writeResults(t, res)
}

// writeResults writes both files and, for a complete run, reads the JSON
// back through the strict validator.
func writeResults(t *testing.T, res *report.Results) {
	dir := *outFlag
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	complete := *onlyFlag == ""
	raw, err := report.Encode(res)
	if err != nil {
		if complete {
			t.Fatalf("results are incomplete or malformed: %v", err)
		}
		t.Logf("partial run (-bench.only=%s): %v", *onlyFlag, err)
		if raw, err = json.MarshalIndent(res, "", "  "); err != nil {
			t.Fatal(err)
		}
	}
	md := report.Markdown(res)
	jsonPath, mdPath := filepath.Join(dir, "results.json"), filepath.Join(dir, "results.md")
	if err := os.WriteFile(jsonPath, append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mdPath, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if complete {
		back, err := os.ReadFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := report.Validate(back); err != nil {
			t.Fatalf("%s does not validate: %v", jsonPath, err)
		}
		for _, h := range []string{"### 1.", "### 2.", "### 3.", "### 4.", "### 5.", "### 6."} {
			if !strings.Contains(md, h) {
				t.Fatalf("%s lacks section %q", mdPath, h)
			}
		}
	}
	t.Logf("wrote %s and %s\n%s", jsonPath, mdPath, md)
}

func environment(t *testing.T, p plan) report.Env {
	e := report.Env{
		Date:        time.Now().UTC().Format(time.RFC3339),
		GoVersion:   runtime.Version(),
		Cores:       runtime.NumCPU(),
		Repetitions: p.reps,
		LoadAvg:     []float64{loadAvg()},
		CPU:         cpuModel(),
	}
	out, err := exec.Command("git", "-C", testenv.RepoRoot(t), "rev-parse", "--short", "HEAD").Output()
	if err == nil {
		e.Commit = strings.TrimSpace(string(out))
	}
	return e
}

func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// interleave runs each function once per repetition, rotating the order
// so no side always runs first on a drifting machine, and returns each
// one's samples in milliseconds.
func interleave(reps int, fns ...func() time.Duration) [][]float64 {
	out := make([][]float64, len(fns))
	for r := range reps {
		for i := range fns {
			j := (i + r) % len(fns)
			out[j] = append(out[j], ms(fns[j]()))
		}
	}
	return out
}

// pluginRun executes a plugin binary exactly as Ratify does (skel's
// protocol: environment, stdin, one JSON line on stdout).
type pluginRun struct {
	execstat.Run
	IsSuccess bool
	Message   string
}

func runPluginBinary(t *testing.T, w *world, bin, subject string, referrer ocispec.Descriptor, entry map[string]any, extraEnv ...string) pluginRun {
	t.Helper()
	stdin, err := json.Marshal(map[string]any{
		"config": entry,
		"storeConfig": map[string]any{"version": "1.0.0", "pluginBinDirs": nil,
			"store": map[string]any{"name": "oras", "useHttp": true, "localCachePath": filepath.Join(w.home, "oras-cache")}},
		"referenceDesc": referrer,
	})
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+w.home, "DOCKER_CONFIG="+filepath.Join(w.home, ".docker"),
		"RATIFY_VERIFIER_COMMAND=VERIFY", "RATIFY_VERIFIER_SUBJECT="+subject, "RATIFY_VERIFIER_VERSION=1.0.0")
	env = append(env, extraEnv...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := w.runner.Exec(ctx, env, stdin, bin)
	if err != nil {
		t.Fatal(err)
	}
	out := pluginRun{Run: r}
	for _, line := range bytes.Split(r.Stdout, []byte("\n")) {
		var res struct {
			IsSuccess bool   `json:"isSuccess"`
			Message   string `json:"message"`
		}
		if json.Unmarshal(line, &res) == nil && res.Message != "" {
			out.IsSuccess, out.Message = res.IsSuccess, res.Message
		}
	}
	if out.Message == "" {
		t.Fatalf("%s printed no result (exit %d)\nstdout: %s\nstderr: %s", filepath.Base(bin), r.ExitCode, r.Stdout, r.Stderr)
	}
	return out
}

// mustPass runs a plugin and fails the benchmark unless it verified: a
// fast failure must never be timed as a verification.
func mustPass(t *testing.T, w *world, bin, subject string, referrer ocispec.Descriptor, entry map[string]any) pluginRun {
	t.Helper()
	r := runPluginBinary(t, w, bin, subject, referrer, entry)
	if !r.IsSuccess {
		t.Fatalf("%s on %s: want a passing verification, got: %s\nstderr: %s", filepath.Base(bin), subject, r.Message, r.Stderr)
	}
	return r
}

// mustVerify runs `ratify verify` in env and fails unless the overall
// result passed with a passing report from each named verifier.
func mustVerify(t *testing.T, env *ratifytest.Env, subject string, verifiers ...string) {
	t.Helper()
	rep, err := env.TryVerify(subject)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.IsSuccess {
		t.Fatalf("ratify verify %s: want success\n%s\n%s", subject, rep.Raw, rep.Stderr)
	}
	for _, v := range verifiers {
		got := rep.Named(v)
		if len(got) == 0 {
			t.Fatalf("ratify verify %s: no %s report\n%s", subject, v, rep.Raw)
		}
		for _, g := range got {
			if !g.IsSuccess {
				t.Fatalf("ratify verify %s: %s failed: %s", subject, v, g.Message)
			}
		}
	}
}

// execCLI runs a reference CLI and fails unless it exits 0.
func execCLI(t *testing.T, w *world, env []string, bin string, args ...string) execstat.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := w.runner.Exec(ctx, env, nil, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode != 0 {
		t.Fatalf("%s %s: exit %d\n%s%s", filepath.Base(bin), strings.Join(args, " "), r.ExitCode, r.Stdout, r.Stderr)
	}
	return r
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
