// Package policies_test runs the Ratify configuration of policies/README.md
// (policies/examples/ratify-config.json) with the project's policy.
package policies_test

import (
	"os"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/docstest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/releasetest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	clitest.RemoveShared()
	os.Exit(code)
}

// TestReadmeRatifyConfig runs policies/examples/ratify-config.json as a
// whole config.json through `ratify verify`, with the policy rendered by
// policies/ratify/render.sh from the README's params.json (ghcr.io being the
// test registry). Its store has no useHttp, so the registry is served over
// TLS (docstest.TLSFront). A release with both signatures, provenance and a
// signed composition list passes; the same without signatures, and with a
// cosign signature that has no transparency-log entry or timestamp (the
// file keeps the secure default, trustedRoot, and no insecureIgnoreTlog),
// are refused.
func TestReadmeRatifyConfig(t *testing.T) {
	r := registrytest.StartReferrers(t)
	host := docstest.TLSFront(t, r)
	ss := sigtest.New(t)
	dir := t.TempDir()
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	notation := clitest.TestCertNotation(t)
	policy := ratifytest.ProjectPolicy(t, map[string]any{
		"allowedRepositories": []string{host + "/myorg"},
		"minimumVersions":     map[string]string{host + "/myorg/payments": "1.2.0"},
		"deniedDigests":       []string{},
	})
	env := ratifytest.NewEnvFile(t, docstest.Load(t, "policies/examples/ratify-config.json", map[string]string{
		"/opt/ratify-wasm/plugins":                   ratifytest.PluginDir(t),
		"/etc/ratify/wasm-policy.rego":               policy,
		"ghcr.io":                                    host,
		"/etc/ratify-wasm/cosign.pub":                k.WritePublic(t, dir, "cosign.pub"),
		"/etc/ratify-wasm/trusted_root.json":         ss.WriteTrustedRoot(t, dir),
		"/etc/ratify-wasm/notation/wasm.example.crt": notation.TestCertPath(),
	}))

	rep := env.Verify(t, releasetest.Publish(t, r, host, "myorg/payments", ss, k, releasetest.Release{Cosign: true, Notation: true}))
	if !rep.IsSuccess {
		t.Fatalf("released artifact: want isSuccess true\n%s\n%s", rep.Raw, rep.Stderr)
	}
	for _, name := range []string{"wasm-cosign", "wasm-notation", "wasm-slsa", "wasm-composition"} {
		passed := false
		for _, v := range subjectReports(rep, name) {
			_, skipped := v.Extensions[plugin.ExtSkipped]
			passed = passed || (v.IsSuccess && !skipped)
		}
		if !passed {
			t.Errorf("released artifact: no verified %s report on the subject\n%s", name, rep.Raw)
		}
	}

	// Attested and listed like the release: only the signatures are missing.
	rep = env.Verify(t, releasetest.Publish(t, r, host, "myorg/unsigned", ss, k, releasetest.Release{}))
	if rep.IsSuccess || len(subjectReports(rep, "wasm-cosign"))+len(subjectReports(rep, "wasm-notation")) != 0 {
		t.Errorf("attested and listed, unsigned: want isSuccess false and no signature report\n%s", rep.Raw)
	}

	rep = env.Verify(t, releasetest.Publish(t, r, host, "myorg/unlogged", ss, k, releasetest.Release{Cosign: true, CosignOpts: sigtest.LegacyOptions{NoTlog: true, NoTSA: true}}))
	subjectSig := subjectReports(rep, "wasm-cosign")
	if rep.IsSuccess || len(subjectSig) != 1 || subjectSig[0].Extensions[plugin.ExtFailedCheck] != "tlog" {
		t.Errorf("cosign signature without log entry or timestamp: want isSuccess false with a tlog failure, got %t %+v\n%s", rep.IsSuccess, subjectSig, rep.Raw)
	}
}

// subjectReports are the reports of verifier name on the subject's own
// referrers (not on the composition list's).
func subjectReports(rep *ratifytest.Report, name string) []ratifytest.VerifierReport {
	var out []ratifytest.VerifierReport
	for _, v := range rep.Named(name) {
		if v.Depth == 0 {
			out = append(out, v)
		}
	}
	return out
}
