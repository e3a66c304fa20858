package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Markers of the parameters block in policies/ratify/wasm.rego.
const (
	beginParams = "# BEGIN PARAMETERS"
	endParams   = "# END PARAMETERS"
)

// RatifyPolicy returns policies/ratify/wasm.rego with its parameters block
// replaced by params (what policies/ratify/render.sh and the Helm chart do).
func (t *Tools) RatifyPolicy(params map[string]any) (string, error) {
	b, err := os.ReadFile(filepath.Join(t.Root, "policies", "ratify", "wasm.rego"))
	if err != nil {
		return "", err
	}
	return RenderPolicy(string(b), params)
}

// RenderPolicy replaces the lines between the parameter markers of policy
// with `parameters := <params as JSON>`.
func RenderPolicy(policy string, params map[string]any) (string, error) {
	begin := strings.Index(policy, beginParams+"\n")
	end := strings.Index(policy, endParams)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("policy has no %q ... %q block", beginParams, endParams)
	}
	if params == nil {
		params = map[string]any{}
	}
	js, err := json.Marshal(params)
	if err != nil {
		return "", err
	}
	block := beginParams + "\nparameters := " + string(js) + "\n\n"
	return policy[:begin] + block + policy[end:], nil
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
