// Package harness runs the real pieces of the admission path as processes:
// the distribution registry, `ratify verify` and `ratify serve` (v1.4.6)
// with the project's plugin binaries, over TLS with a generated CA. It
// does not import the root module (whose Ratify dependency graph conflicts
// with Gatekeeper's); it only runs what `make tools plugins cli` built.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// rootModule is the module path of the repository this module lives in.
const rootModule = "github.com/ratify-wasm/ratify-wasm"

// PluginDirEnv overrides where the plugin binaries are (as in the root
// module's ratifytest); the default is <root>/bin/plugins.
const PluginDirEnv = "RATIFY_WASM_PLUGIN_DIR"

// Root returns the repository root: the first directory at or above the
// working directory whose go.mod declares the root module.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if modulePath(filepath.Join(dir, "go.mod")) == rootModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s at or above the working directory", rootModule)
		}
		dir = parent
	}
}

func modulePath(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// Tools locates the binaries `make tools plugins cli` builds.
type Tools struct {
	Root    string
	Bin     string
	Plugins string
}

// FindTools checks that every binary the admission path needs exists, so
// a missing one is one clear error instead of a confusing failure later.
func FindTools() (*Tools, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	t := &Tools{Root: root, Bin: filepath.Join(root, "bin"), Plugins: filepath.Join(root, "bin", "plugins")}
	if d := os.Getenv(PluginDirEnv); d != "" {
		t.Plugins = d
	}
	var missing []string
	for _, name := range []string{"ratify", "registry", "cosign2", "notation", "oras", "opa", "ratify-wasm"} {
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

// errNotReady is what a readiness probe returns until the server answers.
var errNotReady = errors.New("not ready")
