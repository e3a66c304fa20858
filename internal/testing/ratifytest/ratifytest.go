// Package ratifytest runs the real Ratify CLI (bin/ratify, v1.4.6) against
// the project's plugin binaries in tests: it builds the plugins, writes a
// config.json into a private RATIFY_CONFIG directory and parses the report
// of `ratify verify` or talks to `ratify serve`.
package ratifytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// PluginDirEnv names a directory of prebuilt plugin binaries (`make test`
// sets it after `make plugins`); when unset, PluginDir builds them.
const PluginDirEnv = "RATIFY_WASM_PLUGIN_DIR"

var (
	buildMu sync.Mutex
	built   = map[string]bool{}
)

// PluginDir returns the directory holding the project's plugin binaries,
// building the named ones (all of ./plugins when none are named) from the
// current tree once per test process, unless $RATIFY_WASM_PLUGIN_DIR is set.
func PluginDir(t testing.TB, names ...string) string {
	t.Helper()
	if dir := os.Getenv(PluginDirEnv); dir != "" {
		return dir
	}
	root := testenv.RepoRoot(t)
	if len(names) == 0 {
		dirs, _ := filepath.Glob(filepath.Join(root, "plugins", "*", "main.go"))
		for _, d := range dirs {
			names = append(names, filepath.Base(filepath.Dir(d)))
		}
	}
	dir := filepath.Join(root, "bin", "plugins")
	for _, name := range names {
		if err := build(root, "./plugins/"+name, dir, name); err != nil {
			t.Fatalf("building plugin %s: %v", name, err)
		}
	}
	return dir
}

// BuildPackage builds the main package at pkg (relative to the repository
// root, e.g. a test plugin under testdata) as binary name and returns the
// directory holding it.
func BuildPackage(t testing.TB, pkg, name string) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	dir := filepath.Join(root, "bin", "test-plugins")
	if err := build(root, pkg, dir, name); err != nil {
		t.Fatalf("building %s: %v", pkg, err)
	}
	return dir
}

// build runs `go build` once per binary per process, under an exclusive
// file lock because `go test ./...` runs package test binaries in parallel.
func build(root, pkg, dir, name string) error {
	buildMu.Lock()
	defer buildMu.Unlock()
	out := filepath.Join(dir, name)
	if built[out] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(root, "bin", ".build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	built[out] = true
	return nil
}

// Config is what a test varies in Ratify's config.json.
type Config struct {
	// Verifiers are verifier entries exactly as in config.json
	// ("name", "type", "artifactTypes", plugin keys...).
	Verifiers []map[string]any
	// Policy is the policy plugin object; nil means configPolicy with
	// Ratify's defaults ("all" verifiers must pass).
	Policy map[string]any
	// CosignEnabled makes the oras store list cosign `.sig` tags.
	CosignEnabled bool
	// PluginDirs are extra pluginBinDirs; the project's plugins are always in.
	PluginDirs []string
	// Timeout is Ratify's verificationRequestTimeout; zero means 20s, far
	// above the plugins' own deadlines so tests see the plugins' messages.
	Timeout time.Duration
	// Builtin runs bin/ratify-builtin (the four verifiers compiled in)
	// with an empty plugin directory, so nothing is executed as a plugin.
	Builtin bool
}

// pluginDirFor builds the project plugins the verifier entries run (the
// binary is the entry's type, else its name: Ratify's lookup rule) and
// returns their directory; entries for Ratify's built-ins build nothing.
func pluginDirFor(t testing.TB, verifiers []map[string]any) string {
	root := testenv.RepoRoot(t)
	var names []string
	for _, v := range verifiers {
		bin, _ := v["type"].(string)
		if bin == "" {
			bin, _ = v["name"].(string)
		}
		if _, err := os.Stat(filepath.Join(root, "plugins", bin, "main.go")); err == nil {
			names = append(names, bin)
		}
	}
	if len(names) == 0 && os.Getenv(PluginDirEnv) == "" {
		return filepath.Join(root, "bin", "plugins")
	}
	return PluginDir(t, names...)
}

// RegoPolicy returns a regoPolicy object for the policy file at path.
func RegoPolicy(path string) map[string]any {
	return map[string]any{"name": "regoPolicy", "policyPath": path}
}

// ProjectPolicy renders policies/ratify/wasm.rego with params through
// policies/ratify/render.sh, as an operator does, into a file of t's temp
// dir and returns its path (for RegoPolicy).
func ProjectPolicy(t testing.TB, params map[string]any) string {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paramsFile := filepath.Join(dir, "params.json")
	if err := os.WriteFile(paramsFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command(filepath.Join(testenv.RepoRoot(t), "policies", "ratify", "render.sh"), paramsFile).Output()
	if err != nil {
		t.Fatalf("policies/ratify/render.sh: %v", err)
	}
	path := filepath.Join(dir, "policy.rego")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Env is a private Ratify home: RATIFY_CONFIG dir, config.json, HOME.
type Env struct {
	Dir        string
	ConfigPath string
	ratify     string
	env        []string
}

// NewEnv writes config.json for cfg into a fresh directory.
func NewEnv(t testing.TB, cfg Config) *Env {
	t.Helper()
	ratify, plugins := testenv.Bin(t, "ratify"), ""
	if cfg.Builtin {
		ratify, plugins = testenv.Bin(t, "ratify-builtin"), t.TempDir()
	} else {
		plugins = pluginDirFor(t, cfg.Verifiers)
	}
	e, err := WriteEnv(t.TempDir(), ratify, plugins, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// WriteEnv is NewEnv for code without a testing.TB (the e2e programs and
// tests): it writes config.json for cfg into dir, with pluginDir (the
// project's plugins, already built) first in pluginBinDirs, for the Ratify
// binary at ratify.
func WriteEnv(dir, ratify, pluginDir string, cfg Config) (*Env, error) {
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	policy := cfg.Policy
	if policy == nil {
		policy = map[string]any{"name": "configPolicy"}
	}
	verifiers := cfg.Verifiers
	if verifiers == nil {
		verifiers = []map[string]any{}
	}
	doc := map[string]any{
		"executor": map[string]any{"verificationRequestTimeout": timeout.Milliseconds(), "mutationRequestTimeout": 950},
		"store": map[string]any{"version": "1.0.0", "plugins": []any{map[string]any{
			"name": "oras", "useHttp": true, "cosignEnabled": cfg.CosignEnabled,
			"localCachePath": filepath.Join(dir, "oras-cache"),
		}}},
		"policy":   map[string]any{"version": "1.0.0", "plugin": policy},
		"verifier": map[string]any{"version": "1.0.0", "pluginBinDirs": append([]string{pluginDir}, cfg.PluginDirs...), "plugins": verifiers},
		"logger":   map[string]any{"formatter": "text"},
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return writeEnv(dir, ratify, raw)
}

// NewEnvFile is NewEnv for a complete config.json, used as given (the
// README examples).
func NewEnvFile(t testing.TB, raw []byte) *Env {
	t.Helper()
	e, err := writeEnv(t.TempDir(), testenv.Bin(t, "ratify"), raw)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func writeEnv(dir, ratify string, raw []byte) (*Env, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "RATIFY_CONFIG="+dir, "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
	return &Env{Dir: dir, ConfigPath: path, ratify: ratify, env: env}, nil
}

// Report is a parsed `ratify verify` output.
type Report struct {
	IsSuccess bool
	Raw       []byte
	Stderr    string
	// Elapsed is how long `ratify verify` ran.
	Elapsed time.Duration
	// Verifiers are all verifier reports, top level and nested, flattened.
	Verifiers []VerifierReport
}

// VerifierReport is one verifier's result for one referrer.
type VerifierReport struct {
	// Subject and ArtifactType/ReferenceDigest locate the referrer verified.
	Subject         string
	ArtifactType    string
	ReferenceDigest string
	// Depth is 0 for referrers of the top subject, 1 for their referrers...
	Depth      int
	IsSuccess  bool
	Name       string
	Type       string
	Message    string
	Extensions map[string]any
}

// Named returns the reports of the verifier called name.
func (r *Report) Named(name string) []VerifierReport {
	var out []VerifierReport
	for _, v := range r.Verifiers {
		if v.Name == name {
			out = append(out, v)
		}
	}
	return out
}

// One returns the single report of verifier name, failing the test otherwise.
func (r *Report) One(t testing.TB, name string) VerifierReport {
	t.Helper()
	got := r.Named(name)
	if len(got) != 1 {
		t.Fatalf("want exactly one %q report, got %d\nreport: %s\nstderr: %s", name, len(got), r.Raw, r.Stderr)
	}
	return got[0]
}

// Verify runs `ratify verify -s subject` with cfg and parses the report.
// Ratify exits 0 whether or not verification passed; a non-zero exit (bad
// config, missing plugin) fails the test.
func Verify(t testing.TB, cfg Config, subject string) *Report {
	t.Helper()
	return NewEnv(t, cfg).Verify(t, subject)
}

// Verify runs `ratify verify` in this environment.
func (e *Env) Verify(t testing.TB, subject string) *Report {
	t.Helper()
	rep, err := e.TryVerify(subject)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TryVerify is Verify returning an error instead of failing the test.
func (e *Env) TryVerify(subject string) (*Report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.ratify, "verify", "-c", e.ConfigPath, "-s", subject)
	cmd.Env = e.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("ratify verify -s %s: %v\nstdout: %s\nstderr: %s", subject, err, stdout.Bytes(), stderr.Bytes())
	}
	rep, err := ParseReport(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("ratify verify -s %s: %v\nstdout: %s\nstderr: %s", subject, err, stdout.Bytes(), stderr.Bytes())
	}
	rep.Stderr = stderr.String()
	rep.Elapsed = elapsed
	return rep, nil
}
