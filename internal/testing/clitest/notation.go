package clitest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// TestCertIdentity is the subject `notation cert generate-test wasm.example`
// gives its certificate, as a trust policy's trustedIdentities entry.
const TestCertIdentity = "x509.subject: CN=wasm.example, O=Notary, L=Seattle, ST=WA, C=US"

// Notation is the notation v1.3.2 CLI (bin/notation) with a private home:
// $XDG_CONFIG_HOME/notation holds keys, signingkeys.json and the trust store.
type Notation struct {
	Home string
	bin  string
	env  []string
}

// NewNotation returns a notation home in dir.
func NewNotation(t testing.TB, dir string) *Notation {
	t.Helper()
	return &Notation{Home: dir, bin: testenv.Bin(t, "notation"), env: append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HOME="+dir)}
}

// ConfigDir is $XDG_CONFIG_HOME/notation.
func (n *Notation) ConfigDir() string { return filepath.Join(n.Home, "config", "notation") }

// TestCertPath is the certificate `notation cert generate-test wasm.example` writes.
func (n *Notation) TestCertPath() string {
	return filepath.Join(n.ConfigDir(), "localkeys", "wasm.example.crt")
}

// Run runs notation with args, failing the test on a non-zero exit.
func (n *Notation) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.run(args...)
	if err != nil {
		t.Fatalf("notation %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (n *Notation) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.bin, args...)
	cmd.Env = n.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

var (
	testCertOnce sync.Once
	testCertCLI  *Notation
	testCertErr  string
)

// TestCertNotation returns a notation home holding the default signing key
// "wasm.example" from `notation cert generate-test --default`, made once per
// test process (RSA key generation is the slow part); tests must not change
// its configuration. A package using it calls RemoveShared from TestMain.
func TestCertNotation(t testing.TB) *Notation {
	t.Helper()
	testCertOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ratify-wasm-notation-")
		if err != nil {
			testCertErr = err.Error()
			return
		}
		n := NewNotation(t, dir)
		if out, err := n.run("cert", "generate-test", "--default", "wasm.example"); err != nil {
			testCertErr = err.Error() + ": " + out
			return
		}
		testCertCLI = n
	})
	if testCertCLI == nil {
		t.Fatalf("notation cert generate-test: %s", testCertErr)
	}
	return testCertCLI
}

// RemoveShared deletes the home TestCertNotation made, if any.
func RemoveShared() {
	if testCertCLI != nil {
		os.RemoveAll(testCertCLI.Home)
	}
}
