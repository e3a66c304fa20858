package harness

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderPolicy: policies/ratify/render.sh (for users) and RenderPolicy
// (for the tests and the demo) render the same text, opa parses it and the
// parameters are the ones the policy uses.
func TestRenderPolicy(t *testing.T) {
	tools, err := FindTools()
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{
		"signature":       map[string]any{"require": "all"},
		"minimumVersions": map[string]any{"ghcr.io/myorg/app": "1.2.0"},
		"deniedDigests":   []any{"sha256:" + strings.Repeat("0", 64)},
	}
	raw, _ := json.Marshal(params)
	dir := t.TempDir()
	paramsFile := filepath.Join(dir, "params.json")
	if err := os.WriteFile(paramsFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	fromScript, err := Cmd{Bin: filepath.Join(tools.Root, "policies", "ratify", "render.sh"), Args: []string{paramsFile}}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fromGo, err := tools.RatifyPolicy(params)
	if err != nil {
		t.Fatal(err)
	}
	if fromScript != fromGo {
		t.Fatalf("render.sh and RenderPolicy differ:\n--- render.sh\n%s\n--- RenderPolicy\n%s", fromScript, fromGo)
	}
	if strings.Count(fromGo, "parameters := ") != 1 {
		t.Fatalf("want exactly one parameters rule:\n%s", fromGo)
	}
	policy := filepath.Join(dir, "policy.rego")
	if err := os.WriteFile(policy, []byte(fromGo), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := Cmd{Bin: tools.Path("opa"), Args: []string{"eval", "--format", "raw", "-d", policy, "data.ratify.policy.params"}}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Signature struct {
			Require   string   `json:"require"`
			Verifiers []string `json:"verifiers"`
		} `json:"signature"`
		MinimumVersions map[string]string `json:"minimumVersions"`
		Provenance      struct {
			Required bool `json:"required"`
		} `json:"provenance"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// Rendered values win; what they leave out keeps its default.
	if got.Signature.Require != "all" || len(got.Signature.Verifiers) != 2 || got.MinimumVersions["ghcr.io/myorg/app"] != "1.2.0" || !got.Provenance.Required {
		t.Fatalf("merged parameters: %s", out)
	}

	if _, err := RenderPolicy("package ratify.policy\n", params); err == nil {
		t.Fatal("a policy without the parameters block must be refused")
	}
	if _, err := (Cmd{Bin: filepath.Join(tools.Root, "policies", "ratify", "render.sh"), Args: []string{paramsFile, paramsFile}}).Run(context.Background()); err == nil {
		t.Fatal("render.sh must refuse a file without the parameters block")
	}
}
