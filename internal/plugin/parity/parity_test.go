package parity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/credentials"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// parityPlugins are the binaries built both ways: every plugin, and the
// runtime's own test plugin (the one that passes against a bare registry).
// cloudPlugins are also built in the cloud flavour (-tags cloudauth): the
// flavours differ only in package credentials, which every plugin reaches
// through the same runtime.
var parityPlugins = map[string]string{
	"wasm-cosign":      "./plugins/wasm-cosign",
	"wasm-notation":    "./plugins/wasm-notation",
	"wasm-slsa":        "./plugins/wasm-slsa",
	"wasm-composition": "./plugins/wasm-composition",
	"wasm-smoke":       "./internal/plugin/testdata/wasm-smoke",
}

var cloudPlugins = []string{"wasm-smoke", "wasm-cosign"}

// The builds: the default flavour, the cloud flavour, and skel, which links
// Ratify's oras store and with it every auth provider Ratify has.
var parityBuilds = []struct{ sub, tags string }{{"native", ""}, {"cloud", "cloudauth"}, {"skel", "skelparity,cloudauth"}}

var (
	parityOnce sync.Once
	parityDir  string
	parityErr  error
)

// parityBuild builds every plugin with the native protocol (default build)
// and with Ratify's skel (-tags skelparity) into <dir>/native and
// <dir>/skel, and cloudPlugins into <dir>/cloud; go build's cache makes
// the second run cheap.
func parityBuild(t testing.TB) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	parityOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ratify-wasm-parity-")
		if err != nil {
			parityErr = err
			return
		}
		parityDir = dir
		for name, pkg := range parityPlugins {
			for _, v := range parityBuilds {
				if v.sub == "cloud" && !slices.Contains(cloudPlugins, name) {
					continue
				}
				cmd := exec.Command("go", "build", "-trimpath", "-tags="+v.tags, "-o", filepath.Join(dir, v.sub, name), pkg)
				cmd.Dir = root
				cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false")
				if out, err := cmd.CombinedOutput(); err != nil {
					parityErr = errors.New("go build " + v.tags + " " + pkg + ": " + err.Error() + "\n" + string(out))
					return
				}
			}
		}
	})
	if parityErr != nil {
		t.Fatal(parityErr)
	}
	return parityDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if parityDir != "" {
		os.RemoveAll(parityDir)
	}
	os.Exit(code)
}

// execPlugin runs bin with env (on top of a cleaned environment) and
// stdin, and returns its stdout and exit status.
func execPlugin(t testing.TB, bin string, env map[string]string, stdin []byte) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RATIFY_VERIFIER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.Bytes(), 0
	case errors.As(err, &exit):
		return stdout.Bytes(), exit.ExitCode()
	}
	t.Fatalf("%s: %v", bin, err)
	return nil, -1
}

// TestProtocolParity runs every plugin, built with the native protocol and
// with Ratify's skel, on the same environment and stdin, and requires the
// same stdout, byte for byte, and the same exit status.
func TestProtocolParity(t *testing.T) {
	dir := parityBuild(t)
	reg := registrytest.StartReferrers(t)
	ctx := context.Background()
	component := testenv.Fixture(t, "hello.component.wasm")
	subjectDesc, err := registrytest.PushWasm(ctx, reg, "wasm/app", "v1", component, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	referrer, err := registrytest.Attach(ctx, reg, "wasm/app", subjectDesc, mediatype.Smoke, []registrytest.Blob{{MediaType: "application/json", Data: []byte(`{}`)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	subject := reg.Ref("wasm/app", "v1")
	storeDir := t.TempDir()
	storeBin := filepath.Join(storeDir, "some-store")
	if err := os.WriteFile(storeBin, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	env := func(cmd, version, subj string) map[string]string {
		m := map[string]string{}
		for k, v := range map[string]string{"RATIFY_VERIFIER_COMMAND": cmd, "RATIFY_VERIFIER_VERSION": version, "RATIFY_VERIFIER_SUBJECT": subj} {
			if v != "" {
				m[k] = v
			}
		}
		return m
	}
	good := env("VERIFY", "1.0.0", subject)
	input := func(name string, store map[string]any, binDirs ...string) []byte {
		cfg := map[string]any{"name": "v-" + name, "type": name, "timeout": "20s"}
		if name == "wasm-smoke" {
			cfg["require"] = "component"
		}
		sc := map[string]any{"version": "1.0.0", "store": store}
		if binDirs != nil {
			sc["pluginBinDirs"] = binDirs
		}
		b, err := json.Marshal(map[string]any{
			"config":        cfg,
			"storeConfig":   sc,
			"referenceDesc": map[string]any{"mediaType": referrer.MediaType, "digest": referrer.Digest, "size": referrer.Size, "artifactType": mediatype.Smoke},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	oras := func() map[string]any {
		return map[string]any{"name": "oras", "useHttp": true, "localCachePath": filepath.Join(storeDir, "cache")}
	}
	with := func(k string, v any) map[string]any { s := oras(); s[k] = v; return s }

	type tc struct {
		name  string
		env   map[string]string
		stdin func(plugin string) []byte
	}
	valid := func(p string) []byte { return input(p, oras()) }
	cases := []tc{
		{"valid", good, valid},
		{"valid trailing data", good, func(p string) []byte { return append(valid(p), " trailing"...) }},
		{"no environment", nil, valid},
		{"no version", env("VERIFY", "", subject), valid},
		{"no command and no subject", env("", "1.0.0", ""), valid},
		{"unsupported version", env("VERIFY", "0.1.0", subject), valid},
		{"command other than VERIFY", env("ADD", "1.0.0", subject), valid},
		{"lower-case verify", env("verify", "1.0.0", subject), valid},
		{"bad subject", env("VERIFY", "1.0.0", "Not A//Reference"), valid},
		{"bad subject and version", env("VERIFY", "9", "UPPER/case:x"), valid},
		{"bad JSON", good, func(string) []byte { return []byte(`{"config": {`) }},
		{"empty stdin", good, func(string) []byte { return nil }},
		{"JSON array", good, func(string) []byte { return []byte(`[1,2]`) }},
		{"config not an object", good, func(string) []byte {
			return []byte(`{"config":"x","storeConfig":{"store":{"name":"oras"}}}`)
		}},
		{"missing verifier name", good, func(string) []byte {
			return []byte(`{"config":{"type":"t"},"storeConfig":{"store":{"name":"oras","useHttp":true}}}`)
		}},
		{"empty verifier name", good, func(string) []byte {
			return []byte(`{"config":{"name":""},"storeConfig":{"store":{"name":"oras","useHttp":true}}}`)
		}},
		{"no store", good, func(string) []byte { return []byte(`{"config":{"name":"v"}}`) }},
		{"store without name", good, func(p string) []byte { s := oras(); delete(s, "name"); return input(p, s) }},
		{"store name with a slash", good, func(p string) []byte { return input(p, with("name", "a/b")) }},
		{"store plugin not found", good, func(p string) []byte { return input(p, with("name", "nosuch"), storeDir) }},
		{"store plugin found", good, func(p string) []byte { return input(p, with("name", "some-store"), storeDir) }},
		{"store mistyped useHttp", good, func(p string) []byte { return input(p, with("useHttp", "yes")) }},
		{"store mistyped localCachePath", good, func(p string) []byte { return input(p, with("localCachePath", 5)) }},
		{"store source", good, func(p string) []byte { return input(p, with("source", map[string]any{"artifact": "x"})) }},
		{"unknown auth provider", good, func(p string) []byte { return input(p, with("authProvider", map[string]any{"name": "nosuch"})) }},
		{"oversized stdin", good, func(string) []byte { return bytes.Repeat([]byte(" "), plugin.MaxInputBytes+1) }},
		{"oversized stdin without environment", nil, func(string) []byte { return bytes.Repeat([]byte("x"), plugin.MaxInputBytes+1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for name := range parityPlugins {
				stdin := c.stdin(name)
				nOut, nCode := execPlugin(t, filepath.Join(dir, "native", name), c.env, stdin)
				sOut, sCode := execPlugin(t, filepath.Join(dir, "skel", name), c.env, stdin)
				if !bytes.Equal(nOut, sOut) || nCode != sCode {
					t.Errorf("%s: native and skel differ\nnative (exit %d): %q\nskel   (exit %d): %q", name, nCode, nOut, sCode, sOut)
					continue
				}
				if slices.Contains(cloudPlugins, name) {
					cOut, cCode := execPlugin(t, filepath.Join(dir, "cloud", name), c.env, stdin)
					if !bytes.Equal(cOut, sOut) || cCode != sCode {
						t.Errorf("%s: cloud flavour and skel differ\ncloud (exit %d): %q\nskel  (exit %d): %q", name, cCode, cOut, sCode, sOut)
					}
				}
				if c.name == "valid" && name == "wasm-smoke" && !bytes.Contains(nOut, []byte(`"isSuccess":true`)) {
					t.Errorf("%s: a valid verification did not pass: %s", name, nOut)
				}
				t.Logf("%s: exit %d: %.300q", name, nCode, nOut)
			}
		})
	}
	// Each auth provider name through every flavour: the cloud flavour
	// answers exactly as skel (both run Ratify's providers); the default
	// flavour answers dockerConfig and names nobody registers as skel does,
	// and refuses the cloud providers naming the flavour that has them.
	for _, provider := range append([]string{credentials.DockerConfig, "nosuch"}, credentials.CloudProviders...) {
		t.Run("auth provider "+provider, func(t *testing.T) {
			stdin := input("wasm-smoke", with("authProvider", map[string]any{"name": provider}))
			sOut, sCode := execPlugin(t, filepath.Join(dir, "skel", "wasm-smoke"), good, stdin)
			cOut, cCode := execPlugin(t, filepath.Join(dir, "cloud", "wasm-smoke"), good, stdin)
			if !bytes.Equal(cOut, sOut) || cCode != sCode {
				t.Errorf("cloud flavour and skel differ\ncloud (exit %d): %q\nskel  (exit %d): %q", cCode, cOut, sCode, sOut)
			}
			nOut, nCode := execPlugin(t, filepath.Join(dir, "native", "wasm-smoke"), good, stdin)
			if !slices.Contains(credentials.CloudProviders, provider) {
				if !bytes.Equal(nOut, sOut) || nCode != sCode {
					t.Errorf("default flavour and skel differ\nnative (exit %d): %q\nskel   (exit %d): %q", nCode, nOut, sCode, sOut)
				}
				return
			}
			if nCode != 1 || !bytes.Contains(nOut, []byte(provider)) || !bytes.Contains(nOut, []byte("cloud flavour")) || !bytes.Contains(nOut, []byte("-tags cloudauth")) {
				t.Errorf("default flavour: want a protocol error naming %s and the cloud flavour, got (exit %d) %q", provider, nCode, nOut)
			}
			t.Logf("default (exit %d): %.300q", nCode, nOut)
		})
	}
}

// BenchmarkStartup times an empty run (unsupported version: no input is
// decoded, nothing is fetched) of wasm-cosign, native and skel builds:
// the protocol layer's start-up cost. Run with -benchtime=50x.
func BenchmarkStartup(b *testing.B) {
	dir := parityBuild(b)
	env := map[string]string{"RATIFY_VERIFIER_COMMAND": "VERIFY", "RATIFY_VERIFIER_VERSION": "0.0.0", "RATIFY_VERIFIER_SUBJECT": "localhost:1/a/b:v1"}
	for _, v := range []string{"native", "skel"} {
		b.Run(v, func(b *testing.B) {
			bin := filepath.Join(dir, v, "wasm-cosign")
			execPlugin(b, bin, env, nil) // page cache
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, code := execPlugin(b, bin, env, nil); code != 1 {
					b.Fatalf("exit %d, want 1", code)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/exec")
		})
	}
}
