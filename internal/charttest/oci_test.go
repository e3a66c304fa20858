package charttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// tlsFront serves the registry over HTTPS on 127.0.0.1: Ratify downloads
// dynamic plugins over HTTPS only (pkg/common/plugin/download.go uses an
// oras-go repository without PlainHTTP). It returns the host and the CA
// certificate file that clients trust.
func tlsFront(t *testing.T, r *registrytest.Registry) (string, string) {
	backend, err := url.Parse(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(&httputil.ReverseProxy{Rewrite: func(p *httputil.ProxyRequest) {
		p.SetURL(backend)
		p.Out.Host = p.In.Host
		p.SetXForwarded()
	}})
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(srv.URL, "https://"), ca
}

func sha256File(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// pluginsOCI runs `make plugins-oci` from charts.mk and returns the values
// file it writes (the digests it pushed).
func pluginsOCI(t *testing.T, vars ...string) string {
	out := t.TempDir()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	args := append([]string{"-s", "-f", "charts.mk", "plugins-oci", "PLUGINS_OCI_DIR=" + out, "PLUGINS_OCI_PLATFORMS=" + platform}, vars...)
	cmd := exec.Command("make", args...)
	cmd.Dir = testenv.RepoRoot(t)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make plugins-oci: %v\n%s", err, msg)
	}
	t.Logf("make plugins-oci:\n%s", msg)
	return filepath.Join(out, runtime.GOOS+"-"+runtime.GOARCH, "values.yaml")
}

// ratifyWithVerifier runs `ratify verify` (v1.4.6) in a fresh home with one
// verifier entry, dynamic plugins on, trusting ca for the download, and the
// plugin folder pluginDir (empty: Ratify must download the plugin).
func ratifyWithVerifier(t *testing.T, entry map[string]any, pluginDir, ca, subject string) *ratifytest.Report {
	dir := t.TempDir()
	cfg := map[string]any{
		"executor": map[string]any{"verificationRequestTimeout": 30000, "mutationRequestTimeout": 950},
		"store": map[string]any{"version": "1.0.0", "plugins": []any{map[string]any{
			"name": "oras", "useHttp": true, "localCachePath": filepath.Join(dir, "oras-cache"),
		}}},
		"policy":   map[string]any{"version": "1.0.0", "plugin": map[string]any{"name": "configPolicy"}},
		"verifier": map[string]any{"version": "1.0.0", "pluginBinDirs": []string{pluginDir}, "plugins": []any{entry}},
		"logger":   map[string]any{"formatter": "text"},
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Bin(t, "ratify"), "verify", "-c", config, "-s", subject)
	cmd.Env = append(os.Environ(), "RATIFY_CONFIG="+dir, "HOME="+dir, "DOCKER_CONFIG="+filepath.Join(dir, ".docker"),
		"RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS=1", "SSL_CERT_FILE="+ca)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("ratify verify: %v\nstdout: %s\nstderr: %s", err, stdout.Bytes(), stderr.Bytes())
	}
	t.Logf("ratify verify with a dynamic plugin: %v", time.Since(start).Round(time.Millisecond))
	rep, err := ratifytest.ParseReport(stdout.Bytes())
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr.Bytes())
	}
	rep.Stderr = stderr.String()
	return rep
}

// TestPluginsOCIDownloadedByRatify publishes wasm-composition with
// `make plugins-oci`, renders the chart with the values it writes (the
// plugin pinned by digest) and lets the real Ratify v1.4.6 download the
// plugin from the Verifier's source (RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS)
// and verify WASM artifacts with it. Moving the tag to another binary
// afterwards changes nothing: the pin holds.
func TestPluginsOCIDownloadedByRatify(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	host, ca := tlsFront(t, reg)
	built := ratifytest.PluginDir(t, "wasm-composition")
	valuesFile := pluginsOCI(t, "REGISTRY="+host, "ORAS_FLAGS=--ca-file "+ca, "PLUGINS_OCI_PREBUILT="+built, "PLUGINS_OCI_NAMES=wasm-composition")

	// Subjects: a nested component with its composition list, and one that
	// imports wasi:sockets, which the chart's default capability rule denies.
	nested, sockets := pushComposed(t, reg, "wasm/nested", "nested.wasm"), pushComposed(t, reg, "wasm/sockets", "sockets.wasm")

	vs := filepath.Join(chartDir(t), "ci", "03-preinstalled-inline-keys-values.yaml")
	objs := render(t, []string{vs, valuesFile}, "--set", "verifiers.composition.enabled=true")
	entry, v := verifierEntry(t, find(t, objs, "Verifier", "wasm-composition"))
	if v.Spec.Source == nil || !strings.HasPrefix(v.Spec.Source.Artifact, host+"/ratify-wasm/plugins/wasm-composition@sha256:") {
		t.Fatalf("Verifier source %+v, want the pushed artifact pinned by digest", v.Spec.Source)
	}

	run := func(subject string) (*ratifytest.Report, string) {
		pluginDir := t.TempDir()
		rep := ratifyWithVerifier(t, entry, pluginDir, ca, subject)
		return rep, filepath.Join(pluginDir, "wasm-composition")
	}
	rep, downloaded := run(nested)
	if got, want := sha256File(t, downloaded), sha256File(t, filepath.Join(built, "wasm-composition")); got != want {
		t.Errorf("Ratify downloaded a binary with sha256 %s, want the published %s", got, want)
	}
	comp := rep.One(t, "wasm-composition")
	if !rep.IsSuccess || !comp.IsSuccess || comp.Extensions["partCount"] == nil {
		t.Fatalf("want the downloaded plugin to pass the nested component\nreport: %s\nstderr: %s", rep.Raw, rep.Stderr)
	}
	rep, _ = run(sockets)
	if comp := rep.One(t, "wasm-composition"); rep.IsSuccess || comp.IsSuccess || comp.Extensions["failedCheck"] != "imports" {
		t.Fatalf("want the chart's denyImports (wasi:sockets/*) to refuse sockets.wasm\nreport: %s", rep.Raw)
	}

	// Another binary pushed under the same tag: the pinned digest still
	// gives the published plugin.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "wasm-composition"), []byte("#!/bin/sh\necho '{\"isSuccess\":true}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	moved := pluginsOCI(t, "REGISTRY="+host, "ORAS_FLAGS=--ca-file "+ca, "PLUGINS_OCI_PREBUILT="+other, "PLUGINS_OCI_NAMES=wasm-composition")
	if raw, _ := os.ReadFile(moved); bytes.Equal(raw, mustRead(t, valuesFile)) {
		t.Fatal("pushing another binary under the tag kept the digest")
	}
	rep, downloaded = run(sockets)
	if got, want := sha256File(t, downloaded), sha256File(t, filepath.Join(built, "wasm-composition")); got != want {
		t.Errorf("after the tag moved, Ratify downloaded sha256 %s, want the pinned %s", got, want)
	}
	if comp := rep.One(t, "wasm-composition"); comp.IsSuccess || comp.Extensions["failedCheck"] != "imports" {
		t.Fatalf("want the pinned plugin's verdict\nreport: %s", rep.Raw)
	}
}

// pushComposed pushes a fixture as a WASM artifact with its composition
// list attached, and returns its reference.
func pushComposed(t testing.TB, reg *registrytest.Registry, repo, fixture string) string {
	t.Helper()
	wasm := compositiontest.Fixture(t, fixture)
	l := compositiontest.List(t, wasm)
	layout := registrytest.WasmLayout{}
	for _, e := range l.Imports {
		layout.Imports = append(layout.Imports, e.Name)
	}
	for _, e := range l.Exports {
		layout.Exports = append(layout.Exports, e.Name)
	}
	subj, err := registrytest.PushWasm(context.Background(), reg, repo, "v1", wasm, layout)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reg.Repository(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := list.Attach(context.Background(), rep, subj, compositiontest.Encoded(t, wasm)); err != nil {
		t.Fatal(err)
	}
	return reg.Ref(repo, "v1")
}

// TestPluginsOCICloudFlavour publishes the cloud flavour of wasm-composition
// (-tags cloudauth) with `make plugins-oci PLUGINS_OCI_FLAVOUR=cloud`: the
// values it writes select that flavour, the chart points the Verifier at
// <plugin>-cloud, and the real Ratify downloads and runs that binary.
func TestPluginsOCICloudFlavour(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	host, ca := tlsFront(t, reg)
	built := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "cloudauth", "-o", built+"/", "./plugins/wasm-composition")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags cloudauth: %v\n%s", err, out)
	}
	valuesFile := pluginsOCI(t, "REGISTRY="+host, "ORAS_FLAGS=--ca-file "+ca, "PLUGINS_OCI_PREBUILT="+built, "PLUGINS_OCI_NAMES=wasm-composition", "PLUGINS_OCI_FLAVOUR=cloud")
	if !bytes.Contains(mustRead(t, valuesFile), []byte("flavour: cloud")) {
		t.Fatalf("values written by plugins-oci do not select the cloud flavour:\n%s", mustRead(t, valuesFile))
	}
	nested := pushComposed(t, reg, "wasm/nested", "nested.wasm")
	vs := filepath.Join(chartDir(t), "ci", "03-preinstalled-inline-keys-values.yaml")
	objs := render(t, []string{vs, valuesFile}, "--set", "verifiers.composition.enabled=true")
	entry, v := verifierEntry(t, find(t, objs, "Verifier", "wasm-composition"))
	if v.Spec.Source == nil || !strings.HasPrefix(v.Spec.Source.Artifact, host+"/ratify-wasm/plugins/wasm-composition-cloud@sha256:") {
		t.Fatalf("Verifier source %+v, want the cloud artifact pinned by digest", v.Spec.Source)
	}
	pluginDir := t.TempDir()
	rep := ratifyWithVerifier(t, entry, pluginDir, ca, nested)
	if got, want := sha256File(t, filepath.Join(pluginDir, "wasm-composition")), sha256File(t, filepath.Join(built, "wasm-composition")); got != want {
		t.Errorf("Ratify downloaded a binary with sha256 %s, want the cloud build %s", got, want)
	}
	if comp := rep.One(t, "wasm-composition"); !rep.IsSuccess || !comp.IsSuccess {
		t.Fatalf("want the cloud build to pass the nested component\nreport: %s\nstderr: %s", rep.Raw, rep.Stderr)
	}
}

func mustRead(t testing.TB, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
