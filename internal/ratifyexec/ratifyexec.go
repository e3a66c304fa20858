// Package ratifyexec runs Ratify v1.4.6 in process, with the four WASM
// verifiers built in (package builtin): a Ratify config.json is read as
// `ratify verify` reads it (stores, verifiers, policy provider, executor
// settings) and a subject is verified by Ratify's own executor. It is what
// `ratify-wasm verify` and `ratify-wasm pull` run: the same verdict as
// `ratify verify` with the plugin binaries, without a process per
// verification.
//
// Unlike `ratify verify`, a tag is resolved once, before anything is
// verified, and everything after that (the verification, the policy, the
// layers pull fetches) is about that one digest: a tag that moves while
// the verifiers run cannot make them vouch for two manifests.
package ratifyexec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/rego"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/config"
	e "github.com/ratify-project/ratify/pkg/executor"
	ef "github.com/ratify-project/ratify/pkg/executor/core"
	_ "github.com/ratify-project/ratify/pkg/policyprovider/configpolicy" // Ratify's policy providers, as its own main registers them
	_ "github.com/ratify-project/ratify/pkg/policyprovider/regopolicy"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // Ratify's oras store
	_ "github.com/ratify-project/ratify/pkg/verifier/cosign"    // and built-in verifiers
	_ "github.com/ratify-project/ratify/pkg/verifier/notation"

	"github.com/ratify-wasm/ratify-wasm/internal/builtin"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

var registerOnce sync.Once

// Verifier verifies subjects under one Ratify configuration.
type Verifier struct {
	executor ef.Executor
	// regoPolicy is the regoPolicy provider's text; empty for others.
	regoPolicy string
	// Registry reads what the configuration's oras store reads, with its
	// settings (useHttp, authProvider, localCachePath).
	Registry oci.Fetcher
}

// Load reads the Ratify configuration at path (empty: Ratify's default,
// $RATIFY_CONFIG/config.json or ~/.ratify/config.json).
func Load(path string) (*Verifier, error) {
	registerOnce.Do(builtin.Register)
	cf, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	config.CRLConf = cf.CRLConfig
	stores, verifiers, policy, err := config.CreateFromConfig(cf)
	if err != nil {
		return nil, fmt.Errorf("ratify configuration %s: %w", path, err)
	}
	if len(stores) != 1 {
		return nil, fmt.Errorf("ratify configuration %s: key \"store.plugins\" has %d stores; expected one oras store", path, len(stores))
	}
	opts, err := plugin.OptionsFromStore(stores[0].GetConfig().Store)
	if err != nil {
		return nil, fmt.Errorf("ratify configuration %s: %w", path, err)
	}
	v := &Verifier{
		executor: ef.Executor{Verifiers: verifiers, ReferrerStores: stores, PolicyEnforcer: policy, Config: &cf.ExecutorConfig},
		Registry: oci.New(opts),
	}
	if p := cf.PoliciesConfig.PolicyPlugin; p["name"] == "regoPolicy" {
		v.regoPolicy, err = regoText(p)
		if err != nil {
			return nil, fmt.Errorf("ratify configuration %s: %w", path, err)
		}
	}
	return v, nil
}

// Verification is what Verify found out about one subject.
type Verification struct {
	// Subject is repository@digest, the manifest that was verified.
	Subject    string
	Repository string
	Descriptor ocispec.Descriptor
	// IsSuccess is the policy's verdict.
	IsSuccess bool
	// Report is Ratify's result, as `ratify verify` prints it.
	Report json.RawMessage
	// Reasons are the policy's reasons (the regoPolicy's `reasons` rule,
	// as in policies/ratify/wasm.rego); nil for other policies.
	Reasons []string
	// Passed names the verifiers with at least one passing report.
	Passed []string
}

// Verify resolves reference once and verifies the digest it names.
func (v *Verifier) Verify(ctx context.Context, reference string) (*Verification, error) {
	desc, err := v.Registry.Resolve(ctx, reference)
	if err != nil {
		return nil, err
	}
	repo := oci.Repository(reference)
	subject := repo + "@" + desc.Digest.String()
	result, err := v.executor.VerifySubject(ctx, e.VerifyParameters{Subject: subject})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", subject, err)
	}
	report, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	out := &Verification{Subject: subject, Repository: repo, Descriptor: desc, IsSuccess: result.IsSuccess, Report: report}
	var parsed struct {
		VerifierReports []any `json:"verifierReports"`
	}
	if err := json.Unmarshal(report, &parsed); err != nil {
		return nil, err
	}
	out.Passed = passed(parsed.VerifierReports)
	if v.regoPolicy != "" {
		if out.Reasons, err = reasons(ctx, v.regoPolicy, parsed.VerifierReports); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ErrRefused is wrapped by Refusal.
var ErrRefused = errors.New("refused")

// Refusal is nil for an admitted subject, and otherwise says why not on
// one line: the policy's first reason, and how many more there are.
func (v *Verification) Refusal() error {
	switch {
	case v.IsSuccess:
		return nil
	case len(v.Reasons) == 0:
		return fmt.Errorf("%s: %w by Ratify's policy (ratify-wasm verify prints the report)", v.Subject, ErrRefused)
	case len(v.Reasons) == 1:
		return fmt.Errorf("%s: %w: %s", v.Subject, ErrRefused, v.Reasons[0])
	}
	return fmt.Errorf("%s: %w: %s (and %d more reasons; ratify-wasm verify lists them)", v.Subject, ErrRefused, v.Reasons[0], len(v.Reasons)-1)
}

// regoText is the policy text of a regoPolicy entry ("policy" inline, or
// "policyPath"), read as Ratify's provider reads it.
func regoText(p map[string]any) (string, error) {
	if s, _ := p["policy"].(string); s != "" {
		return s, nil
	}
	path, _ := p["policyPath"].(string)
	b, err := readPolicy(path)
	if err != nil {
		return "", fmt.Errorf("key \"policy.plugin.policyPath\": %w", err)
	}
	return string(b), nil
}

// reasons evaluates the policy's `reasons` rule on the input Ratify gives
// its `valid` rule; a policy without one has none.
func reasons(ctx context.Context, policy string, reports []any) ([]string, error) {
	rs, err := rego.New(
		rego.Query("data.ratify.policy.reasons"),
		rego.Module("policy.rego", policy),
		rego.Input(map[string]any{"verifierReports": reports}),
	).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy reasons: %w", err)
	}
	var out []string
	for _, r := range rs {
		for _, ex := range r.Expressions {
			list, _ := ex.Value.([]any)
			for _, s := range list {
				out = append(out, fmt.Sprint(s))
			}
		}
	}
	return out, nil
}

// passed collects the names of verifiers with a passing report at any
// depth of Ratify's nested reports.
func passed(reports []any) []string {
	seen := map[string]bool{}
	var out []string
	var walk func([]any)
	walk = func(rs []any) {
		for _, r := range rs {
			m, _ := r.(map[string]any)
			if ok, _ := m["isSuccess"].(bool); ok {
				if name, _ := m["name"].(string); name != "" && !seen[name] {
					seen[name] = true
					out = append(out, name)
				}
			}
			if nested, ok := m["verifierReports"].([]any); ok {
				walk(nested)
			}
			if nested, ok := m["nestedReports"].([]any); ok {
				walk(nested)
			}
		}
	}
	walk(reports)
	return out
}
