// Package e2e is the admission path end to end, without a cluster: a
// distribution registry with WASM artifacts published, signed, attested
// and listed by the real CLIs; the real `ratify serve` (v1.4.6) over TLS
// 1.3 with a generated CA, the four plugins and the default policy; and
// Gatekeeper's engine in process with the project's ConstraintTemplates,
// reviewing Pods. Each threat-matrix row is one assertion.
package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/gate"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/supplychain"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// env is the running admission path shared by the rows.
type env struct {
	tools  *harness.Tools
	world  *supplychain.World
	server *ratifytest.Server
	gate   *gate.Gate
	// ratifyConfig is the Ratify configuration every run uses.
	ratifyConfig harness.RatifyConfig
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	tools, err := harness.FindTools()
	if err != nil {
		t.Fatal(err) // never skip: a skipped e2e suite looks green
	}
	dir := t.TempDir()
	reg, err := registrytest.LaunchDistribution(tools.Path("registry"), filepath.Join(dir, "registry"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	start := time.Now()
	world, err := supplychain.Build(ctx, tools, reg, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("published %d scenarios with oras, cosign, notation and ratify-wasm in %s", len(world.Scenarios), time.Since(start).Round(time.Millisecond))
	policy, err := tools.RatifyPolicy(world.Params)
	if err != nil {
		t.Fatal(err)
	}
	ratifyConfig := harness.RatifyConfig{Verifiers: world.Verifiers, Policy: policy, Timeout: 20 * time.Second}
	ratify, err := harness.NewRatify(tools, filepath.Join(dir, "ratify"), ratifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	tlsDir, err := harness.NewTLSDir(filepath.Join(dir, "tls"))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	server, err := ratify.Serve(ctx, ratifytest.ServeOptions{CertDir: tlsDir.Dir, CAPEM: tlsDir.CAPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Stop)
	t.Logf("ratify serve answering at %s after %s", server.URL, time.Since(start).Round(time.Millisecond))
	g, err := gate.New(filepath.Join(tools.Root, "policies", "gatekeeper"), gate.Params{Policy: world.Params, AllowedPrefixes: world.AllowedPrefixes}, server.URL, server.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &env{tools: tools, world: world, server: server, gate: g, ratifyConfig: ratifyConfig}
}

func (e *env) review(t *testing.T, pod map[string]any) []string {
	t.Helper()
	start := time.Now()
	msgs, err := e.gate.Review(pod)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reviewed in %s: %d violation(s)", time.Since(start).Round(time.Millisecond), len(msgs))
	for _, m := range msgs {
		t.Logf("  %s", m)
	}
	return msgs
}

func TestAdmissionThreatMatrix(t *testing.T) {
	e := setup(t)

	for _, s := range e.world.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			msgs := e.review(t, gate.Pod("app", "wasmtime", s.Image))
			if s.Admit {
				if len(msgs) != 0 {
					t.Fatalf("%s: want admitted, got denied: %q", s.Threat, msgs)
				}
				return
			}
			if len(msgs) == 0 {
				t.Fatalf("%s: want denied, got admitted", s.Threat)
			}
			wantReason(t, msgs, s.Why)
			for _, m := range msgs {
				// A denial must come from the verification, not from the
				// machinery failing (a crashed plugin also denies).
				if strings.Contains(m, "plugin failed with error") || strings.Contains(m, "PLUGIN_INIT_FAILURE") {
					t.Errorf("denied because a plugin crashed, not because of the threat: %q", m)
				}
				if !strings.Contains(m, s.Image) && !strings.Contains(m, repository(s.Image)) {
					t.Errorf("denial does not name the image %s: %q", s.Image, m)
				}
			}
		})
	}

	t.Run("every_image_of_the_pod", func(t *testing.T) {
		pod := gate.Pod("app", "spin", e.world.Scenario("verified").Image)
		spec := pod["spec"].(map[string]any)
		spec["initContainers"] = []any{map[string]any{"name": "init", "image": e.world.Scenario("unsigned").Image}}
		spec["ephemeralContainers"] = []any{map[string]any{"name": "debug", "image": e.world.Scenario("sockets").Image}}
		msgs := e.review(t, pod)
		wantReason(t, msgs, e.world.Scenario("unsigned").Why)
		wantReason(t, msgs, e.world.Scenario("sockets").Why)
		for _, m := range msgs {
			if strings.Contains(m, "image "+e.world.Scenario("verified").Image+" ") {
				t.Errorf("the verified image is denied: %q", m)
			}
		}
	})

	t.Run("pod_without_wasm_runtime_class_is_untouched", func(t *testing.T) {
		if msgs := e.review(t, gate.Pod("app", "", e.world.Scenario("unsigned").Image)); len(msgs) != 0 {
			t.Fatalf("a pod without a WASM runtime class must not be looked at, got %q", msgs)
		}
		if msgs := e.review(t, gate.Pod("app", "runc", "nginx:latest")); len(msgs) != 0 {
			t.Fatalf("a runc pod must not be looked at, got %q", msgs)
		}
	})

	t.Run("ratify_answers_over_tls13", func(t *testing.T) {
		// The provider's own answer for the verified image, as Gatekeeper gets it.
		raw, err := e.server.Post(context.Background(), []string{e.world.Scenario("verified").Image})
		if err != nil {
			t.Fatal(err)
		}
		var resp struct {
			Response struct {
				Items []struct {
					Key   string `json:"key"`
					Value struct {
						IsSuccess bool `json:"isSuccess"`
					} `json:"value"`
				} `json:"items"`
			} `json:"response"`
		}
		if err := json.Unmarshal(raw, &resp); err != nil || len(resp.Response.Items) != 1 || !resp.Response.Items[0].Value.IsSuccess {
			t.Fatalf("ratify serve answer for the verified image: %v %s", err, raw)
		}
		// TLS 1.2 is refused: the provider speaks TLS 1.3 only.
		host := strings.TrimPrefix(strings.TrimSuffix(e.server.URL, ratifytest.VerifyPath), "https://")
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(e.server.CAPEM)
		if c, err := tls.Dial("tcp", host, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}); err == nil {
			c.Close()
			t.Fatal("ratify serve accepted a TLS 1.2 connection")
		}
		c, err := tls.Dial("tcp", host, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13})
		if err != nil {
			t.Fatalf("TLS 1.3 with the generated CA: %v", err)
		}
		c.Close()
	})

	t.Run("builtin_build_agrees", func(t *testing.T) { builtinAgrees(t, e) })
	t.Run("pull", func(t *testing.T) { pullGuards(t, e) })

	// Last: Ratify goes away. Admission fails closed.
	t.Run("ratify_unreachable", func(t *testing.T) {
		e.server.Stop()
		img := e.world.Scenario("verified").Image
		msgs := e.review(t, gate.Pod("app", "wasmtime", img))
		wantReason(t, msgs, []string{"RatifyWasmVerification: pod app (runtimeClassName wasmtime)", "could not verify images", img, "failed to send external data request"})
	})
}

// wantReason fails unless one message contains every part.
func wantReason(t *testing.T, msgs, parts []string) {
	t.Helper()
	for _, m := range msgs {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(m, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no denial contains all of %q; got %q", parts, msgs)
}

// repository is image without its tag or digest.
func repository(image string) string {
	if i := strings.LastIndex(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}
