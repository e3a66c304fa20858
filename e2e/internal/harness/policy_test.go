package harness

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderPolicy: RatifyPolicy (for the tests and the demo) renders
// through policies/ratify/render.sh (for users): the policy file, then one
// `parameters := <JSON>` rule; opa parses it and the parameters are the
// ones the policy uses.
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
	script := filepath.Join(tools.Root, "policies", "ratify", "render.sh")
	fromScript, err := Cmd{Bin: script, Args: []string{paramsFile}}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fromGo, err := tools.RatifyPolicy(params)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(tools.Root, "policies", "ratify", "wasm.rego"))
	if err != nil {
		t.Fatal(err)
	}
	if want := string(file) + "\nparameters := " + string(raw) + "\n"; fromScript != want || fromGo != want {
		t.Fatalf("render.sh and RatifyPolicy must append one parameters rule to the policy file:\n--- render.sh\n%s\n--- RatifyPolicy\n%s", fromScript, fromGo)
	}
	if strings.Count(fromGo, "\nparameters := ") != 1 {
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

	// Refused: a policy without the default to override (or already
	// rendered), and parameters that are not one JSON object.
	rendered := filepath.Join(dir, "rendered.rego")
	if err := os.WriteFile(rendered, []byte(fromGo), 0o600); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "list.json")
	if err := os.WriteFile(list, []byte(`["wasm-cosign"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{paramsFile, paramsFile}, {paramsFile, rendered}, {list}} {
		if out, err := (Cmd{Bin: script, Args: args}).Run(context.Background()); err == nil {
			t.Errorf("render.sh %q must refuse: %s", args, out)
		}
	}
}
