package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/sigtest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// verifyBundle runs the verify-bundle command with args.
func verifyBundle(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newVerifyBundleCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	t.Logf("verify-bundle %s: %q %v", strings.Join(args, " "), strings.TrimSpace(out.String()), err)
	return out.String(), err
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got success", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

// TestVerifyBundleCosignSignBlob verifies a message-signature bundle that
// the real cosign v3.1.3 CLI wrote with `sign-blob --key`.
func TestVerifyBundleCosignSignBlob(t *testing.T) {
	dir := t.TempDir()
	cosign := testenv.Bin(t, "cosign3")
	run := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, cosign, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "HOME="+dir, "TUF_ROOT="+filepath.Join(dir, ".sigstore"), "COSIGN_PASSWORD=")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("cosign %s: %v\n%s", args[0], err, out)
		}
	}
	run("generate-key-pair", "--output-key-prefix", filepath.Join(dir, "k"))
	run("generate-key-pair", "--output-key-prefix", filepath.Join(dir, "other"))
	sc := writeFile(t, dir, "sc.json", []byte(clitest.SigningConfigNoServices))
	blob := writeFile(t, dir, "hello.wasm", []byte("\x00asm\x01\x00\x00\x00"))
	bundle := filepath.Join(dir, "hello.sigstore.json")
	run("sign-blob", "--key", filepath.Join(dir, "k.key"), "--signing-config", sc, "--bundle", bundle, "-y", blob)

	// Signed with no log and no timestamp: refused by default, as cosign
	// verify does, against the embedded public-good root or a given one.
	_, err := verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "k.pub"), blob)
	wantErr(t, err, "tlog: signature has no transparency-log entry or RFC 3161 timestamp", "--insecure-ignore-tlog")
	root := sigtest.New(t).WriteTrustedRoot(t, dir)
	_, err = verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "k.pub"), "--trusted-root", root, blob)
	wantErr(t, err, "tlog: ", "--insecure-ignore-tlog")

	unlogged := []string{"--bundle", bundle, "--insecure-ignore-tlog", "--key"}
	out, err := verifyBundle(t, append(unlogged, filepath.Join(dir, "k.pub"), blob)...)
	if err != nil || !strings.HasPrefix(out, "warning: ") || !strings.Contains(out, "verified: message signed by key sha256:") {
		t.Fatalf("want a warning and verified, got %q %v", out, err)
	}
	raw, _ := os.ReadFile(blob)
	if _, err := verifyBundle(t, append(unlogged, filepath.Join(dir, "k.pub"), digest.FromBytes(raw).String())...); err != nil {
		t.Fatalf("by digest: %v", err)
	}

	_, err = verifyBundle(t, append(unlogged, filepath.Join(dir, "other.pub"), blob)...)
	wantErr(t, err, "signature: not signed by any of the 1 trusted key(s)")

	other := writeFile(t, dir, "other.wasm", []byte("\x00asm\x01\x00\x00\x00\x00"))
	_, err = verifyBundle(t, append(unlogged, filepath.Join(dir, "k.pub"), other)...)
	wantErr(t, err, "for "+other, "subject: message signature covers sha256:", ", not the subject "+digestOf(t, other))

	bad := writeFile(t, dir, "bad.json", []byte(`{"mediaType":`))
	_, err = verifyBundle(t, "--bundle", bad, "--insecure-ignore-tlog", "--key", filepath.Join(dir, "k.pub"), blob)
	wantErr(t, err, "not a valid sigstore bundle")
}

// TestVerifyBundleKeyless verifies a keyless DSSE bundle (Fulcio
// certificate, Rekor entry with SET and inclusion proof, RFC 3161
// timestamp) against a trusted root, offline.
func TestVerifyBundleKeyless(t *testing.T) {
	dir := t.TempDir()
	ss := sigtest.New(t)
	root := ss.WriteTrustedRoot(t, dir)
	artifact := writeFile(t, dir, "app.wasm", []byte("\x00asm\x0d\x00\x01\x00"))
	raw, _ := os.ReadFile(artifact)
	st := sigtest.Statement("https://slsa.dev/provenance/v1", "app.wasm", digest.FromBytes(raw), nil)
	bundle := writeFile(t, dir, "app.sigstore.json", ss.Bundle(t, "alice@example.com", "https://issuer.example.com", st, sigtest.LegacyOptions{}))
	id := []string{"--certificate-identity", "alice@example.com", "--certificate-oidc-issuer", "https://issuer.example.com"}

	args := append([]string{"--bundle", bundle, "--trusted-root", root}, id...)
	out, err := verifyBundle(t, append(args, artifact)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dsse signed by alice@example.com (issuer https://issuer.example.com)", "tlog index 0", "rfc3161 time", "predicate https://slsa.dev/provenance/v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q does not contain %q", out, want)
		}
	}

	// A certificate never logged in CT fails unless --insecure-ignore-sct.
	noSCT := writeFile(t, dir, "nosct.sigstore.json", ss.Bundle(t, "alice@example.com", "https://issuer.example.com", st, sigtest.LegacyOptions{NoSCT: true}))
	_, err = verifyBundle(t, append(append([]string{"--bundle", noSCT, "--trusted-root", root}, id...), artifact)...)
	wantErr(t, err, "sct: ")
	if _, err := verifyBundle(t, append(append([]string{"--bundle", noSCT, "--trusted-root", root, "--insecure-ignore-sct"}, id...), artifact)...); err != nil {
		t.Errorf("--insecure-ignore-sct: %v", err)
	}

	// Neither logged nor timestamped: refused, and there is no opt-out for
	// certificates.
	bare := writeFile(t, dir, "bare.sigstore.json", ss.Bundle(t, "alice@example.com", "https://issuer.example.com", st, sigtest.LegacyOptions{NoTlog: true, NoTSA: true}))
	_, err = verifyBundle(t, append(append([]string{"--bundle", bare, "--trusted-root", root}, id...), artifact)...)
	wantErr(t, err, "tlog: signature has no transparency-log entry or RFC 3161 timestamp")
	_, err = verifyBundle(t, append(append([]string{"--bundle", bare, "--trusted-root", root, "--insecure-ignore-tlog"}, id...), artifact)...)
	wantErr(t, err, "--insecure-ignore-tlog applies to --key only")

	_, err = verifyBundle(t, "--bundle", bundle, "--trusted-root", root, "--certificate-identity", "bob@example.com", "--certificate-oidc-issuer", "https://issuer.example.com", artifact)
	wantErr(t, err, "identity: ", `"alice@example.com"`)

	_, err = verifyBundle(t, append(args, digest.FromString("other").String())...)
	wantErr(t, err, "subject: ")

	// Without --trusted-root the public-good root is used, which does not
	// know this private instance's TSA, log or CA.
	_, err = verifyBundle(t, append(append([]string{"--bundle", bundle}, id...), artifact)...)
	wantErr(t, err, "timestamp: ", "does not verify against the trusted root")

	_, err = verifyBundle(t, append([]string{"--bundle", bundle, "--staging"}, append(id, artifact)...)...)
	wantErr(t, err, "--staging needs --trusted-root")

	// --key checks more than the signature: the timestamp must verify
	// against the trusted root given, or the public-good one by default.
	k := sigtest.NewKey(t, sigtest.ECDSAP256)
	pub := k.WritePublic(t, dir, "k.pub")
	stamped := writeFile(t, dir, "keyed.sigstore.json", ss.BundleWithKey(t, k, st))
	if out, err := verifyBundle(t, "--bundle", stamped, "--key", pub, "--trusted-root", root, artifact); err != nil || !strings.Contains(out, "rfc3161 time") {
		t.Fatalf("keyed, timestamped: %q %v", out, err)
	}
	_, err = verifyBundle(t, "--bundle", stamped, "--key", pub, artifact)
	wantErr(t, err, "timestamp: ")

	_, err = verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "missing.pub"), artifact)
	wantErr(t, err, "--key ", "missing.pub")
}

// TestVerifyBundlePublicGood verifies real bundles made on GitHub Actions
// with the public-good Fulcio and Rekor against the embedded snapshot of the
// public-good trusted root, offline, without --trusted-root.
func TestVerifyBundlePublicGood(t *testing.T) {
	const (
		issuer   = "https://token.actions.githubusercontent.com"
		goSigner = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v2.1.0"
	)
	for _, v := range []struct{ file, subject, signer string }{
		{"gha_go/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl", "sha256:f6ab7ad0c7549b5a4942c3b0690519d791c28c4c0f8b286208cb40da3322a066", goSigner},
		{"bcr/MODULE.bazel.intoto.jsonl", "sha256:06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b", "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1"},
	} {
		t.Run(filepath.Base(v.file), func(t *testing.T) {
			bundle := testenv.ThirdParty(t, "slsa-verifier/"+v.file)
			out, err := verifyBundle(t, "--bundle", bundle, "--certificate-identity", v.signer, "--certificate-oidc-issuer", issuer, v.subject)
			if err != nil || !strings.Contains(out, "verified: dsse signed by "+v.signer) || !strings.Contains(out, "tlog index") {
				t.Fatalf("got %q %v", out, err)
			}
			_, err = verifyBundle(t, "--bundle", bundle, "--certificate-identity", v.signer+"x", "--certificate-oidc-issuer", issuer, v.subject)
			wantErr(t, err, "identity: ")
			_, err = verifyBundle(t, "--bundle", bundle, "--certificate-identity", v.signer, "--certificate-oidc-issuer", issuer, digest.FromString("other").String())
			wantErr(t, err, "subject: ")
			// A root that does not hold the public-good material: the log
			// entry no longer counts, and the certificate does not chain.
			_, err = verifyBundle(t, "--bundle", bundle, "--trusted-root", sigtest.New(t).WriteTrustedRoot(t, t.TempDir()), "--certificate-identity", v.signer, "--certificate-oidc-issuer", issuer, v.subject)
			wantErr(t, err, "verify-bundle: ")
		})
	}
	out, err := verifyBundle(t, "--help")
	if err != nil || !strings.Contains(out, "public-good") || !strings.Contains(out, publicGoodDate) || !strings.Contains(out, "--insecure-ignore-tlog") {
		t.Errorf("--help does not say which root is used without --trusted-root: %q %v", out, err)
	}
}

func digestOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return digest.FromBytes(b).String()
}
