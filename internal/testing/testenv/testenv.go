// Package testenv locates the repository and the tools that `make tools`
// builds into ./bin, for use from tests, and starts servers from them on
// free loopback ports (Process, FreeAddr).
//
// Missing tools fail the test rather than skip it: a skipped e2e test looks
// green in CI while testing nothing.
package testenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ModulePath is the module path of this repository.
const ModulePath = "github.com/ratify-wasm/ratify-wasm"

// RepoRoot returns the directory holding this repository's go.mod, found by
// walking up from the current working directory (a package directory under
// `go test`). It fails the test if there is none.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Root is RepoRoot for code without a testing.TB (the e2e programs).
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testenv: getwd: %w", err)
	}
	root, ok := findRoot(wd)
	if !ok {
		return "", fmt.Errorf("testenv: no go.mod with module %s at or above %s", ModulePath, wd)
	}
	return root, nil
}

// findRoot walks up from dir to the first directory whose go.mod declares
// ModulePath. Nested modules with other paths (e.g. tools/notation) are skipped.
func findRoot(dir string) (string, bool) {
	dir = filepath.Clean(dir)
	for {
		if modulePath(filepath.Join(dir, "go.mod")) == ModulePath {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// modulePath returns the module path declared in the go.mod file at path, or
// "" if the file is missing or has no module line.
func modulePath(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		rest = strings.TrimSpace(rest)
		if unq, err := strconv.Unquote(rest); err == nil {
			rest = unq
		}
		return rest
	}
	return ""
}

// Bin returns <root>/bin/<name>. It fails the test (never skips) if the file
// is missing, pointing at `make tools`.
func Bin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "bin", name)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("missing %s: run `make tools`", p)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("%s is not an executable file: run `make tools`", p)
	}
	return p
}

// ThirdParty returns the path of testdata/third_party/<rel>: public test
// vectors copied into the repository with their licences (see the README
// beside each set). It fails the test if the path does not exist.
func ThirdParty(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "testdata", "third_party", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("missing test vectors: %v", err)
	}
	return p
}

// Fixture reads examples/fixtures/<name>, a WASM fixture built by the
// project (`make fixtures`).
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(FixturePath(t, name))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

// FixturePath is the path of examples/fixtures/<name>.
func FixturePath(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "examples", "fixtures", name)
}
