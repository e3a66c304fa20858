// Command golden records the reports of real `ratify verify` runs (Ratify
// v1.4.6, the four plugins, the default policy) for every threat-matrix
// scenario into policies/ratify/testdata/golden/<scenario>/report.json,
// the input the Ratify policy's opa tests run on. `make policy-golden`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/supplychain"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

func main() {
	out := flag.String("out", "", "output directory (default <root>/policies/ratify/testdata/golden)")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

func run(out string) error {
	ctx := context.Background()
	tools, err := harness.FindTools()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(tools.Root, "policies", "ratify", "testdata", "golden")
	}
	dir, err := os.MkdirTemp("", "ratify-wasm-golden-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	reg, err := registrytest.LaunchDistribution(tools.Path("registry"), filepath.Join(dir, "registry"))
	if err != nil {
		return err
	}
	defer reg.Close()
	start := time.Now()
	world, err := supplychain.Build(ctx, tools, reg, dir)
	if err != nil {
		return err
	}
	log.Printf("published %d scenarios in %s", len(world.Scenarios), time.Since(start).Round(time.Millisecond))
	policy, err := tools.RatifyPolicy(world.Params)
	if err != nil {
		return err
	}
	ratify, err := harness.NewRatify(tools, filepath.Join(dir, "ratify"), harness.RatifyConfig{
		Verifiers: world.Verifiers, Policy: policy, Timeout: 20 * time.Second,
	})
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	for _, s := range world.Scenarios {
		v, err := ratify.TryVerify(s.Image)
		if err != nil {
			return err
		}
		if v.IsSuccess != s.Valid {
			return fmt.Errorf("scenario %s (%s): ratify verify says isSuccess=%t, the threat matrix says %t\n%s", s.Name, s.Threat, v.IsSuccess, s.Valid, v.Raw)
		}
		b, err := canonical(v.Raw)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		path := filepath.Join(out, s.Name, "report.json")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		log.Printf("%-15s isSuccess=%-5t %6s  %s", s.Name, v.IsSuccess, v.Elapsed.Round(time.Millisecond), s.Threat)
	}
	return nil
}

// canonical orders Ratify's report (which lists referrers and verifier
// reports in completion order) so that regenerating it gives readable
// diffs; nothing is added or removed.
func canonical(raw []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	sortReports(doc["verifierReports"])
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortReports(v any) {
	list, ok := v.([]any)
	if !ok {
		return
	}
	key := func(x any) string {
		m, _ := x.(map[string]any)
		return fmt.Sprint(m["artifactType"], m["referenceDigest"], m["name"])
	}
	sort.SliceStable(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			sortReports(m["verifierReports"])
			sortReports(m["nestedReports"])
		}
	}
}
