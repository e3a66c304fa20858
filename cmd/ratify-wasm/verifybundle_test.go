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

	"github.com/ratify-wasm/ratify-wasm/internal/sigverify/sigtest"
	"github.com/ratify-wasm/ratify-wasm/internal/testenv"
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
	sc := writeFile(t, dir, "sc.json", []byte(`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","rekorTlogConfig":{},"tsaConfig":{}}`))
	blob := writeFile(t, dir, "hello.wasm", []byte("\x00asm\x01\x00\x00\x00"))
	bundle := filepath.Join(dir, "hello.sigstore.json")
	run("sign-blob", "--key", filepath.Join(dir, "k.key"), "--signing-config", sc, "--bundle", bundle, "-y", blob)

	out, err := verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "k.pub"), blob)
	if err != nil || !strings.HasPrefix(out, "verified: message signed by key sha256:") {
		t.Fatalf("want verified, got %q %v", out, err)
	}
	raw, _ := os.ReadFile(blob)
	if _, err := verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "k.pub"), digest.FromBytes(raw).String()); err != nil {
		t.Fatalf("by digest: %v", err)
	}

	_, err = verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "other.pub"), blob)
	wantErr(t, err, "signature: not signed by any of the 1 trusted key(s)")

	other := writeFile(t, dir, "other.wasm", []byte("\x00asm\x01\x00\x00\x00\x00"))
	_, err = verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "k.pub"), other)
	wantErr(t, err, "for "+other, "subject: message signature covers sha256:", ", not the subject "+digestOf(t, other))

	bad := writeFile(t, dir, "bad.json", []byte(`{"mediaType":`))
	_, err = verifyBundle(t, "--bundle", bad, "--key", filepath.Join(dir, "k.pub"), blob)
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

	args := append([]string{"--bundle", bundle, "--trusted-root", root, "--insecure-ignore-sct"}, id...)
	out, err := verifyBundle(t, append(args, artifact)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dsse signed by alice@example.com (issuer https://issuer.example.com)", "tlog index 0", "rfc3161 time", "predicate https://slsa.dev/provenance/v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q does not contain %q", out, want)
		}
	}

	// Fulcio certificates carry SCTs; the VirtualSigstore's do not.
	_, err = verifyBundle(t, append(append([]string{"--bundle", bundle, "--trusted-root", root}, id...), artifact)...)
	wantErr(t, err, "sct: ")

	_, err = verifyBundle(t, "--bundle", bundle, "--trusted-root", root, "--insecure-ignore-sct", "--certificate-identity", "bob@example.com", "--certificate-oidc-issuer", "https://issuer.example.com", artifact)
	wantErr(t, err, "identity: ", `"alice@example.com"`)

	_, err = verifyBundle(t, append(args, digest.FromString("other").String())...)
	wantErr(t, err, "subject: ")

	_, err = verifyBundle(t, append([]string{"--bundle", bundle, "--staging"}, append(id, artifact)...)...)
	wantErr(t, err, "--trusted-root is required")

	_, err = verifyBundle(t, "--bundle", bundle, "--key", filepath.Join(dir, "missing.pub"), artifact)
	wantErr(t, err, "--key ", "missing.pub")
}

func digestOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return digest.FromBytes(b).String()
}
