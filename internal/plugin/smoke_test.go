package plugin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// TestRatifyVerifySmoke runs the real `ratify verify` (v1.4.6) against both
// test registries with a plugin built on this runtime and checks that the
// plugin's result, message and extensions reach Ratify's report.
func TestRatifyVerifySmoke(t *testing.T) {
	root := testenv.RepoRoot(t)
	pluginDir := ratifytest.BuildPackage(t, "./internal/plugin/testdata/wasm-smoke", "wasm-smoke")
	component, err := os.ReadFile(filepath.Join(root, "examples", "fixtures", "hello.component.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	core, err := os.ReadFile(filepath.Join(root, "examples", "fixtures", "hello.core.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		ctx := context.Background()
		pushed := map[string]string{}
		push := func(repo string, wasm []byte) string {
			desc, err := registrytest.PushWasm(ctx, reg, repo, "v1", wasm, registrytest.WasmLayout{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := registrytest.Attach(ctx, reg, repo, desc, mediatype.Smoke, []registrytest.Blob{{MediaType: "application/json", Data: []byte(`{}`)}}, nil); err != nil {
				t.Fatal(err)
			}
			pushed[repo] = desc.Digest.String()
			return reg.Ref(repo, "v1")
		}
		cfg := ratifytest.Config{
			PluginDirs: []string{pluginDir},
			Verifiers:  []map[string]any{{"name": "smoke", "type": "wasm-smoke", "artifactTypes": mediatype.Smoke, "require": "component"}},
		}
		env := ratifytest.NewEnv(t, cfg)

		rep := env.Verify(t, push("wasm/component", component))
		got := rep.One(t, "smoke")
		if !rep.IsSuccess || !got.IsSuccess || got.Extensions["kind"] != "component" || got.Extensions["layout"] != "cncf" {
			t.Fatalf("component: want success with kind=component layout=cncf, got %+v\n%s", got, rep.Raw)
		}
		// Ratify hands the plugin the tag, not the digest it resolved; the
		// plugin reports the manifest it resolved the tag to.
		if got.Extensions["manifestDigest"] != pushed["wasm/component"] {
			t.Errorf("component: manifestDigest = %v, want %s", got.Extensions["manifestDigest"], pushed["wasm/component"])
		}
		if got.Extensions["parts"].(float64) < 2 {
			t.Errorf("component: want nested parts reported, got %v", got.Extensions["parts"])
		}

		rep = env.Verify(t, push("wasm/core", core))
		got = rep.One(t, "smoke")
		if rep.IsSuccess || got.IsSuccess || !strings.Contains(got.Message, "kind: ") || !strings.Contains(got.Message, "expected a component") {
			t.Fatalf("core module: want failure naming the kind check, got %+v", got)
		}
		if got.Extensions["failedCheck"] != "kind" || got.Extensions["manifestDigest"] != pushed["wasm/core"] {
			t.Errorf("core module: want failedCheck=kind and manifestDigest %s, got %v", pushed["wasm/core"], got.Extensions)
		}
	})
}
