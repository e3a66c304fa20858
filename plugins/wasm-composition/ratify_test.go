package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// cosignKey generates a key pair with the real cosign v2.6.5 CLI.
func cosignKey(t *testing.T) (dir string, env []string) {
	dir = t.TempDir()
	env = append(os.Environ(), "HOME="+dir, "DOCKER_CONFIG="+filepath.Join(dir, ".docker"), "COSIGN_PASSWORD=composition-test")
	cmd := exec.Command(testenv.Bin(t, "cosign2"), "generate-key-pair")
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	return dir, env
}

// cosignSign signs ref (a digest reference) with the key in dir, without a
// transparency log: a legacy .sig tag next to the signed manifest.
func cosignSign(t *testing.T, dir string, env []string, ref string) {
	cmd := exec.Command(testenv.Bin(t, "cosign2"), "sign", "--key", filepath.Join(dir, "cosign.key"),
		"--tlog-upload=false", "--allow-http-registry", "-y", ref)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign sign %s: %v\n%s", ref, err, out)
	}
}

// pushWithList pushes wasm (CNCF layout with the interface it really has)
// and attaches its composition list; it returns the subject's and the
// list's digest references.
func pushWithList(t *testing.T, reg *registrytest.Registry, repo string, wasm []byte) (string, string) {
	ctx := context.Background()
	l := compositiontest.List(t, wasm)
	layout := registrytest.WasmLayout{}
	for _, e := range l.Imports {
		layout.Imports = append(layout.Imports, e.Name)
	}
	for _, e := range l.Exports {
		layout.Exports = append(layout.Exports, e.Name)
	}
	subj, err := registrytest.PushWasm(ctx, reg, repo, "v1", wasm, layout)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reg.Repository(repo)
	if err != nil {
		t.Fatal(err)
	}
	list, err := list.Attach(ctx, rep, subj, compositiontest.Encoded(t, wasm))
	if err != nil {
		t.Fatal(err)
	}
	return reg.Ref(repo, subj.Digest.String()), reg.Ref(repo, list.Digest.String())
}

// ratifyConfig verifies with the project's policy (policies/ratify/wasm.rego
// through render.sh) without the provenance requirement: wasm-composition for
// the list, wasm-cosign for the subject's and the list's signatures.
func ratifyConfig(t *testing.T, keyDir string) ratifytest.Config {
	return ratifytest.Config{
		CosignEnabled: true,
		Policy:        ratifytest.RegoPolicy(ratifytest.ProjectPolicy(t, map[string]any{"provenance": map[string]any{"required": false}})),
		Verifiers: []map[string]any{
			{
				"name": "wasm-composition", "artifactTypes": mediatype.CompositionList,
				"denyImports":    []string{"wasi:sockets/*"},
				"requireExports": []string{"ratify:example/answer@0.1"},
			},
			{
				"name": "wasm-cosign", "artifactTypes": mediatype.CosignSignature,
				"trustPolicies": []map[string]any{{
					"name": "default", "scopes": []string{"*"},
					"keys": []map[string]any{{"file": filepath.Join(keyDir, "cosign.pub")}}, "insecureIgnoreTlog": true,
				}},
			},
		},
	}
}

// listSignature is the one wasm-cosign report on the list's own signature
// (nested under the list, depth 1), or fails.
func listSignature(t *testing.T, rep *ratifytest.Report, list string) ratifytest.VerifierReport {
	t.Helper()
	var got []ratifytest.VerifierReport
	for _, v := range rep.Named("wasm-cosign") {
		if v.Depth == 1 {
			got = append(got, v)
		}
	}
	if len(got) != 1 || !strings.HasSuffix(got[0].Subject, list[strings.LastIndex(list, "@"):]) {
		t.Fatalf("want one wasm-cosign report nested under the list %s, got %+v\nreport: %s", list, got, rep.Raw)
	}
	return got[0]
}

// TestRatifyVerifySignedList runs the real `ratify verify` (v1.4.6) with
// the project's regoPolicy: the subject and its composition list are signed
// with cosign (key, no tlog), wasm-cosign checks the list's signature as a
// nested report of the list, and wasm-composition checks the list against
// the binary.
func TestRatifyVerifySignedList(t *testing.T) {
	keyDir, cosignEnv := cosignKey(t)
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		env := ratifytest.NewEnv(t, ratifyConfig(t, keyDir))

		// The nested composition with its signed list passes.
		subject, list := pushWithList(t, reg, "wasm/nested", compositiontest.Fixture(t, "nested.wasm"))
		cosignSign(t, keyDir, cosignEnv, subject)
		cosignSign(t, keyDir, cosignEnv, list)
		start := time.Now()
		rep := env.Verify(t, subject)
		t.Logf("ratify verify (composition + nested cosign): %s", time.Since(start))
		comp := rep.One(t, "wasm-composition")
		sig := listSignature(t, rep, list)
		if !rep.IsSuccess || !comp.IsSuccess || !sig.IsSuccess {
			t.Fatalf("want success with both reports successful\nreport: %s\nstderr: %s", rep.Raw, rep.Stderr)
		}
		if comp.Depth != 0 || comp.ArtifactType != mediatype.CompositionList || comp.Extensions["partCount"] != 5.0 || comp.Extensions["declaredInterface"] != "matched" {
			t.Errorf("composition report: %+v", comp)
		}

		// sockets.wasm with its own correctly signed list: the signature
		// holds, the capability policy does not.
		subject, list = pushWithList(t, reg, "wasm/sockets", compositiontest.Fixture(t, "sockets.wasm"))
		cosignSign(t, keyDir, cosignEnv, subject)
		cosignSign(t, keyDir, cosignEnv, list)
		rep = env.Verify(t, subject)
		comp, sig = rep.One(t, "wasm-composition"), listSignature(t, rep, list)
		if rep.IsSuccess || comp.IsSuccess || !sig.IsSuccess || comp.Extensions["failedCheck"] != "imports" {
			t.Fatalf("want failure by the capability policy only\nreport: %s", rep.Raw)
		}

		// An unsigned list passes wasm-composition but not the policy,
		// though the subject itself is signed.
		subject, _ = pushWithList(t, reg, "wasm/unsigned", compositiontest.Fixture(t, "nested.wasm"))
		cosignSign(t, keyDir, cosignEnv, subject)
		rep = env.Verify(t, subject)
		nested := 0
		for _, v := range rep.Named("wasm-cosign") {
			if v.Depth > 0 {
				nested++
			}
		}
		subjectSigned := false
		for _, v := range rep.Named("wasm-cosign") {
			subjectSigned = subjectSigned || (v.Depth == 0 && v.IsSuccess)
		}
		if rep.IsSuccess || !rep.One(t, "wasm-composition").IsSuccess || nested != 0 || !subjectSigned {
			t.Fatalf("want failure for lack of a signature\nreport: %s", rep.Raw)
		}
	})
}
