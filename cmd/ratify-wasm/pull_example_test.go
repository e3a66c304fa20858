package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"sigs.k8s.io/yaml"

	"github.com/ratify-wasm/ratify-wasm/admitted"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/releasetest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

// The digests the examples in examples/pull name (the README's record
// example: admitted/testdata/pulled), replaced by the test release's.
const (
	exampleManifestHex = "37fbbb94f53924b1927a8ee649f2d8ce910eb74e9d39d92faf6ae8dadccedced"
	exampleLayerHex    = "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476"
)

// TestPullExamples runs the README's `ratify-wasm verify` / `pull` examples
// as written, with the placeholders of package docstest substituted:
// examples/pull/ratify.json (policies/examples/ratify-config.json without
// pluginBinDirs: the verifiers are built in) is the configuration; the
// ExecStartPre line of examples/pull/payments.service is run as the command
// line it is (the built ratify-wasm, its flags parsed by pull's own flag
// set), and the record its ExecStart hands the host is the one pull wrote
// and package admitted accepts; the file:// image of examples/pull/wadm.yaml
// is the layer pull wrote, with the verified bytes. An unsigned artifact is
// refused by pull with one line and nothing written. The registry is
// served over TLS (docstest.TLSFront): the configuration's store has no
// useHttp.
func TestPullExamples(t *testing.T) {
	r := registrytest.StartReferrers(t)
	host := docstest.TLSFront(t, r)
	ss := sigtest.New(t)
	dir := t.TempDir()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	policy := ratifytest.ProjectPolicy(t, map[string]any{
		"allowedRepositories": []string{host + "/myorg"},
		"minimumVersions":     map[string]string{host + "/myorg/payments": "1.2.0"},
		"deniedDigests":       []string{},
	})
	config := filepath.Join(dir, "ratify.json")
	if err := os.WriteFile(config, docstest.Load(t, "examples/pull/ratify.json", map[string]string{
		"/etc/ratify/wasm-policy.rego":               policy,
		"ghcr.io":                                    host,
		"/etc/ratify-wasm/cosign.pub":                k.WritePublic(t, dir, "cosign.pub"),
		"/etc/ratify-wasm/trusted_root.json":         ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/notation/wasm.example.crt": clitest.TestCertNotation(t).TestCertPath(),
	}), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(ratifytest.BuildPackage(t, "./cmd/ratify-wasm", "ratify-wasm"), "ratify-wasm")
	home := t.TempDir()
	run := func(argv []string) (string, error) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	ref := releasetest.Publish(t, r, host, "myorg/payments", ss, k, releasetest.Release{Cosign: true, Notation: true})
	manifest := digest.Digest(ref[strings.LastIndex(ref, "@")+1:])
	out := filepath.Join(dir, "var-lib-payments-wasm")

	// ratify-wasm verify, with the same configuration.
	vout, err := run([]string{bin, "verify", ref, "--config", config})
	var v struct {
		Subject   string   `json:"subject"`
		IsSuccess bool     `json:"isSuccess"`
		Reasons   []string `json:"reasons"`
	}
	if err != nil || json.Unmarshal([]byte(vout), &v) != nil || !v.IsSuccess || v.Subject != ref || len(v.Reasons) != 0 {
		t.Fatalf("ratify-wasm verify %s: %v\n%s", ref, err, vout)
	}

	// The unit, as systemd would run it.
	unit := string(docstest.Load(t, "examples/pull/payments.service", map[string]string{
		"/usr/local/bin/ratify-wasm":   bin,
		"ghcr.io":                      host,
		"/etc/ratify-wasm/ratify.json": config,
		"/var/lib/payments/wasm":       out,
		exampleManifestHex:             manifest.Encoded(),
	}))
	pre, start := unitCommand(t, unit, "ExecStartPre"), unitCommand(t, unit, "ExecStart")
	if len(pre) < 2 || pre[0] != bin || pre[1] != "pull" {
		t.Fatalf("ExecStartPre is not `ratify-wasm pull …`: %q", pre)
	}
	cmd := newPullCmd()
	if err := cmd.ParseFlags(pre[2:]); err != nil {
		t.Fatalf("ExecStartPre: flags ratify-wasm pull does not define: %v", err)
	}
	if args := cmd.Flags().Args(); len(args) != 1 || args[0] != ref {
		t.Errorf("ExecStartPre: arguments %q, want the reference %s", args, ref)
	}
	if o, _ := cmd.Flags().GetString("output"); o != out {
		t.Errorf("ExecStartPre: -o %q, want %s", o, out)
	}
	if c, _ := cmd.Flags().GetString("config"); c != config {
		t.Errorf("ExecStartPre: --config %q, want %s", c, config)
	}
	pout, err := run(pre)
	if err != nil {
		t.Fatalf("ExecStartPre: %v\n%s", err, pout)
	}
	t.Logf("ExecStartPre printed:\n%s", pout)
	record := filepath.Join(out, admitted.RecordName(manifest))
	if i := indexOf(start, "--record"); i < 0 || i+1 >= len(start) || start[i+1] != record {
		t.Fatalf("ExecStart %q does not hand the host --record %s", start, record)
	}
	wasm, layer, err := admitted.LoadLayer(record)
	if err != nil {
		t.Fatalf("the host package refuses what ExecStartPre wrote: %v", err)
	}

	// The wasmCloud manifest names the layer pull wrote.
	var app struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Components []struct {
				Type       string `json:"type"`
				Properties struct {
					Image string `json:"image"`
				} `json:"properties"`
			} `json:"components"`
		} `json:"spec"`
	}
	raw := docstest.Load(t, "examples/pull/wadm.yaml", map[string]string{
		"ghcr.io":                host,
		"/var/lib/payments/wasm": out,
		exampleManifestHex:       manifest.Encoded(),
		exampleLayerHex:          layer.Digest.Encoded(),
	})
	if err := yaml.Unmarshal(raw, &app); err != nil {
		t.Fatalf("examples/pull/wadm.yaml: %v", err)
	}
	if app.APIVersion != "core.oam.dev/v1beta1" || app.Kind != "Application" || len(app.Spec.Components) != 1 || app.Spec.Components[0].Type != "component" {
		t.Fatalf("examples/pull/wadm.yaml is not one wadm component: %+v", app)
	}
	image := app.Spec.Components[0].Properties.Image
	file, ok := strings.CutPrefix(image, "file://")
	if !ok || file != filepath.Join(out, layer.File) {
		t.Fatalf("wadm image %q, want file://%s", image, filepath.Join(out, layer.File))
	}
	if b, err := admitted.ReadFile(file, layer.Digest, layer.Size); err != nil || !bytes.Equal(b, wasm) {
		t.Fatalf("wadm image file: %v", err)
	}

	// Refused: the same release without signatures.
	unsigned := releasetest.Publish(t, r, host, "myorg/unsigned", ss, k, releasetest.Release{})
	refusedDir := filepath.Join(dir, "refused")
	rout, err := run([]string{bin, "pull", unsigned, "--config", config, "-o", refusedDir})
	lines := strings.Split(strings.TrimSpace(rout), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(lines[0], "refused") {
		t.Fatalf("pull of an unsigned artifact: %v\n%s", err, rout)
	}
	if _, err := os.Stat(refusedDir); !os.IsNotExist(err) {
		t.Errorf("pull of an unsigned artifact left %s: %v", refusedDir, err)
	}
	t.Logf("refused: %s", lines[0])
}

func TestMain(m *testing.M) {
	code := m.Run()
	clitest.RemoveShared()
	os.Exit(code)
}

// unitCommand returns the command line of the unit's key= line, split
// into words (the examples use no quoting).
func unitCommand(t *testing.T, unit, key string) []string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+"="); ok {
			return strings.Fields(v)
		}
	}
	t.Fatalf("the unit has no %s= line", key)
	return nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
