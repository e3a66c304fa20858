// Package harness is what the admission path needs beyond the root module's
// shared test support (internal/testing: the distribution registry,
// `ratify verify` and `ratify serve` with the project's plugin binaries,
// processes on free ports): the binaries `make tools plugins cli` built,
// CLI runs, a generated CA for TLS and policy rendering.
package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// Tools locates the binaries `make tools plugins cli` builds.
type Tools struct {
	Root    string
	Bin     string
	Plugins string
}

// FindTools checks that every binary the admission path needs exists, so
// a missing one is one clear error instead of a confusing failure later.
func FindTools() (*Tools, error) {
	root, err := testenv.Root()
	if err != nil {
		return nil, err
	}
	t := &Tools{Root: root, Bin: filepath.Join(root, "bin"), Plugins: filepath.Join(root, "bin", "plugins")}
	if d := os.Getenv(ratifytest.PluginDirEnv); d != "" {
		t.Plugins = d
	}
	var missing []string
	for _, name := range []string{"ratify", "registry", "cosign2", "notation", "oras", "opa", "ratify-wasm", "ratify-builtin"} {
		if _, err := os.Stat(t.Path(name)); err != nil {
			missing = append(missing, t.Path(name))
		}
	}
	for _, name := range []string{"wasm-cosign", "wasm-notation", "wasm-slsa", "wasm-composition"} {
		if _, err := os.Stat(filepath.Join(t.Plugins, name)); err != nil {
			missing = append(missing, filepath.Join(t.Plugins, name))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing binaries (run `make tools plugins cli`): %s", strings.Join(missing, ", "))
	}
	return t, nil
}

// Path is <root>/bin/<name>.
func (t *Tools) Path(name string) string { return filepath.Join(t.Bin, name) }

// Fixture is <root>/examples/fixtures/<name>.
func (t *Tools) Fixture(name string) string {
	return filepath.Join(t.Root, "examples", "fixtures", name)
}

// Cmd is one CLI invocation: binary, arguments, environment and directory.
type Cmd struct {
	Bin  string
	Args []string
	Env  []string
	Dir  string
}

// Run runs c with a deadline and returns its combined output; the error
// carries the command line and output.
func (c Cmd) Run(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, c.Args...)
	cmd.Dir, cmd.Env = c.Dir, append(os.Environ(), c.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(c.Bin), strings.Join(c.Args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
