package e2e

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
)

// builtinAgrees is the differential test of the compiled-in build: every
// threat-matrix scenario through stock `ratify verify` with the plugin
// binaries and through `ratify-builtin verify` (the same configuration,
// no plugin binaries) gives the same verdict and the same per-verifier
// results, messages and extensions included.
func builtinAgrees(t *testing.T, e *env) {
	dir := t.TempDir()
	stock, err := harness.NewRatify(e.tools, filepath.Join(dir, "stock"), e.ratifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := harness.NewRatifyBuiltin(e.tools, filepath.Join(dir, "builtin"), e.ratifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range e.world.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			want, err := stock.TryVerify(s.Image)
			if err != nil {
				t.Fatal(err)
			}
			got, err := builtin.TryVerify(s.Image)
			if err != nil {
				t.Fatal(err)
			}
			if got.IsSuccess != want.IsSuccess {
				t.Errorf("verdict: builtin %t, plugins %t\nbuiltin: %s\nplugins: %s", got.IsSuccess, want.IsSuccess, got.Raw, want.Raw)
			}
			g, w := comparable(got.Verifiers), comparable(want.Verifiers)
			if !reflect.DeepEqual(g, w) {
				gj, _ := json.MarshalIndent(g, "", " ")
				wj, _ := json.MarshalIndent(w, "", " ")
				t.Errorf("per-verifier results differ\nbuiltin: %s\nplugins: %s", gj, wj)
			}
			t.Logf("%d verifier results agree (verdict %t; builtin %s, plugins %s)", len(g), got.IsSuccess, got.Elapsed, want.Elapsed)
		})
	}
}

// comparable orders reports by where they are and who made them; Ratify
// runs verifiers concurrently, so their order in the report is not fixed.
func comparable(vs []ratifytest.VerifierReport) []ratifytest.VerifierReport {
	out := append([]ratifytest.VerifierReport(nil), vs...)
	key := func(v ratifytest.VerifierReport) string {
		return v.Subject + "\x00" + v.ArtifactType + "\x00" + v.ReferenceDigest + "\x00" + v.Name
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}
