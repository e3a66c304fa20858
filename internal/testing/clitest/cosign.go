// Package clitest drives the real signing CLIs that `make tools` builds into
// ./bin (cosign v2.6.5 as cosign2, cosign v3.1.3 as cosign3) from tests,
// each in a private home that keeps them offline.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// SigningConfigNoServices is a sigstore signing config that makes cosign v3
// sign with a key and nothing else: no Fulcio, Rekor or TSA (cosign v3
// `--signing-config`, see
// https://github.com/sigstore/cosign/blob/main/doc/cosign_sign.md).
const SigningConfigNoServices = `{"mediaType":"` + mediatype.SigstoreSigningConfig + `","rekorTlogConfig":{},"tsaConfig":{}}`

// Cosign is a private cosign home: HOME, TUF root and docker config in a
// temporary directory, keys without a password.
type Cosign struct {
	Dir string
	env []string
}

// NewCosign returns a fresh cosign home.
func NewCosign(t testing.TB) *Cosign {
	t.Helper()
	dir := t.TempDir()
	return &Cosign{Dir: dir, env: append(os.Environ(),
		"HOME="+dir, "TUF_ROOT="+filepath.Join(dir, ".sigstore"),
		"DOCKER_CONFIG="+filepath.Join(dir, ".docker"), "COSIGN_PASSWORD=")}
}

// Run runs bin ("cosign2" or "cosign3") with args and extra environment
// variables, failing the test on a non-zero exit; it returns the output.
func (c *Cosign) Run(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Bin(t, bin), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(append([]string{}, c.env...), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out.String())
	}
	t.Logf("%s %s (%v)", bin, args[0], time.Since(start).Round(time.Millisecond))
	return out.String()
}

// KeyPair generates a key pair named name and returns the private and
// public key paths.
func (c *Cosign) KeyPair(t testing.TB, name string) (key, pub string) {
	t.Helper()
	prefix := filepath.Join(c.Dir, name)
	c.Run(t, "cosign2", nil, "generate-key-pair", "--output-key-prefix", prefix)
	return prefix + ".key", prefix + ".pub"
}

// WriteJSON writes v as JSON into the home and returns the path, e.g. a
// predicate for `cosign attest --predicate`.
func (c *Cosign) WriteJSON(t testing.TB, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(c.Dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
