package version_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// TestMakefileLinksAppVersion: every build of a shipped binary (make
// plugins, make cli, and plugins-oci from charts.mk, also used alone) links
// the chart's appVersion into Version, and VERSION= overrides it.
func TestMakefileLinksAppVersion(t *testing.T) {
	root := testenv.RepoRoot(t)
	chart, err := os.ReadFile(filepath.Join(root, "charts", "ratify-wasm", "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^appVersion: *"?([^"\n]+)"?$`).FindSubmatch(chart)
	if m == nil {
		t.Fatal("Chart.yaml has no appVersion")
	}
	appVersion := string(m[1])
	flag := func(v string) string { return "-X " + testenv.ModulePath + "/internal/version.Version=" + v }
	dryRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("make", append([]string{"-s", "-n"}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plugins"}, appVersion},
		{[]string{"cli"}, appVersion},
		{[]string{"cli", "VERSION=1.2.3-override"}, "1.2.3-override"},
		{[]string{"-f", "charts.mk", "plugins-oci", "REGISTRY=registry.invalid"}, appVersion},
	} {
		out := dryRun(c.args...)
		builds := 0
		for _, line := range strings.Split(out, "\n") {
			if !strings.Contains(line, "go build") {
				continue
			}
			builds++
			if !strings.Contains(line, flag(c.want)+" ") && !strings.Contains(line, flag(c.want)+"'") {
				t.Errorf("make %v: a go build without %q:\n%s", c.args, flag(c.want), line)
			}
		}
		if builds == 0 {
			t.Errorf("make %v runs no go build:\n%s", c.args, out)
		}
	}
}
