package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"github.com/ratify-wasm/ratify-wasm/internal/version"
)

// TestVersionCommand: `version` and `--version` print the one version
// variable (in a test binary, the "(devel)" default).
func TestVersionCommand(t *testing.T) {
	want := "ratify-wasm version " + version.Version + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out, err := runCLI(t, args...); err != nil || out != want {
			t.Errorf("ratify-wasm %v: %q, %v; want %q", args, out, err, want)
		}
	}
}

// TestVersionLinked builds the CLI with `make cli` (the Makefile's -ldflags
// -X, cached by go build) into a temporary folder with VERSION set, and
// checks that the version commands and the generator of a composition list
// report the linked value, not "(devel)".
func TestVersionLinked(t *testing.T) {
	const linked = "9.8.7-linked"
	root := testenv.RepoRoot(t)
	bin := t.TempDir()
	cmd := exec.Command("make", "-s", "cli", "VERSION="+linked, "BIN="+bin)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make cli: %v\n%s", err, out)
	}
	cli := filepath.Join(bin, "ratify-wasm")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, args...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ratify-wasm %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	want := "ratify-wasm version " + linked + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if got := run(args...); got != want {
			t.Errorf("ratify-wasm %v: %q, want %q", args, got, want)
		}
	}
	var l list.List
	if err := json.Unmarshal([]byte(run("composition", "create", testenv.FixturePath(t, "hello.component.wasm"))), &l); err != nil {
		t.Fatal(err)
	}
	if l.Generator != (list.Generator{Name: "ratify-wasm", Version: linked}) {
		t.Errorf("composition list generator %+v, want version %q", l.Generator, linked)
	}
}
