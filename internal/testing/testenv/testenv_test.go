package testenv

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	if got := modulePath(filepath.Join(root, "go.mod")); got != ModulePath {
		t.Fatalf("go.mod at %s declares %q, want %q", root, got, ModulePath)
	}
	// This package lives at <root>/internal/testing/testenv.
	wd, _ := os.Getwd()
	if want := filepath.Join(root, "internal", "testing", "testenv"); wd != want {
		t.Fatalf("working dir %s, want %s", wd, want)
	}
}

func TestFindRootSkipsOtherModules(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), "// comment\nmodule \""+ModulePath+"\" // trailing\n\ngo 1.26.0\n")
	write(filepath.Join(dir, "tools", "x", "go.mod"), "module example.com/tools/x\n")
	write(filepath.Join(dir, "tools", "x", "sub", "keep"), "")
	got, ok := findRoot(filepath.Join(dir, "tools", "x", "sub"))
	if !ok || got != dir {
		t.Fatalf("findRoot = %q, %v; want %q", got, ok, dir)
	}
	if _, ok := findRoot(t.TempDir()); ok {
		t.Fatalf("findRoot found a root in an unrelated directory")
	}
}

func TestModulePathEdgeCases(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "go.mod")
	for in, want := range map[string]string{
		"module example.com/a\n":          "example.com/a",
		"moduleexample.com/a\n":           "",
		"\tmodule\texample.com/b // x\n":  "example.com/b",
		"go 1.26\n":                       "",
		"module \"example.com/quoted\"\n": "example.com/quoted",
	} {
		if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := modulePath(p); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := modulePath(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("modulePath(missing) = %q", got)
	}
}

func TestBinAndThirdParty(t *testing.T) {
	// bin/registry is built by `make tools`; a missing tool must fail, not skip.
	p := Bin(t, "registry")
	if filepath.Base(p) != "registry" || filepath.Dir(p) != filepath.Join(RepoRoot(t), "bin") {
		t.Fatalf("Bin = %s", p)
	}
	for _, set := range []string{"component-model", "slsa-verifier"} {
		for _, f := range []string{"README.md", "LICENSE"} {
			ThirdParty(t, set+"/"+f) // every copied vector set carries its source and licence
		}
	}
	tb := &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		ThirdParty(tb, "no-such-set")
	}()
	if !strings.Contains(tb.msg, "missing test vectors") {
		t.Errorf("ThirdParty of a missing set: %q, want a failure", tb.msg)
	}
}

// fakeTB records Fatalf instead of stopping the goroutine, so the failure
// path of Bin can be tested.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = format
	if len(args) > 0 {
		f.msg = fmt.Sprintf(format, args...)
	}
	panic(fakeFatal{})
}

type fakeFatal struct{}

func TestBinMissingFails(t *testing.T) {
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fakeFatal); !ok {
					panic(r)
				}
			}
		}()
		Bin(f, "definitely-not-a-tool")
	}()
	want := "missing " + filepath.Join(RepoRoot(t), "bin", "definitely-not-a-tool") + ": run `make tools`"
	if f.msg != want {
		t.Fatalf("message = %q, want %q", f.msg, want)
	}
}

// TestSelfContained fails when any file of the repository reads or links
// outside it: a user who clones the repository has nothing beside it, so
// test vectors live under testdata/third_party and notes are upstream links
// or in-repo docs.
func TestSelfContained(t *testing.T) {
	root := RepoRoot(t)
	outside := regexp.MustCompile(`\.\./` + `shared\b|\bShared` + `Dir\b|\bshared/(testdata|reference)\b`)
	skip := map[string]bool{".git": true, "bin": true, "node_modules": true}
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skip[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if fi, err := d.Info(); err != nil || fi.Size() > 4<<20 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if outside.MatchString(line) {
				rel, _ := filepath.Rel(root, p)
				found = append(found, fmt.Sprintf("%s:%d: %s", rel, i+1, strings.TrimSpace(line)))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("the repository reaches outside itself:\n%s", strings.Join(found, "\n"))
	}
}
