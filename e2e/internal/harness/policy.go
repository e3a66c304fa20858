package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// RatifyPolicy returns policies/ratify/wasm.rego rendered with params by
// policies/ratify/render.sh (the one renderer the Helm chart is checked
// against): the file, then one `parameters := <params as JSON>` rule.
func (t *Tools) RatifyPolicy(params map[string]any) (string, error) {
	if params == nil {
		params = map[string]any{}
	}
	js, err := json.Marshal(params)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "ratify-policy-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "params.json")
	if err := os.WriteFile(file, js, 0o600); err != nil {
		return "", err
	}
	out, err := Cmd{Bin: filepath.Join(t.Root, "policies", "ratify", "render.sh"), Args: []string{file}}.Run(context.Background())
	if err != nil {
		return "", fmt.Errorf("render.sh: %w", err)
	}
	return out, nil
}

// PolicyReasons evaluates data.ratify.policy.reasons of policy (a rendered
// policies/ratify/wasm.rego) for a `ratify verify` report with bin/opa:
// why Ratify's policy said no, one sentence each.
func (t *Tools) PolicyReasons(ctx context.Context, dir, policy string, report []byte) ([]string, error) {
	f, err := os.CreateTemp(dir, "policy-*.rego")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(policy); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	in, err := os.CreateTemp(dir, "report-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(in.Name())
	if _, err := in.Write(report); err != nil {
		in.Close()
		return nil, err
	}
	in.Close()
	out, err := Cmd{Bin: t.Path("opa"), Args: []string{"eval", "--format", "raw", "-d", f.Name(), "-i", in.Name(), "data.ratify.policy.reasons"}}.Run(ctx)
	if err != nil {
		return nil, err
	}
	var reasons []string
	if err := json.Unmarshal([]byte(out), &reasons); err != nil {
		return nil, fmt.Errorf("opa eval reasons: %w: %s", err, out)
	}
	sort.Strings(reasons)
	return reasons, nil
}
