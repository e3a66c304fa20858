package notation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// TestScopesMatchTheCanonicalRepository: however the subject's host is
// spelled, the statement scoped to its canonical repository applies, not a
// catch-all at a weaker level.
func TestScopesMatchTheCanonicalRepository(t *testing.T) {
	t.Parallel()
	cli := testCertCLI(t)
	r := registrytest.StartReferrers(t)
	repo := "myorg/app"
	subject := pushWasm(t, r, repo)
	sig := cli.sign(t, r, repo, subject)
	_, port, _ := strings.Cut(r.Host, ":")
	canonical := "localhost:" + port + "/" + repo
	other := newRootCA(t, "Not The Signer")
	cfg := map[string]any{
		"trustPolicyDoc": policyDoc(
			statement("app", []string{canonical}, map[string]any{"level": "strict"}, []string{"ca:wasm.example"}, identity),
			statement("catch-all", []string{"*"}, map[string]any{"level": "audit"}, []string{"ca:other"}, "*"),
		),
		"trustStores": map[string]any{"ca": map[string]any{
			"wasm.example": []string{cli.testCertPath()},
			"other":        []string{writePEM(t, t.TempDir(), "other.pem", other.cert)},
		}},
	}
	for _, host := range []string{"localhost:" + port, "LOCALHOST:" + port, "LocalHost:" + port} {
		t.Run(host, func(t *testing.T) {
			res := runPlugin(t, host+"/"+repo+"@"+subject.Digest.String(), sig, cfg)
			ratifytest.WantPass(t, res)
			if res.Extensions["trustPolicy"] != "app" || res.Extensions["verificationLevel"] != "strict" {
				t.Errorf("%s selected statement %v (level %v); want \"app\" (strict) as for %s", host, res.Extensions["trustPolicy"], res.Extensions["verificationLevel"], canonical)
			}
		})
	}
}

// TestWeakLevelsAreMarked: every pass says at which level it was verified,
// and a pass whose authenticity check failed but was only logged says so
// in loggedFailures, so a policy can tell it from strict evidence. The
// signature is a real self-signed one (`notation cert generate-test`).
func TestWeakLevelsAreMarked(t *testing.T) {
	t.Parallel()
	cli := testCertCLI(t)
	r := registrytest.StartReferrers(t)
	repo := "wasm/levels"
	subject := pushWasm(t, r, repo)
	sig := cli.sign(t, r, repo, subject)
	ref := r.Ref(repo, subject.Digest.String())
	trusted := map[string]any{"ca": map[string]any{"wasm.example": []string{cli.testCertPath()}}}
	// A trust store that does not hold the self-signed certificate.
	untrusted := map[string]any{"ca": map[string]any{"wasm.example": []string{writePEM(t, t.TempDir(), "other.pem", newRootCA(t, "Other Root").cert)}}}
	doc := func(v map[string]any) map[string]any {
		return policyDoc(statement("wasm", []string{"*"}, v, []string{"ca:wasm.example"}, identity))
	}
	for _, c := range []struct {
		name   string
		v      map[string]any
		stores map[string]any
		logged []string
	}{
		{"strict", map[string]any{"level": "strict"}, trusted, nil},
		{"audit-untrusted", map[string]any{"level": "audit"}, untrusted, []string{"authenticity"}},
		{"audit-trusted", map[string]any{"level": "audit"}, trusted, nil},
		{"strict-override-authenticity-log", map[string]any{"level": "strict", "override": map[string]any{"authenticity": "log"}}, untrusted, []string{"authenticity"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := runPlugin(t, ref, sig, map[string]any{"trustPolicyDoc": doc(c.v), "trustStores": c.stores})
			ratifytest.WantPass(t, res)
			if res.Extensions["verificationLevel"] != c.v["level"] {
				t.Errorf("verificationLevel = %v, want %v", res.Extensions["verificationLevel"], c.v["level"])
			}
			got, ok := res.Extensions["loggedFailures"].([]any)
			if !ok || fmt.Sprint(got) != fmt.Sprint(strSlice(c.logged)) {
				t.Errorf("loggedFailures = %#v, want %v", res.Extensions["loggedFailures"], c.logged)
			}
		})
	}
	t.Run("skip-level", func(t *testing.T) {
		res := runPlugin(t, ref, sig, map[string]any{"trustPolicyDoc": policyDoc(statement("skip", []string{"*"}, map[string]any{"level": "skip"}, nil)), "trustStores": trusted})
		if !res.IsSuccess || res.Extensions["verificationLevel"] != "skip" || res.Extensions["skipped"] != "verification-level-skip" {
			t.Errorf("skip-level pass: %v", res.Extensions)
		}
	})
	t.Run("not-wasm-skip", func(t *testing.T) {
		img, err := registrytest.PushWasm(context.Background(), r, "wasm/image", "v1", []byte("not wasm"), registrytest.WasmLayout{Format: registrytest.ContainerImage})
		if err != nil {
			t.Fatal(err)
		}
		isig := cli.sign(t, r, "wasm/image", img)
		res := runPlugin(t, r.Ref("wasm/image", img.Digest.String()), isig, map[string]any{"trustPolicyDoc": doc(map[string]any{"level": "strict"}), "trustStores": trusted, "nonWasmSubjects": "skip"})
		if !res.IsSuccess || res.Extensions["verificationLevel"] != "skip" || res.Extensions["skipped"] != "not-wasm" {
			t.Errorf("not-wasm skip: %v", res.Extensions)
		}
	})
}

func strSlice(s []string) []any {
	out := []any{}
	for _, v := range s {
		out = append(out, v)
	}
	return out
}
